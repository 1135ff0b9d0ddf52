import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, Role, ServerToClientEvents } from '@menteo/protocol';
import type { Principal } from '../../auth/Auth.ts';
import type { AppContext } from '../../context.ts';
import type { Logger } from '../../logger.ts';
import type { Services } from '../../services.ts';

/** What a socket carries; plain data, because the Redis adapter ships it to other nodes for fetchSockets(). */
export interface SocketData {
  principal: Principal;
  /** Mentorship rooms this socket joined, with the member's role in each. */
  rooms: Record<string, Role>;
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** One socket.io room per mentorship room; prefixed so it can never collide with a socket id. */
export const sioRoom = (roomId: string): string => `room:${roomId}`;
/** The inverse of sioRoom, or null for a socket id or another kind of room. */
export const roomIdOf = (sioRoomName: string): string | null =>
  sioRoomName.startsWith('room:') ? sioRoomName.slice('room:'.length) : null;

/**
 * The registration seam: one concern of the socket.io endpoint (presence today; meetings and
 * chat next, each in its own file beside this one). index.ts authenticates every socket and
 * rooms.ts admits it to mentorship rooms; a concern only adds its own events and reacts to
 * room membership, so adding one never touches the others.
 *
 *   // transport/socketio/meetings.ts
 *   export const meetings: SocketConcernFactory = ({ io, ctx }) => ({
 *     connection(socket) { socket.on('meeting:start', …) },   // check socket.data.rooms[roomId]
 *   });
 *   // and one line in index.ts's CONCERNS list.
 *
 * Event maps (ClientToServerEvents, ServerToClientEvents) stay in @menteo/protocol, one file
 * per area (`packages/protocol/src/<area>.ts`) merged into those two interfaces.
 */
export interface SocketConcern {
  /** Every socket that passed authentication, before it sends anything. */
  connection?(socket: IoSocket): void;
  /**
   * The set of this node's sockets in a mentorship room changed: a join, a leave, a
   * revocation or a disconnect. Called after the change.
   */
  roomChanged?(roomId: string): void;
  /** The bus came back after an outage: whatever was sent across nodes meanwhile may be lost. */
  busReconnected?(): void;
  /** Stop timers; sockets are disconnected by index.ts afterwards. */
  close?(): void;
}

export interface SocketConcernDeps {
  io: IoServer;
  ctx: AppContext;
  /** The areas' services (a concern calls its area's service, as routes do). */
  services: Services;
  logger: Logger;
  /** True once the endpoint is closing: late async work must not emit. */
  isClosed(): boolean;
}

export type SocketConcernFactory = (deps: SocketConcernDeps) => SocketConcern;
