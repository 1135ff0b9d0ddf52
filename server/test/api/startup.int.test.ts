import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, PASSWORD, uniqueEmail } from './api-client.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = path.join(ROOT, 'server/src/main.ts');

/** Only what a shell needs: no DATABASE_URL/REDIS_URL etc. leak in from the test runner. */
const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: 'production' });

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: ROOT, env: { ...baseEnv(), ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('starting the server process', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['PORT', 'not-a-port'],
    ['DATABASE_URL', 'mysql://root@127.0.0.1/menteo'],
    ['REDIS_URL', 'localhost:6379'],
    ['HEAP_GROWING_PERCENT', '4000'],
  ])('exits non-zero and names %s when it is set to %s', async (name, value) => {
    const run = runMain({ [name]: value });
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.err()).toContain(name);
    expect(run.err()).toMatch(/Invalid configuration/);
  });

  it('starts on PGlite with PORT=0, serves the API, and exits 0 on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-start-'));
    dirs.push(dataDir);
    const run = runMain({ PORT: '0', DATA_DIR: dataDir, CLIENT_DIR: '', LOG_LEVEL: 'info' });
    try {
      await expect.poll(() => /listening on http:\/\/[^:]+:(\d+)/.exec(run.out())?.[1], { timeout: 60_000, interval: 100 }).toBeTruthy();
      const port = /listening on http:\/\/[^:]+:(\d+)/.exec(run.out())?.[1];
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const signup = await new ApiClient(url).post('/api/auth/signup', { email: uniqueEmail('proc'), password: PASSWORD, displayName: 'Proc' });
      expect(signup.status).toBe(201);
      expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
      // The full-GC spacing the operator runs with (README, Performance) is on the startup line.
      expect(run.out()).toMatch(/"heapGrowingPercent":300[,}][^\n]*listening on/);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.out()).toMatch(/"msg":"stopped"/);
  }, 90_000);
});
