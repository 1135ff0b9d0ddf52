import { z } from 'zod';
import { Id, Role } from './ids.ts';

/** Request bodies are strict: unknown fields are a 400, not silently dropped. */
export const SignupBody = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(8).max(256),
  displayName: z.string().trim().min(1).max(80),
});
export type SignupBody = z.infer<typeof SignupBody>;

export const LoginBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const CreateRoomBody = z.strictObject({
  title: z.string().trim().min(1).max(120),
});
export type CreateRoomBody = z.infer<typeof CreateRoomBody>;

export interface User {
  id: Id;
  email: string;
  displayName: string;
}

export interface Member {
  userId: Id;
  displayName: string;
  role: Role;
  joinedAt: string;
}

/** Figures derived from a room's shared doc (room-doc's derivations); never its content. */
export interface RoomProgress {
  /** Goals that are not dropped. */
  goals: number;
  /** Of those, goals marked done. */
  goalsDone: number;
  /** Milestones of goals that are not dropped. */
  milestones: number;
  milestonesDone: number;
  /** 0–100, rounded down (the program's milestone target). */
  milestonePercent: number;
}

export interface Room {
  id: Id;
  title: string;
  createdAt: string;
  archivedAt: string | null;
  myRole: Role;
  members: Member[];
  progress: RoomProgress;
  /** When the shared doc last changed as far as Postgres knows (log row or checkpoint); null if never. */
  lastActivityAt: string | null;
  /** When the last meeting started (or the open one); null if the room never met. */
  lastMetAt: string | null;
  /** When the next meeting is due by the room's cadence (schedule); null without one. */
  nextDueAt: string | null;
}

export interface InviteCreated {
  token: string;
  url: string;
  expiresAt: string;
}

export interface SocketToken {
  token: string;
  expiresAt: string;
}

/** PATCH /api/rooms/:id */
export const UpdateRoomBody = z.strictObject({
  title: z.string().trim().min(1).max(120),
});
export type UpdateRoomBody = z.infer<typeof UpdateRoomBody>;

/** GET /api/me, and the answer to signup and login. */
export interface UserResponse {
  user: User;
}

/** GET /api/rooms */
export interface RoomsResponse {
  rooms: Room[];
}

/** GET/PATCH /api/rooms/:id, archive, unarchive, and accepting an invite. */
export interface RoomResponse {
  room: Room;
}

/** GET /api/invites/:token — what the accept page shows before the user accepts. */
export interface InvitePreview {
  roomTitle: string;
  mentorName: string;
  status: 'valid' | 'expired' | 'used' | 'full';
  expiresAt: string;
}
