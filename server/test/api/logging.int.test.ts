import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';

describe('request logs', () => {
  let db: TestDb;
  let server: TestServer;
  let clientDir: string;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-client-'));
    fs.mkdirSync(path.join(clientDir, 'assets'));
    fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(clientDir, 'assets', 'app.js'), 'export {};');
    const out = new PassThrough();
    let pending = '';
    out.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    db = await createTestDb('pglite');
    server = await startTestServer({ db: db.handle, config: { clientDir }, logger: createLogger('info', {}, { format: 'json', destination: out }) });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
    fs.rmSync(clientDir, { recursive: true, force: true });
  });

  const requestLines = () => lines.filter((l) => l.req !== undefined).map((l) => (l.req as { url: string }).url);

  it('logs API requests at info but no line per static file or page load', async () => {
    expect((await fetch(`${server.url}/assets/app.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/rooms/whatever`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/me`)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(requestLines()).toEqual(['/api/me']);
  });
});
