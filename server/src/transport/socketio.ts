import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  CloseCode,
  isId,
  type ClientToServerEvents,
  type PresenceMember,
  type Role,
  type ServerToClientEvents,
} from '@menteo/protocol';
import type { AppContext } from '../context.ts';
import type { Principal } from '../auth/Auth.ts';
import { isAllowedOrigin } from '../auth/origin.ts';

/** What a socket carries; plain data, because the Redis adapter ships it to other nodes for fetchSockets(). */
interface SocketData {
  principal: Principal;
  /** Mentorship rooms this socket joined, with the member's role in each. */
  rooms: Record<string, Role>;
}

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const roleOrder: Record<Role, number> = { mentor: 0, mentee: 1 };

/** One socket.io room per mentorship room; prefixed so it can never collide with a socket id. */
const sioRoom = (roomId: string) => `room:${roomId}`;

/**
 * A roster is computed on the node where the change happened, from every node's sockets
 * (fetchSockets goes through the Redis adapter). Two nodes changing one room at once may
 * emit out of order, so each change is confirmed by one more emission a moment later.
 */
const ROSTER_CONFIRM_MS = 300;
const RECONNECT_ROSTER_DELAY_MS = 1000;
/** A browser tab is in one room; a few more allow a future "all my rooms" view. */
const MAX_ROOMS_PER_SOCKET = 20;

/**
 * socket.io on /socket.io: presence roster (and later meetings, chat).
 *
 * WebSocket only, on purpose: with HTTP long-polling a session's requests must all reach
 * the node that holds it, which would force sticky sessions on every load balancer.
 * With `transports: ['websocket']` on both ends any L4/L7 balancer works.
 */
export function attachSocketIo(server: http.Server, ctx: AppContext): { close(): Promise<void> } {
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
    ...(redis ? { adapter: createAdapter(redis.pub, redis.sub, { key: 'menteo:sio', requestsTimeout: 3000 }) } : {}),
  });
  let closed = false;

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

  const rosters = createRosterEmitter(io, log, () => closed);

  io.on('connection', (socket: IoSocket) => {
    socket.on('room:join', (payload, ack) => {
      if (typeof ack !== 'function') return;
      const roomId = typeof payload === 'object' && payload !== null ? payload.roomId : undefined;
      if (typeof roomId !== 'string' || !isId(roomId)) {
        return ack({ ok: false, code: CloseCode.BadMessage, message: 'roomId must be a room id' });
      }
      // Each join costs a membership query and a roster across all nodes: bound them per socket.
      if (!Object.hasOwn(socket.data.rooms, roomId) && Object.keys(socket.data.rooms).length >= MAX_ROOMS_PER_SOCKET) {
        return ack({ ok: false, code: CloseCode.RateLimited, message: `at most ${MAX_ROOMS_PER_SOCKET} rooms per connection` });
      }
      ctx.auth
        .roomRole(socket.data.principal, roomId)
        .then(async (role) => {
          if (!role) return ack({ ok: false, code: CloseCode.NoSuchRoom, message: 'no such room' });
          if (!socket.connected) return;
          socket.data.rooms[roomId] = role;
          await socket.join(sioRoom(roomId));
          ack({ ok: true });
          rosters.changed(roomId);
        })
        .catch((err: unknown) => {
          log.error({ err, roomId }, 'room:join failed');
          ack({ ok: false, code: CloseCode.TryAgainLater, message: 'try again later' });
        });
    });

    socket.on('room:leave', (payload) => {
      const roomId = typeof payload === 'object' && payload !== null ? payload.roomId : undefined;
      if (typeof roomId !== 'string' || !Object.hasOwn(socket.data.rooms, roomId)) return;
      delete socket.data.rooms[roomId];
      void socket.leave(sioRoom(roomId));
      rosters.changed(roomId);
    });

    socket.on('disconnect', () => {
      // socket.data.rooms outlives the socket.io rooms, which are already left here.
      for (const roomId of Object.keys(socket.data.rooms)) rosters.changed(roomId);
    });
  });

  // A removed member loses the room on every node within a second: revocations reach each
  // node over the bus, and each node drops its own sockets (io.local) from the room.
  const offRevoke = ctx.revocations.onRevoke(({ roomId, userId }) => {
    const ids = io.of('/').adapter.rooms.get(sioRoom(roomId));
    if (!ids) return;
    let removed = 0;
    for (const id of [...ids]) {
      const socket = io.of('/').sockets.get(id);
      if (!socket || (userId !== null && socket.data.principal.userId !== userId)) continue;
      socket.emit('room:error', { roomId, code: CloseCode.Forbidden, message: 'you are no longer a member of this room' });
      delete socket.data.rooms[roomId];
      void socket.leave(sioRoom(roomId));
      removed++;
    }
    if (removed > 0) rosters.changed(roomId);
  });

  // Rosters emitted while Redis was away went nowhere, and other nodes' sockets may have
  // come or gone: once the bus is back (the adapter's own connections reconnect on the same
  // backoff), every room with sockets here is recomputed.
  const offReconnect = ctx.bus.onReconnect(() => {
    const t = setTimeout(() => {
      for (const name of io.of('/').adapter.rooms.keys()) {
        if (name.startsWith('room:')) rosters.changed(name.slice('room:'.length));
      }
    }, RECONNECT_ROSTER_DELAY_MS);
    t.unref();
  });

  return {
    async close() {
      if (closed) return;
      closed = true;
      offRevoke();
      offReconnect();
      rosters.close();
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

function createRosterEmitter(io: IoServer, log: AppContext['logger'], isClosed: () => boolean) {
  const running = new Map<string, { again: boolean }>();
  const confirms = new Map<string, NodeJS.Timeout>();

  const roster = async (roomId: string): Promise<PresenceMember[]> => {
    const sockets = await io.in(sioRoom(roomId)).fetchSockets();
    const members = new Map<string, PresenceMember>();
    for (const s of sockets) {
      const role = s.data.rooms?.[roomId];
      if (!role) continue;
      const { userId, displayName } = s.data.principal;
      const m = members.get(userId) ?? { userId, displayName, role, connections: 0 };
      m.connections++;
      members.set(userId, m);
    }
    // Mentor first, then by name: a stable order, so a UI does not reshuffle avatars.
    return [...members.values()].sort((a, b) => roleOrder[a.role] - roleOrder[b.role] || a.displayName.localeCompare(b.displayName));
  };

  const emit = (roomId: string) => {
    const existing = running.get(roomId);
    if (existing) {
      existing.again = true;
      return;
    }
    const state = { again: true };
    running.set(roomId, state);
    void (async () => {
      while (state.again && !isClosed()) {
        state.again = false;
        try {
          const members = await roster(roomId);
          if (!isClosed()) io.to(sioRoom(roomId)).emit('presence:roster', { roomId, members });
        } catch (err) {
          // Typically Redis down or a node not answering in time; the next change or confirm retries.
          log.warn({ err, roomId }, 'presence roster not computed');
        }
      }
      running.delete(roomId);
    })();
  };

  return {
    changed(roomId: string) {
      emit(roomId);
      clearTimeout(confirms.get(roomId));
      const t = setTimeout(() => {
        confirms.delete(roomId);
        emit(roomId);
      }, ROSTER_CONFIRM_MS);
      t.unref();
      confirms.set(roomId, t);
    },
    close() {
      for (const t of confirms.values()) clearTimeout(t);
      confirms.clear();
    },
  };
}
