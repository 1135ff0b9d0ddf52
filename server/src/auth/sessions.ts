import { createSession, deleteExpiredSessions, deleteSession, type Db } from '@menteo/db';
import { hashToken, newToken } from './tokens.ts';

/** Opens a session: the random token goes to the cookie, only its sha256 to the database. */
export async function startSession(db: Db, userId: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlMs);
  await deleteExpiredSessions(db, userId);
  await createSession(db, { tokenHash: hashToken(token), userId, expiresAt });
  return { token, expiresAt };
}

export async function endSession(db: Db, token: string): Promise<void> {
  await deleteSession(db, hashToken(token));
}
