import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, PASSWORD, uniqueEmail } from './api/api-client.ts';

/**
 * What a new developer does: clone, `npm ci`, `npm start` with no configuration, sign up.
 * It clones the committed HEAD, so a file someone forgot to commit, a lock file out of step
 * with package.json, or a missing build step fails here rather than at a user's desk.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The runner's environment minus everything that configures the app or npm itself. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|NODE_ENV$|NODE_OPTIONS$|VITEST|TURBO_|INIT_CWD$|PORT$|HOST$|DATABASE_|REDIS_URL$|DATA_DIR$|PUBLIC_URL$|CLIENT_DIR$|LOG_LEVEL$|LOG_FORMAT$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, log: fs.WriteStream, env: NodeJS.ProcessEnv): { child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  log.write(`\n$ ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('a fresh clone', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-fresh-'));
  const logFile = path.join(tmp, 'run.log');
  const log = fs.createWriteStream(logFile);
  const tail = () => fs.readFileSync(logFile, 'utf8').slice(-4000);
  const alive: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of alive) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch (err) {
          // Already gone between the check and the kill: nothing left to clean up.
          log.write(`cleanup: ${String(err)}\n`);
        }
      }
    }
    log.end();
    // A fresh node_modules is ~500 packages: removing it takes a while on a busy machine.
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }, 180_000);

  it('installs with npm ci, starts with npm start and no configuration, signs a user up, and stops cleanly on SIGTERM', async () => {
    const repo = path.join(tmp, 'repo');
    const clone = run('git', ['clone', '--quiet', ROOT, repo], tmp, log, cleanEnv({}));
    expect((await clone.exit).code, tail()).toBe(0);

    // --prefer-offline: packages come from the local npm cache when it has them; the install is still from scratch.
    const install = run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], repo, log, cleanEnv({}));
    alive.push(install.child);
    expect((await install.exit).code, tail()).toBe(0);

    const port = await freePort();
    const server = run('npm', ['start'], repo, log, cleanEnv({ PORT: String(port), DATA_DIR: path.join(tmp, 'data') }));
    alive.push(server.child);
    const url = `http://127.0.0.1:${port}`;
    await expect
      .poll(
        async () => {
          if (server.child.exitCode !== null) throw new Error(`npm start exited early:\n${tail()}`);
          return fetch(`${url}/healthz`).then((r) => r.status, () => 0);
        },
        { timeout: 180_000, interval: 500 },
      )
      .toBe(200);

    // The built client is served, and the API works on the embedded database.
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toMatch(/<div id="app"|<script/);
    const client = new ApiClient(url);
    const signup = await client.post('/api/auth/signup', { email: uniqueEmail('fresh'), password: PASSWORD, displayName: 'Fresh' });
    expect(signup.status, tail()).toBe(201);
    expect((await client.get('/api/me')).body.user.displayName).toBe('Fresh');
    expect(fs.existsSync(path.join(tmp, 'data', 'pglite'))).toBe(true);

    // SIGTERM the server process itself (its pid is in its node id, host:pid), as an orchestrator would.
    const listening = /"node":"[^"]*:(\d+)"[^\n]*listening on/.exec(fs.readFileSync(logFile, 'utf8'));
    expect(listening, tail()).not.toBeNull();
    process.kill(Number(listening?.[1]), 'SIGTERM');
    const exit = await server.exit;
    expect(exit, tail()).toEqual({ code: 0, signal: null });
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(/"msg":"stopped"/);
    expect(await fetch(`${url}/healthz`).then(() => 'up', () => 'down')).toBe('down');
  }, 360_000);
});
