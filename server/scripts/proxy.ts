import { createHash } from 'node:crypto';
import net from 'node:net';

export interface RoundRobinProxy {
  server: net.Server;
  /** Connections accepted so far, per backend port. */
  counts: Map<number, number>;
  close(): Promise<void>;
}

export interface ProxyOptions {
  /**
   * 'room': a y-websocket (`GET /yjs/<roomId>`) goes to the node that the room's id hashes
   * to, so a room's members meet on one node and their edits skip the Redis hop; every
   * other connection is still round robin. 'none' (default): round robin for everything.
   */
  affinity?: 'none' | 'room';
}

/** The longest request line read while looking for a room id; longer ones are not y-websockets. */
const MAX_REQUEST_LINE = 4096;

/**
 * A tiny L4 round-robin balancer: each TCP connection (an HTTP keep-alive connection, a
 * y-websocket, a socket.io WebSocket) goes to the next backend from `backends()`. A backend
 * that refuses (a node just killed) is skipped and the next one takes the connection — what
 * any real balancer with health checks does. No stickiness: the service must not need it.
 * With `affinity: 'room'` it peeks at the request line of each connection first (see
 * ProxyOptions), as an L7 balancer hashing on the URI would.
 */
export function createRoundRobinProxy(backends: () => number[], options: ProxyOptions = {}): RoundRobinProxy {
  let next = 0;
  const counts = new Map<number, number>();
  const open = new Set<net.Socket>();

  const connect = (client: net.Socket, order: number[], head: Buffer | null) => {
    const tryBackend = (attempt: number) => {
      if (attempt >= order.length) return client.destroy();
      const port = order[attempt]!;
      const upstream = net.connect(port, '127.0.0.1');
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        counts.set(port, (counts.get(port) ?? 0) + 1);
        open.add(upstream);
        upstream.once('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        client.once('close', () => upstream.destroy());
        if (head) upstream.write(head);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        // Before connect: try the next backend. After: the close handler ends the client side.
        if (!connected) tryBackend(attempt + 1);
      });
    };
    tryBackend(0);
  };

  /** Every live backend, starting from the next in turn. */
  const roundRobin = () => {
    const ports = backends();
    const start = next++;
    return ports.map((_, i) => ports[(start + i) % ports.length]!);
  };

  const server = net.createServer((client) => {
    client.pause();
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    if (options.affinity !== 'room') return connect(client, roundRobin(), null);

    // Read up to the end of the request line, then choose; what was read goes upstream first.
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const eol = head.indexOf('\r\n');
      if (eol === -1 && head.length < MAX_REQUEST_LINE) return;
      client.off('data', onData);
      client.pause();
      const roomId = roomOfRequestLine(head.subarray(0, eol === -1 ? head.length : eol).toString('latin1'));
      connect(client, roomId === null ? roundRobin() : roomOrder(roomId, backends()), head);
    };
    client.on('data', onData);
    client.resume();
  });
  return {
    server,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The room id of `GET /yjs/<roomId>[?…] HTTP/1.1`, or null for any other request. */
export function roomOfRequestLine(line: string): string | null {
  const m = /^GET \/yjs\/([^/?\s]+)/.exec(line);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null; // malformed escapes: the node answers it; any node will do
  }
}

/**
 * Backends in the order a room tries them: rendezvous (highest-random-weight) hashing, so
 * every balancer instance agrees without sharing state, and when a node leaves only its own
 * rooms move (to their second choice); the rest stay where they are.
 */
export function roomOrder(roomId: string, ports: number[]): number[] {
  const score = (port: number) => createHash('sha256').update(`${roomId}\n${port}`).digest().readUInt32BE(0);
  return ports
    .map((port) => ({ port, score: score(port) }))
    .sort((a, b) => b.score - a.score || a.port - b.port)
    .map((s) => s.port);
}
