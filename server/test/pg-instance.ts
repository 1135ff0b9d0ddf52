import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PG_BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A Postgres server owned by one test: its own data directory and port, so the test may
 * stop and start it (the machine's shared Postgres on 5432 must never be stopped).
 * Postgres refuses to run as root, so when we are root every command runs as the
 * `postgres` OS user on a directory chowned to it.
 */
export interface PgInstance {
  /** postgres://postgres@127.0.0.1:PORT/postgres — stays the same across stop/start. */
  url: string;
  port: number;
  dataDir: string;
  start(): Promise<void>;
  /** `immediate` is a crash-like stop (no checkpoint); `fast` disconnects clients cleanly. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  isRunning(): Promise<boolean>;
  /** Stops the server if needed and deletes its directory. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a Postgres binary as the postgres user when we are root. */
async function pgCommand(bin: string, args: string[]): Promise<string> {
  const file = path.join(PG_BIN, bin);
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    const { stdout } = await run(cmd, argv, { timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

export async function createPgInstance(): Promise<PgInstance> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-pg-'));
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'postgres.log');
  if (isRoot) {
    fs.chmodSync(base, 0o755);
    await run('chown', ['postgres:postgres', base]);
  }
  // --no-sync: this cluster is thrown away after the test; skipping fsync at init saves seconds.
  await pgCommand('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const options = [
    `-p ${port}`,
    `-k ${base}`, // the Unix socket goes to our dir, not /var/run/postgresql (shared with the machine's server)
    "-c listen_addresses='127.0.0.1'",
    '-c max_connections=100',
    '-c shared_buffers=32MB',
  ].join(' ');

  const instance: PgInstance = {
    url,
    port,
    dataDir,
    async start() {
      await pgCommand('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
    },
    async stop(mode = 'fast') {
      await pgCommand('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async isRunning() {
      try {
        await pgCommand('pg_ctl', ['-D', dataDir, 'status']);
        return true;
      } catch {
        // pg_ctl status exits 3 when no server runs in the directory: that is the answer, not a failure.
        return false;
      }
    },
    async destroy() {
      if (await instance.isRunning()) await instance.stop('immediate');
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  await instance.start();
  return instance;
}
