import type { Role } from './ids.ts';
import type { MeetingClientEvents, MeetingServerEvents } from './meetings.ts';
import type { ChatClientEvents, ChatServerEvents } from './chat.ts';

/** One member as the presence roster shows them (socket.io, one socket.io room per mentorship room). */
export interface PresenceMember {
  userId: string;
  displayName: string;
  role: Role;
  /** Number of open tabs/devices of this member in the room, across all nodes. */
  connections: number;
}

/** Events the server emits to clients. */
export interface ServerToClientEvents extends MeetingServerEvents, ChatServerEvents {
  'presence:roster': (payload: { roomId: string; members: PresenceMember[] }) => void;
  /** Sent before the server disconnects a socket it refuses (close codes from close-codes.ts). */
  'room:error': (payload: { roomId: string; code: number; message: string }) => void;
  /**
   * The room's title, archive state or members changed (on any node): re-read the room
   * (GET /api/rooms/:id). Sent to the room's sockets only.
   */
  'room:changed': (payload: RoomChange) => void;
}

export type RoomChange =
  | { roomId: string; change: 'renamed'; title: string }
  | { roomId: string; change: 'archived'; archived: boolean }
  | { roomId: string; change: 'member'; userId: string; member: 'joined' | 'left' | 'removed' };

/** Events clients emit; each takes an ack callback so the UI can show failures. */
export interface ClientToServerEvents extends MeetingClientEvents, ChatClientEvents {
  'room:join': (payload: { roomId: string }, ack: (res: { ok: true } | { ok: false; code: number; message: string }) => void) => void;
  'room:leave': (payload: { roomId: string }) => void;
}
