import { and, eq, gt, inArray, lte } from 'drizzle-orm';
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
  return (await findSessionUsers(db, [tokenHash], now)).get(tokenHash) ?? null;
}

/** The users behind live sessions, by token hash, in one query (absent: no such live session). */
export async function findSessionUsers(db: Db, tokenHashes: readonly string[], now = new Date()): Promise<Map<string, UserRow>> {
  const out = new Map<string, UserRow>();
  if (tokenHashes.length === 0) return out;
  const rows = await db
    .select({ tokenHash: sessions.tokenHash, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(inArray(sessions.tokenHash, [...new Set(tokenHashes)]), gt(sessions.expiresAt, now)));
  for (const row of rows) out.set(row.tokenHash, row.user);
  return out;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** Drops a user's expired sessions (called on login so the table does not grow without bound). */
export async function deleteExpiredSessions(db: Db, userId: string, now = new Date()): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lte(sessions.expiresAt, now)));
}
