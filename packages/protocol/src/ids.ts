import { z } from 'zod';

/** Room, user and other ids are UUIDs (Postgres `uuid`). */
export const Id = z.uuid();
export type Id = z.infer<typeof Id>;

export const isId = (value: string): boolean => Id.safeParse(value).success;

export const Role = z.enum(['mentor', 'mentee']);
export type Role = z.infer<typeof Role>;

/** Name of the session cookie (httpOnly, SameSite=Lax). */
export const SESSION_COOKIE = 'menteo_session';
