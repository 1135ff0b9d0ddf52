import type { PresenceMember, Role } from '@menteo/protocol';
import { roomIdOf, sioRoom, type IoServer, type SocketConcernFactory } from './types.ts';
import type { Logger } from '../../logger.ts';

const roleOrder: Record<Role, number> = { mentor: 0, mentee: 1 };

/**
 * A roster is computed on the node where the change happened, from every node's sockets
 * (fetchSockets goes through the Redis adapter). Two nodes changing one room at once may
 * emit out of order, so each change is confirmed by one more emission a moment later.
 */
const ROSTER_CONFIRM_MS = 300;
const RECONNECT_ROSTER_DELAY_MS = 1000;

/** The presence roster (`presence:roster`): who is in the room, on any node, with how many tabs. */
export const presence: SocketConcernFactory = ({ io, logger, isClosed }) => {
  const rosters = createRosterEmitter(io, logger, isClosed);
  const timers = new Set<NodeJS.Timeout>();
  return {
    roomChanged: (roomId) => rosters.changed(roomId),
    // Rosters emitted while Redis was away went nowhere, and other nodes' sockets may have
    // come or gone: once the bus is back (the adapter's own connections reconnect on the same
    // backoff), every room with sockets here is recomputed.
    busReconnected() {
      const t = setTimeout(() => {
        timers.delete(t);
        for (const name of io.of('/').adapter.rooms.keys()) {
          const roomId = roomIdOf(name);
          if (roomId) rosters.changed(roomId);
        }
      }, RECONNECT_ROSTER_DELAY_MS);
      t.unref();
      timers.add(t);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      rosters.close();
    },
  };
};

function createRosterEmitter(io: IoServer, log: Logger, isClosed: () => boolean) {
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
