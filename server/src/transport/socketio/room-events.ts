import type { RoomChange } from '@menteo/protocol';
import { sioRoom, type SocketConcernFactory } from './types.ts';

/**
 * `room:changed` to a room's sockets when its title, archive state or members change, so the
 * other member's header, banner and partner line follow without a reload.
 *
 * The rooms service publishes area events (bus/area-events.ts), delivered on every node; each
 * node tells only its own sockets (io.local), since a broadcast through the Redis adapter would
 * reach every socket once per node.
 */
export const roomEvents: SocketConcernFactory = ({ io, ctx }) => {
  const tell = (change: RoomChange) => io.local.to(sioRoom(change.roomId)).emit('room:changed', change);
  const offs = [
    ctx.events.subscribe('room.renamed', ({ roomId, title }) => tell({ roomId, change: 'renamed', title })),
    ctx.events.subscribe('room.archived', ({ roomId, archived }) => tell({ roomId, change: 'archived', archived })),
    ctx.events.subscribe('room.member-changed', ({ roomId, userId, change }) =>
      tell({ roomId, change: 'member', userId, member: change }),
    ),
  ];
  return {
    close() {
      for (const off of offs) off();
    },
  };
};
