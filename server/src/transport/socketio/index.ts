import type http from 'node:http';
import { Gauge } from 'prom-client';
import { Server } from 'socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { CloseCode } from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import { isAllowedOrigin } from '../../auth/origin.ts';
import type { Services } from '../../services.ts';
import { chat } from './chat.ts';
import { presence } from './presence.ts';
import { meetings } from './meetings.ts';
import { createRoomAdmission } from './rooms.ts';
import { roomEvents } from './room-events.ts';
import type { IoServer, IoSocket, SocketConcern, SocketConcernDeps, SocketConcernFactory } from './types.ts';

/**
 * The concerns served over socket.io, one file each (see SocketConcern in types.ts).
 * Meetings and chat each add one entry.
 */
const CONCERNS: readonly SocketConcernFactory[] = [presence, roomEvents, meetings, chat];

/**
 * socket.io on /socket.io: authentication and room admission here, every feature in its own
 * concern (presence today; meetings and chat next).
 *
 * WebSocket only, on purpose: with HTTP long-polling a session's requests must all reach
 * the node that holds it, which would force sticky sessions on every load balancer.
 * With `transports: ['websocket']` on both ends any L4/L7 balancer works.
 */
/**
 * One Redis: the classic adapter (PUBLISH/SUBSCRIBE). A Redis Cluster: the sharded adapter
 * (SPUBLISH/SSUBSCRIBE, Redis 7+); its default "dynamic" mode gives each socket.io room its own
 * channel, so a room's presence events touch one shard and reach only the nodes in that room.
 */
function redisAdapter(redis: { pub: unknown; sub: unknown; sharded?: boolean }) {
  if (redis.sharded) return createShardedAdapter(redis.pub, redis.sub, { channelPrefix: 'menteo:sio' });
  return createAdapter(redis.pub, redis.sub, { key: 'menteo:sio', requestsTimeout: 3000 });
}

export function attachSocketIo(server: http.Server, ctx: AppContext, services: Services): { close(): Promise<void> } {
  const log = ctx.logger.child({ part: 'socket.io' });
  // Redis only: the adapter gets its own connection pair, built in bus/ (the only Redis client owner).
  const redis = ctx.bus.adapterClients?.() ?? null;
  const io: IoServer = new Server(server, {
    path: '/socket.io',
    transports: ['websocket'],
    serveClient: false,
    // The y-websocket endpoint shares the upgrade event; engine.io must leave its upgrades alone.
    destroyUpgrade: false,
    maxHttpBufferSize: 64 * 1024,
    // A member whose network dropped (no close reaches us) leaves the roster within 5 s, not
    // the 45 s of socket.io's defaults (25 s interval + 20 s timeout). Both ends use these.
    pingInterval: 2500,
    pingTimeout: 2500,
    ...(redis ? { adapter: redisAdapter(redis) } : {}),
  });
  let closed = false;
  // Per node, so a room-affine balancer can be checked: a room's socket.io sockets sit with its doc sockets.
  new Gauge({
    name: 'menteo_socketio_connections',
    help: 'Open socket.io connections',
    registers: [ctx.metrics],
    collect() {
      this.set(io.engine.clientsCount);
    },
  });

  io.use((socket, next) => {
    const req = socket.request;
    if (!isAllowedOrigin(ctx.config, req)) return next(refusal(CloseCode.Forbidden, 'origin not allowed'));
    ctx.auth.authenticate(req).then(
      (principal) => {
        if (!principal) return next(refusal(CloseCode.Unauthenticated, 'sign in, or connect with ?token=<room token>'));
        socket.data = { principal, rooms: {} };
        next();
      },
      (err: unknown) => {
        log.error({ err }, 'socket.io authentication failed');
        next(refusal(CloseCode.TryAgainLater, 'try again later'));
      },
    );
  });

  const deps: SocketConcernDeps = { io, ctx, services, logger: log, isClosed: () => closed };
  const concerns: SocketConcern[] = CONCERNS.map((make) => make(deps));
  const admission = createRoomAdmission(deps, (roomId) => {
    for (const c of concerns) c.roomChanged?.(roomId);
  });

  io.on('connection', (socket: IoSocket) => {
    admission.connection(socket);
    for (const c of concerns) c.connection?.(socket);
  });

  const offReconnect = ctx.bus.onReconnect(() => {
    for (const c of concerns) c.busReconnected?.();
  });

  return {
    async close() {
      if (closed) return;
      closed = true;
      admission.close();
      offReconnect();
      for (const c of concerns) c.close?.();
      // Not io.close(): that also closes the HTTP server, which app.close() owns and closes last.
      for (const socket of io.of('/').sockets.values()) socket.disconnect(true);
      await io.of('/').adapter.close();
      io.engine.close();
      await redis?.close();
    },
  };
}

/** A refusal the client sees as connect_error: `err.message` and `err.data.code` (close-codes.ts). */
function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { data: { code } });
}
