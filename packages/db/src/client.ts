import { fileURLToPath } from 'node:url';

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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
  /** PGlite only: bytes of its WebAssembly memory (Postgres' whole address space), for measuring. */
  memoryBytes?(): number;
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
  const pg = await openPglite(target.dataDir);
  const db = drizzlePglite(pg, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    ping: async () => {
      await pg.query('select 1');
    },
    close: () => pg.close(),
    // reason: PGlite keeps its Emscripten module protected; reading its memory size changes nothing.
    memoryBytes: () => (pg as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength ?? 0,
  };
}

/**
 * PGlite's Postgres, sized for one embedded node (README, Performance: "Idle memory").
 *
 * - shared_buffers 16 MB instead of initdb's 128 MB: Postgres touches its whole buffer pool in
 *   the WebAssembly heap, which made it the largest part of an idle node (−120 MB RSS). The
 *   data files are real files, so the OS page cache still holds what the pool does not.
 *   Given as a start parameter: postgresqlconf would replace the whole postgresql.conf.
 * - A new data directory is created (initdb) in a short-lived child process. In-process,
 *   PGlite runs initdb in a second WebAssembly instance that stays reachable for the PGlite
 *   object's lifetime, and even once freed the process keeps ~150 MB of it resident.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/** Run by `node -e` in this package's folder, so '@electric-sql/pglite' resolves as here. */
const INITDB_SCRIPT = `
import { PGlite } from '@electric-sql/pglite';
const pg = await PGlite.create(process.argv[1], { startParams: JSON.parse(process.argv[2]) });
await pg.close();
`;
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

function initdbInChild(dataDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', INITDB_SCRIPT, dataDir, JSON.stringify(PGLITE_START_PARAMS)], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`creating the PGlite database failed (exit ${code}):\n${stderr}`))));
  });
}

async function openPglite(dataDir: string | null): Promise<PGlite> {
  if (!dataDir) return PGlite.create({ startParams: PGLITE_START_PARAMS });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(dataDir, { recursive: true });
    await initdbInChild(dataDir);
  }
  return PGlite.create(dataDir, { startParams: PGLITE_START_PARAMS });
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


