import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRoundRobinProxy, roomOfRequestLine, roomOrder, type ProxyOptions, type RoundRobinProxy } from '../../scripts/proxy.ts';

/**
 * The cluster's balancer (scripts/proxy.ts) in front of plain TCP backends that answer with
 * their own port and echo what they were sent, so a test sees where a connection landed and
 * that its first bytes (read to choose the node) still arrived whole.
 */
describe('the cluster proxy', () => {
  const backends: net.Server[] = [];
  let proxy: RoundRobinProxy | null = null;

  afterEach(async () => {
    await proxy?.close();
    proxy = null;
    await Promise.all(backends.splice(0).map((b) => new Promise((r) => b.close(r))));
  });

  const startBackend = async (): Promise<number> => {
    const server = net.createServer((socket) => {
      const port = (server.address() as AddressInfo).port;
      socket.once('data', (first) => socket.end(`${port}|${first.toString('latin1')}`));
      socket.on('error', () => socket.destroy());
    });
    backends.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as AddressInfo).port;
  };

  const startProxy = async (ports: () => number[], options: ProxyOptions): Promise<number> => {
    proxy = createRoundRobinProxy(ports, options);
    await new Promise<void>((r) => proxy!.server.listen(0, '127.0.0.1', () => r()));
    return (proxy.server.address() as AddressInfo).port;
  };

  /** Sends `request` in `pieces` writes; resolves with the backend port and what it echoed. */
  const send = (proxyPort: number, request: string, pieces = 1) =>
    new Promise<{ port: number; echoed: string }>((resolve, reject) => {
      const socket = net.connect(proxyPort, '127.0.0.1');
      let reply = '';
      socket.on('data', (d) => (reply += d.toString('latin1')));
      socket.on('end', () => {
        const bar = reply.indexOf('|');
        resolve({ port: Number(reply.slice(0, bar)), echoed: reply.slice(bar + 1) });
      });
      socket.on('error', reject);
      const size = Math.ceil(request.length / pieces);
      socket.once('connect', async () => {
        for (let i = 0; i < request.length; i += size) {
          socket.write(request.slice(i, i + size));
          await new Promise((r) => setTimeout(r, 10));
        }
      });
    });

  const upgrade = (roomId: string) => `GET /yjs/${roomId}?ack=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n`;

  it('sends every y-websocket of a room to the same node, and spreads rooms over the nodes', async () => {
    const ports = await Promise.all([startBackend(), startBackend(), startBackend()]);
    const proxyPort = await startProxy(() => ports, { affinity: 'room' });
    // 40 rooms: the chance that one of three nodes gets none of them is 3 · (2/3)^40.
    const rooms = Array.from({ length: 40 }, (_, i) => `room-${i}`);
    const placed = new Map<string, number>();
    for (const [i, room] of rooms.entries()) {
      const first = await send(proxyPort, upgrade(room));
      // A request line split over several packets is read whole before choosing.
      const second = await send(proxyPort, upgrade(room), i < 5 ? 4 : 1);
      expect(second.port).toBe(first.port);
      expect(first.port).toBe(roomOrder(room, ports)[0]);
      expect(second.echoed.startsWith(`GET /yjs/${room}?ack=1 HTTP/1.1\r\n`)).toBe(true);
      placed.set(room, first.port);
    }
    expect(new Set(placed.values()).size).toBe(3);
  });

  it('moves only the rooms of a node that goes away, and keeps round robin for other requests', async () => {
    const ports = await Promise.all([startBackend(), startBackend(), startBackend()]);
    let live = [...ports];
    const proxyPort = await startProxy(() => live, { affinity: 'room' });
    const rooms = Array.from({ length: 12 }, (_, i) => `r${i}`);
    const before = new Map(rooms.map((r) => [r, roomOrder(r, ports)[0]!]));
    const gone = before.get('r0')!;
    live = ports.filter((p) => p !== gone);
    for (const room of rooms) {
      const { port } = await send(proxyPort, upgrade(room));
      if (before.get(room) === gone) expect(port).toBe(roomOrder(room, ports)[1]);
      else expect(port).toBe(before.get(room));
    }
    const rest = await Promise.all([1, 2, 3, 4].map(() => send(proxyPort, 'GET /api/me HTTP/1.1\r\n\r\n')));
    expect(new Set(rest.map((r) => r.port))).toEqual(new Set(live));
  });

  it('tries the room’s next node when its first choice refuses the connection', async () => {
    const ports = await Promise.all([startBackend(), startBackend()]);
    const proxyPort = await startProxy(() => ports, { affinity: 'room' });
    const room = 'refused-room';
    const [first, second] = roomOrder(room, ports);
    const down = backends.find((b) => (b.address() as AddressInfo).port === first)!;
    await new Promise((r) => down.close(r));
    expect((await send(proxyPort, upgrade(room))).port).toBe(second);
  });

  it('reads a room id only from a y-websocket request line', () => {
    expect(roomOfRequestLine('GET /yjs/abc-123?ack=1 HTTP/1.1')).toBe('abc-123');
    expect(roomOfRequestLine('GET /yjs/a%20b HTTP/1.1')).toBe('a b');
    expect(roomOfRequestLine('GET /yjs/%E0%A4%A HTTP/1.1')).toBeNull();
    expect(roomOfRequestLine('GET /socket.io/?EIO=4 HTTP/1.1')).toBeNull();
    expect(roomOfRequestLine('POST /yjs/abc HTTP/1.1')).toBeNull();
  });
});
