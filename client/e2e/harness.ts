/**
 * End-to-end harness: the real server process on a fresh Postgres database, serving a fresh
 * build of the client, driven by Debian's Chromium through playwright-core. Everything it
 * starts is torn down by `stop()`, which is safe to call after a partial start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach } from 'vitest';
import { createTestDatabase } from '../../server/test/postgres.ts';

const clientDir = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(clientDir, '..');
export const screenshotDir = path.join(repoRoot, 'docs', 'screenshots');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Content-Security-Policy violations seen in any page of any context since the last check.
 * The server sends a strict CSP (server/src/transport/http/security-headers.ts); a page that
 * trips it is broken in production, so every e2e test fails when one happened during it
 * (hooks below, registered in each e2e file that imports this harness).
 */
const cspViolations: string[] = [];

function failOnCspViolations(): void {
  if (cspViolations.length === 0) return;
  const seen = cspViolations.splice(0);
  throw new Error(`Content-Security-Policy violations:\n${seen.join('\n')}`);
}
afterEach(failOnCspViolations);
afterAll(failOnCspViolations);

/** Chromium's console wording for a CSP refusal, and ours from the securitypolicyviolation listener. */
const CSP_MESSAGE = /Refused to|Content Security Policy|CSP violation/i;

async function recordCspViolations(context: BrowserContext): Promise<void> {
  context.on('console', (msg: ConsoleMessage) => {
    const text = msg.text();
    if (CSP_MESSAGE.test(text)) cspViolations.push(`${msg.page()?.url() ?? '?'}: ${text}`);
  });
  // Injected over CDP, so it runs whatever the page's CSP says.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
}

/** Takes the violations recorded so far (for a test that provokes one on purpose). */
export const takeCspViolations = (): string[] => cspViolations.splice(0);

export interface E2E {
  baseUrl: string;
  /** The suite's own Postgres database, for arranging states the UI cannot reach quickly (an expired invite). */
  databaseUrl: string;
  browser: Browser;
  /** Server output so far (stdout + stderr), for failure messages. */
  serverLog(): string;
  /** A fresh, isolated browser profile (its own cookies, IndexedDB and offline switch). */
  newContext(opts?: { width?: number; height?: number }): Promise<BrowserContext>;
  stop(): Promise<void>;
}

/**
 * Builds the client into a private directory: the shared client/dist may be rebuilt by
 * someone else's `npm start` while this suite runs.
 */
function buildClient(outDir: string): void {
  const res = spawnSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: clientDir,
    encoding: 'utf8',
    env: process.env,
  });
  if (res.status !== 0) throw new Error(`vite build failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was healthy:\n${log()}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet: keep polling until the deadline.
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`server not healthy after 60 s:\n${log()}`);
}

function killServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts db + server + browser. On any failure during start, what was started is stopped. */
export async function startE2E(opts: { env?: Record<string, string> } = {}): Promise<E2E> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    const errors: unknown[] = [];
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    cleanups.length = 0;
    if (errors.length) throw new AggregateError(errors, 'e2e teardown failed');
  };
  try {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-e2e-'));
    cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const dist = path.join(tmp, 'dist');
    buildClient(dist);

    const db = await createTestDatabase();
    cleanups.push(() => db.drop());

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        CLIENT_DIR: dist,
        LOG_LEVEL: 'warn',
        // Every test account signs up from 127.0.0.1 through this one server.
        SIGNUP_LIMIT_PER_HOUR: '100000',
        PUBLIC_URL: baseUrl,
        REDIS_URL: '',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    cleanups.push(() => killServer(child));
    const serverLog = () => output;
    await waitForHealth(baseUrl, child, serverLog);

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());

    return {
      baseUrl,
      databaseUrl: db.url,
      browser,
      serverLog,
      async newContext({ width = 1280, height = 860 } = {}) {
        const context = await browser.newContext({ baseURL: baseUrl, viewport: { width, height }, deviceScaleFactor: 1 });
        await recordCspViolations(context);
        return context;
      },
      stop,
    };
  } catch (err) {
    await stop().catch((teardownErr: unknown) => console.error('teardown after failed start:', teardownErr));
    throw err;
  }
}

/** Screenshots go to docs/screenshots only when asked (SCREENSHOTS=1), so plain test runs leave the tree clean. */
export const SCREENSHOTS = process.env.SCREENSHOTS === '1';

export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: opts.fullPage ?? false, animations: 'disabled' });
}

/** Saves what each page shows, for diagnosing a failure; written to the OS temp dir, never the repo. */
export async function captureFailure(label: string, pages: Record<string, Page>): Promise<string> {
  const dir = path.join(os.tmpdir(), 'menteo-e2e-failures');
  fs.mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  for (const [name, page] of Object.entries(pages)) {
    if (page.isClosed()) continue;
    const file = path.join(dir, `${label}-${name}.png`.replace(/[^\w.-]+/g, '_'));
    try {
      await page.screenshot({ path: file, fullPage: true });
      notes.push(`${name}: ${page.url()} → ${file}`);
    } catch (err) {
      notes.push(`${name}: screenshot failed: ${String(err)}`);
    }
  }
  return notes.join('\n');
}
