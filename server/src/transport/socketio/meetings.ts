import { CloseCode, isId } from '@menteo/protocol';
import { roomIdOf, sioRoom, type IoServer, type SocketConcernFactory } from './types.ts';

/** Members present in a room on any node (fetchSockets goes through the Redis adapter). */
async function presentUsers(io: IoServer, roomId: string): Promise<string[]> {
  const sockets = await io.in(sioRoom(roomId)).fetchSockets();
  const users = new Set<string>();
  for (const s of sockets) if (s.data.rooms?.[roomId]) users.add(s.data.principal.userId);
  return [...users];
}

/**
 * Meetings over socket.io: `meeting:current` answers a joined room's open meeting (with the
 * server's clock, for the timer); meeting events from any node (area events) go to this node's
 * sockets in the room (`io.local`: every node delivers to its own, so nobody gets one twice, and
 * a socket revoked from the room gets nothing more); and presence changes feed attendance and
 * the automatic start and end (meetings-service).
 */
export const meetings: SocketConcernFactory = ({ io, ctx, services, logger, isClosed }) => {
  const service = services.meetings;
  const detach = service.attachPresence((roomId) => presentUsers(io, roomId));

  const hasLocalSockets = (roomId: string) => (io.of('/').adapter.rooms.get(sioRoom(roomId))?.size ?? 0) > 0;
  const deliverState = (roomId: string) => {
    if (!hasLocalSockets(roomId)) return;
    service.live(roomId).then(
      (live) => {
        if (!isClosed()) io.local.to(sioRoom(roomId)).emit('meeting:state', live);
      },
      (err: unknown) => logger.warn({ err, roomId }, 'meeting state not delivered'),
    );
  };

  const offs = [
    ctx.events.subscribe('meeting.started', ({ roomId }) => deliverState(roomId)),
    ctx.events.subscribe('meeting.renamed', ({ roomId }) => deliverState(roomId)),
    ctx.events.subscribe('meeting.attendance', ({ roomId }) => deliverState(roomId)),
    ctx.events.subscribe('meeting.ended', ({ roomId, meetingId }) => {
      if (!hasLocalSockets(roomId)) return;
      service.byId(roomId, meetingId).then(
        (meeting) => {
          if (!meeting || isClosed()) return;
          const serverNow = new Date().toISOString();
          io.local.to(sioRoom(roomId)).emit('meeting:ended', { roomId, meeting, serverNow });
          io.local.to(sioRoom(roomId)).emit('meeting:state', { roomId, meeting: null, serverNow });
        },
        (err: unknown) => logger.warn({ err, roomId }, 'meeting end not delivered'),
      );
    }),
    // Events lost while the bus was away: every room with sockets here gets its state again.
    ctx.events.onMissed(() => {
      for (const name of io.of('/').adapter.rooms.keys()) {
        const roomId = roomIdOf(name);
        if (roomId) deliverState(roomId);
      }
    }),
  ];

  return {
    connection(socket) {
      socket.on('meeting:current', (payload, ack) => {
        if (typeof ack !== 'function') return;
        const roomId = typeof payload === 'object' && payload !== null ? payload.roomId : undefined;
        // Only rooms this socket was admitted to (room:join); anything else looks like no room at all.
        if (typeof roomId !== 'string' || !isId(roomId) || !Object.hasOwn(socket.data.rooms, roomId)) {
          return ack({ ok: false, code: CloseCode.NoSuchRoom, message: 'no such room' });
        }
        service.live(roomId).then(
          (live) => ack({ ok: true, live }),
          (err: unknown) => {
            logger.error({ err, roomId }, 'meeting:current failed');
            ack({ ok: false, code: CloseCode.TryAgainLater, message: 'try again later' });
          },
        );
      });
    },
    roomChanged(roomId) {
      presentUsers(io, roomId)
        .then((present) => service.presenceChanged(roomId, present))
        .catch((err: unknown) => logger.warn({ err, roomId }, 'meeting presence not updated'));
    },
    close() {
      detach();
      for (const off of offs) off();
    },
  };
};
