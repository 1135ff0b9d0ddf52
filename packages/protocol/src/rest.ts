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

export interface Room {
  id: Id;
  title: string;
  createdAt: string;
  archivedAt: string | null;
  myRole: Role;
  members: Member[];
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
