import net from 'node:net';

export interface RoundRobinProxy {
  server: net.Server;
  /** Connections accepted so far, per backend port. */
  counts: Map<number, number>;
  close(): Promise<void>;
}

/**
 * A tiny L4 round-robin balancer: each TCP connection (an HTTP keep-alive connection, a
 * y-websocket, a socket.io WebSocket) goes to the next backend from `backends()`. A backend
 * that refuses (a node just killed) is skipped and the next one takes the connection — what
 * any real balancer with health checks does. No stickiness: the service must not need it.
 */
export function createRoundRobinProxy(backends: () => number[]): RoundRobinProxy {
  let next = 0;
  const counts = new Map<number, number>();
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.pause();
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const tryBackend = (attempt: number) => {
      const ports = backends();
      if (ports.length === 0 || attempt >= ports.length) return client.destroy();
      const port = ports[next++ % ports.length]!;
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
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        // Before connect: try the next backend. After: the close handler ends the client side.
        if (!connected) tryBackend(attempt + 1);
      });
    };
    tryBackend(0);
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
