import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../test/pg-instance.ts';

const run = promisify(execFile);

/**
 * A redis-server owned by the benchmark, on its own port: its command counters then count
 * only this run's traffic (the machine's shared Redis on 6379 carries other people's tests).
 */
export interface BenchRedis {
  url: string;
  port: number;
  pid: number | undefined;
  /** Calls per command since start, from INFO commandstats (e.g. { publish: 1234 }). */
  commandCalls(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await cli('ping')).trim() === 'PONG') break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING`, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    async commandCalls() {
      const out = await cli('info', 'commandstats');
      const calls: Record<string, number> = {};
      for (const m of out.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]);
      return calls;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
