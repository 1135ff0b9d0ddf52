import type { AddressInfo } from 'node:net';
import { createDb, type DbHandle } from '@menteo/db';
import { createApp, type App } from '../src/app.ts';
import { testConfig, type Config } from '../src/config.ts';
import { createLogger, type Logger } from '../src/logger.ts';
import type { Bus } from '../src/bus/Bus.ts';
import { MemoryBus } from '../src/bus/MemoryBus.ts';
import { createTestDatabase } from './postgres.ts';

export type Backend = 'postgres' | 'pglite';
/** Every contract suite runs once per backend. */
export const BACKENDS: Backend[] = ['postgres', 'pglite'];

export interface TestDb {
  handle: DbHandle;
  /** Postgres URL of the fresh database (null on PGlite). */
  url: string | null;
  destroy(): Promise<void>;
}

/** A fresh database on the chosen backend: a new Postgres database, or an in-memory PGlite. */
export async function createTestDb(backend: Backend): Promise<TestDb> {
  if (backend === 'pglite') {
    const handle = await createDb({ kind: 'pglite', dataDir: null });
    return { handle, url: null, destroy: () => handle.close() };
  }
  const pg = await createTestDatabase();
  const handle = await createDb({ kind: 'postgres', url: pg.url, poolSize: 5 });
  return {
    handle,
    url: pg.url,
    async destroy() {
      await handle.close();
      await pg.drop();
    },
  };
}

export interface TestServer {
  app: App;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  config: Config;
  close(): Promise<void>;
}

/**
 * A real node on port 0. Pass `db` and `bus` to run several nodes over one database and
 * one bus (share a MemoryBusHub, or RedisBus instances on one Redis).
 */
export async function startTestServer(opts: {
  db: DbHandle;
  bus?: Bus;
  config?: Partial<Config>;
  /** To read what the node logs; silent (or TEST_LOG_LEVEL) when not given. */
  logger?: Logger;
}): Promise<TestServer> {
  const config = testConfig({ ...opts.config });
  const logger = opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const bus = opts.bus ?? new MemoryBus();
  const app = await createApp({ config, db: opts.db, bus, logger });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', () => resolve()));
  const { port } = app.http.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    config,
    close: () => app.close(),
  };
}
