import { and, eq, gt, lte } from 'drizzle-orm';
import type { Db } from './client.ts';
import { sessions, users } from './schema.ts';

export type UserRow = typeof users.$inferSelect;

/** Lower-cased and trimmed; the unique index on users.email relies on every writer doing this. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** Returns null when the (normalised) email is taken — decided by the unique index, not a pre-check. */
export async function createUser(
  db: Db,
  input: { email: string; displayName: string; passwordHash: string },
): Promise<UserRow | null> {
  const rows = await db
    .insert(users)
    .values({ ...input, email: normalizeEmail(input.email) })
    .onConflictDoNothing({ target: users.email })
    .returning();
  return rows[0] ?? null;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
  return rows[0] ?? null;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function createSession(db: Db, input: { tokenHash: string; userId: string; expiresAt: Date }): Promise<void> {
  await db.insert(sessions).values(input);
}

/** The user behind a live (unexpired) session, or null. */
export async function findSessionUser(db: Db, tokenHash: string, now = new Date()): Promise<UserRow | null> {
  const rows = await db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .limit(1);
  return rows[0]?.user ?? null;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Drops a user's expired sessions (called on login so the table does not grow without bound). */
export async function deleteExpiredSessions(db: Db, userId: string, now = new Date()): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lte(sessions.expiresAt, now)));
}
