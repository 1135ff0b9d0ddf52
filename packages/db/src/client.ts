import { fileURLToPath } from 'node:url';

import fs from 'node:fs';
import postgres from 'postgres';
import { drizzle as drizzlePg } from 'drizzle-orm/postgres-js';
import { migrate as migratePg } from 'drizzle-orm/postgres-js/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { PGlite } from '@electric-sql/pglite';

import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

/** Either driver's drizzle database; query functions take this and work on both. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DbTarget = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; dataDir: string | null };

export interface DbHandle {
  db: Db;
  kind: DbTarget['kind'];
  /** Cheap round trip for /readyz; rejects when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** drizzle-kit writes migrations to <repo>/drizzle; resolved from this file so any cwd works. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/** An arbitrary constant: serialises migrations when several nodes start at once. */
const MIGRATION_LOCK_KEY = 7_410_552_391;

export async function createDb(target: DbTarget): Promise<DbHandle> {
  if (target.kind === 'postgres') {
    await migratePostgres(target.url);
    const client = postgres(target.url, {
      max: target.poolSize ?? 10,
      onnotice: () => {},
      // reason: a dead server must fail queries quickly so callers can queue and retry.
      connect_timeout: 5,
    });
    const db = drizzlePg(client, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await client`select 1`;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (target.dataDir) fs.mkdirSync(target.dataDir, { recursive: true });
  const pg = target.dataDir ? new PGlite(target.dataDir) : new PGlite();
  const db = drizzlePglite(pg, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    ping: async () => {
      await pg.query('select 1');
    },
    close: () => pg.close(),
  };
}

async function migratePostgres(url: string): Promise<void> {
  // One dedicated connection: an advisory lock belongs to the session that took it.
  const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_DIR });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}


