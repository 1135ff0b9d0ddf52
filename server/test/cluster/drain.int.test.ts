import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeProcess } from '../process.ts';

/** Issue 20: SIGTERM with SHUTDOWN_DRAIN_MS first answers /readyz "draining", so a balancer moves the clients, then exits. */
describe('draining on SIGTERM', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-drain-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers /readyz 503 with draining: true for SHUTDOWN_DRAIN_MS while still serving, then exits cleanly', async () => {
    const node = await startNodeProcess({ databaseUrl: null, dataDir: dir, env: { SHUTDOWN_DRAIN_MS: '1500' } });
    try {
      const before = await fetch(`${node.url}/readyz`);
      expect(before.status).toBe(200);
      expect(((await before.json()) as { draining: boolean }).draining).toBe(false);
      const sentAt = Date.now();
      node.child.kill('SIGTERM');
      let draining: { status: number; body: { draining: boolean } } | null = null;
      while (!draining && Date.now() - sentAt < 1200) {
        const r = await fetch(`${node.url}/readyz`);
        if (r.status === 503) draining = { status: r.status, body: (await r.json()) as { draining: boolean } };
      }
      expect(draining?.body.draining).toBe(true);
      expect((await fetch(`${node.url}/healthz`)).status).toBe(200); // still serving meanwhile
      const exit = await node.exited;
      expect(exit.code).toBe(0);
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1500);
    } finally {
      if (node.isAlive()) await node.kill9();
    }
  }, 60_000);
});
