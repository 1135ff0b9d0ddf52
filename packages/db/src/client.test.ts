import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDb, type DbHandle } from './client.ts';

const MB = 1024 * 1024;

// Each starts a Postgres in WebAssembly: seconds on an idle machine, far more on a busy one.
describe('createDb on PGlite: memory', { timeout: 180_000 }, () => {
  const dirs: string[] = [];
  const handles: DbHandle[] = [];
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const open = async (dataDir: string | null) => {
    const handle = await createDb({ kind: 'pglite', dataDir });
    handles.push(handle);
    return handle;
  };

  it('creates a new data directory without keeping initdb’s WebAssembly instance in this process, and reopens it with the data', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-pglite-')), 'pglite');
    dirs.push(path.dirname(dir));
    const externalBefore = process.memoryUsage().external;
    const first = await open(dir);
    // In-process initdb left ~630 MB of external (WebAssembly) memory; one Postgres is ~140 MB.
    expect((process.memoryUsage().external - externalBefore) / MB).toBeLessThan(300);
    await first.db.execute(sql`create table kept (v int)`);
    await first.db.execute(sql`insert into kept values (7)`);
    await first.close();
    handles.splice(handles.indexOf(first), 1);

    const again = await open(dir);
    const rows = await again.db.execute<{ v: number }>(sql`select v from kept`);
    expect(JSON.stringify(rows)).toContain('7');
  });

  it('runs Postgres with a 16 MB buffer pool, in the smallest WebAssembly heap PGlite allows', async () => {
    const handle = await open(null);
    const shown = await handle.db.execute<{ shared_buffers: string }>(sql`show shared_buffers`);
    expect(JSON.stringify(shown)).toContain('16MB');
    // 128 MB is the heap PGlite's build starts with (2048 pages); the 128 MB pool grew it to 189.
    expect((handle.memoryBytes?.() ?? 0) / MB).toBeLessThanOrEqual(128);
  });
});
