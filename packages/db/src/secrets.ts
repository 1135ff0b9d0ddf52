import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './client.ts';
import { serverSecrets } from './schema.ts';

/**
 * A secret every node shares, created by whichever node asks first. Kept in the database
 * so a multi-node deployment needs no extra configuration to verify each other's tokens.
 */
export async function getOrCreateSecret(db: Db, name: string): Promise<string> {
  await db
    .insert(serverSecrets)
    .values({ name, value: randomBytes(32).toString('base64url') })
    .onConflictDoNothing({ target: serverSecrets.name });
  const rows = await db.select().from(serverSecrets).where(eq(serverSecrets.name, name)).limit(1);
  const row = rows[0];
  if (!row) throw new Error(`secret ${name} missing after insert`);
  return row.value;
}
