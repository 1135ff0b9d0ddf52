import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from './pg-instance.ts';

/** server/ — the child runs `node --import tsx src/main.ts` from here. */
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface NodeProcessOptions {
  /** A Postgres URL, or null for the embedded PGlite under `dataDir` (the default deployment). */
  databaseUrl: string | null;
  dataDir?: string;
  redisUrl?: string;
  nodeId?: string;
  /** 0 (default) lets the OS choose; pass an old port to restart a node at the same address. */
  port?: number;
  /** Extra environment (limits, windows), e.g. { MAX_UPDATES_PER_SECOND: '20' }. */
  env?: Record<string, string>;
  /** Echo the child's log lines to this process's stderr (debugging). */
  echo?: boolean;
  /**
   * 'info' (default) or quieter (the benchmark: logging must not cost the node CPU). Above
   * info the "listening" line is not logged, so a free port is chosen first and /healthz polled.
   */
  logLevel?: 'info' | 'warn' | 'error';
  /** Extra node flags (e.g. --cpu-prof for the benchmark's --profile). */
  nodeArgs?: string[];
}

export interface NodeProcess {
  pid: number;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  nodeId: string;
  child: ChildProcess;
  /** Every JSON log line so far (non-JSON lines are kept as { msg: line }). */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code/signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isAlive(): boolean;
  /** SIGKILL: no flush, no shutdown hooks — the crash the durability tests are about. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a graceful exit (falls back to SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first log line (past or future) matching pred. */
  waitForLog(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test that fails half-way must not leave server processes behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Spawns a real server node as a child process and resolves once it listens, with the
 * port it logged. The child reads only its environment, exactly as in production.
 */
export async function startNodeProcess(opts: NodeProcessOptions): Promise<NodeProcess> {
  installExitHook();
  const nodeId = opts.nodeId ?? `test-node-${Math.random().toString(36).slice(2, 8)}`;
  const logLevel = opts.logLevel ?? 'info';
  const fixedPort = opts.port ?? (logLevel === 'info' ? 0 : await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    PORT: String(fixedPort),
    HOST: '127.0.0.1',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.dataDir ? { DATA_DIR: opts.dataDir } : {}),
    LOG_LEVEL: logLevel,
    CLIENT_DIR: '',
    NODE_ID: nodeId,
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  const onLine = (line: string) => {
    if (!line.trim()) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // Not pino output (e.g. a stack trace printed by node itself): keep it readable.
      entry = { msg: line };
    }
    logs.push(entry);
    if (opts.echo) process.stderr.write(`[${nodeId}] ${line}\n`);
    for (const w of waiters) {
      if (w.pred(entry)) {
        waiters.delete(w);
        w.resolve(entry);
      }
    }
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', onLine);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });

  const waitForLog = (pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const past = logs.find(pred);
    if (past) return Promise.resolve(past);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const w = {
        pred,
        resolve: (l: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`node ${nodeId}: no matching log line within ${timeoutMs} ms; last lines:\n${tail(logs)}`));
      }, timeoutMs);
      waiters.add(w);
    });
  };

  const listening =
    logLevel === 'info'
      ? waitForLog((l) => typeof l.port === 'number' && typeof l.msg === 'string' && l.msg.includes('listening'), 60_000).then(
          (l) => l.port as number,
        )
      : pollHealthz(fixedPort, 60_000).then(() => fixedPort);
  const port = await Promise.race([
    listening,
    exited.then(({ code, signal }) => {
      throw new Error(`node ${nodeId} exited before listening (code ${code}, signal ${signal}):\n${tail(logs)}`);
    }),
  ]);
  const alive = () => child.exitCode === null && child.signalCode === null;

  return {
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    nodeId,
    child,
    logs,
    exited,
    isAlive: alive,
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 15_000) {
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    waitForLog,
  };
}

async function pollHealthz(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch (err) {
      // Not listening yet (ECONNREFUSED) while the child starts: keep polling until the deadline.
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no /healthz on port ${port} within ${timeoutMs} ms`, { cause: last });
}

function tail(logs: Array<Record<string, unknown>>, n = 15): string {
  return logs
    .slice(-n)
    .map((l) => JSON.stringify(l))
    .join('\n');
}

/** CPU time (user+system, ms) and resident memory (bytes) of a process, from /proc. */
export async function processUsage(pid: number): Promise<{ cpuMs: number; rssBytes: number }> {
  const fs = await import('node:fs/promises');
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // USER_HZ is 100 on every Linux we run on (sysconf(_SC_CLK_TCK)).
  return { cpuMs: ticks * 10, rssBytes: rssKb * 1024 };
}
