import { CloseCode, isId } from '@menteo/protocol';
import { sioRoom, type IoSocket, type SocketConcernDeps } from './types.ts';

/** A browser tab is in one room; a few more allow a future "all my rooms" view. */
const MAX_ROOMS_PER_SOCKET = 20;

/**
 * Admission to mentorship rooms, shared by every concern: `room:join` checks membership and
 * puts the socket in the room's socket.io room (and records the role in socket.data.rooms,
 * which concerns read to authorize their own events); `room:leave`, a revocation and a
 * disconnect take it out. Each change is reported through `changed(roomId)`.
 */
export function createRoomAdmission(deps: SocketConcernDeps, changed: (roomId: string) => void) {
  const { io, ctx, logger: log } = deps;

  const connection = (socket: IoSocket) => {
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
          changed(roomId);
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
      changed(roomId);
    });

    socket.on('disconnect', () => {
      // socket.data.rooms outlives the socket.io rooms, which are already left here.
      for (const roomId of Object.keys(socket.data.rooms)) changed(roomId);
    });
  };

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
    if (removed > 0) changed(roomId);
  });

  return { connection, close: offRevoke };
}
