import { describe, expect, it } from 'vitest';
import type { RoomUpdateInput } from '@menteo/db';
import { createLogger } from '../logger.ts';
import { createUpdateLog, type UpdateLog } from './UpdateLog.ts';

/** A writer that records every INSERT and fails while `down` is set, like an unreachable Postgres. */
function fakePostgres() {
  const state = { down: false, inserts: [] as RoomUpdateInput[][], attempts: 0, rows: [] as RoomUpdateInput[] };
  return {
    state,
    async write(rows: RoomUpdateInput[]) {
      state.attempts++;
      await new Promise((r) => setTimeout(r, 1));
      if (state.down) throw new Error('connection refused');
      state.inserts.push(rows);
      state.rows.push(...rows);
    },
  };
}

const quietObserver = { batch: () => {}, queueDepth: () => {} };
const bytes = (n: number) => new Uint8Array([n & 255, n >> 8]);

function makeLog(pg: ReturnType<typeof fakePostgres>, maxPending = 1000): UpdateLog {
  return createUpdateLog({ write: pg.write, commitWindowMs: 5, maxPending, observer: quietObserver, logger: createLogger('silent') });
}

describe('UpdateLog', () => {
  it('group-commits many appends into few multi-row INSERTs, in append order', async () => {
    const pg = fakePostgres();
    const log = makeLog(pg);
    for (let i = 0; i < 500; i++) log.append(`doc-${i % 3}`, bytes(i), null);
    await log.flush();
    expect(pg.state.rows.map((r) => r.data[0]! + (r.data[1]! << 8))).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(pg.state.inserts.length).toBeLessThanOrEqual(5);
    await log.close(100);
  });

  it('keeps the batch while the database is down, reports unhealthy, then drains in order when it returns', async () => {
    const pg = fakePostgres();
    const log = makeLog(pg);
    const committed: string[] = [];
    log.onCommitted((doc, updates) => committed.push(...updates.map((u) => `${doc}:${u[0]}`)));
    pg.state.down = true;
    for (let i = 0; i < 50; i++) log.append('doc', bytes(i), 'user');
    await new Promise((r) => setTimeout(r, 300));
    expect(pg.state.attempts).toBeGreaterThan(1);
    expect(log.isHealthy()).toBe(false);
    expect(committed).toEqual([]);
    for (let i = 50; i < 100; i++) log.append('doc', bytes(i), 'user');
    pg.state.down = false;
    await log.flush('doc');
    expect(log.isHealthy()).toBe(true);
    expect(committed).toEqual(Array.from({ length: 100 }, (_, i) => `doc:${i}`));
    expect(pg.state.rows.map((r) => r.data[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await log.close(100);
  });

  it('hands each committed row back with the sequence number its append returned, even for equal bytes', async () => {
    const pg = fakePostgres();
    const log = makeLog(pg);
    const seen: Array<[string, number]> = [];
    log.onCommitted((doc, updates, seqs) => {
      expect(seqs).toHaveLength(updates.length);
      for (const s of seqs) seen.push([doc, s]);
    });
    const appended: Array<[string, number]> = [];
    for (let i = 0; i < 20; i++) {
      const doc = `doc-${i % 2}`;
      appended.push([doc, log.append(doc, bytes(7), null)]);
    }
    await log.flush();
    expect(new Set(appended.map(([, s]) => s)).size).toBe(20);
    expect(seen.sort((a, b) => a[1] - b[1])).toEqual(appended);
    await log.close(100);
  });

  it('says full at its bound and overloaded at twice the bound', async () => {
    const pg = fakePostgres();
    const log = makeLog(pg, 100);
    pg.state.down = true;
    for (let i = 0; i < 99; i++) log.append('doc', bytes(i), null);
    expect(log.isFull()).toBe(false);
    log.append('doc', bytes(99), null);
    expect(log.isFull()).toBe(true);
    expect(log.isOverloaded()).toBe(false);
    for (let i = 0; i < 100; i++) log.append('doc', bytes(i), null);
    expect(log.isOverloaded()).toBe(true);
    pg.state.down = false;
    await log.flush();
    expect(log.isFull()).toBe(false);
    await log.close(100);
  });

  it('resolves a per-doc flush without waiting for other docs appended later', async () => {
    const pg = fakePostgres();
    const log = makeLog(pg);
    log.append('a', bytes(1), null);
    const flushedA = log.flush('a');
    log.append('b', bytes(2), null);
    await flushedA;
    expect(pg.state.rows.some((r) => r.roomId === 'a')).toBe(true);
    await expect(log.flush('never-written')).resolves.toBeUndefined();
    await log.close(100);
  });

  it('commits other docs while a slow INSERT is in flight, and never writes one doc in two INSERTs at once', async () => {
    // Each INSERT holding doc 'slow' takes 200 ms; the others 1 ms.
    const order: string[] = [];
    let concurrentSlow = 0;
    let maxConcurrentSlow = 0;
    const write = async (rows: RoomUpdateInput[]) => {
      const slow = rows.some((r) => r.roomId === 'slow');
      if (slow) maxConcurrentSlow = Math.max(maxConcurrentSlow, ++concurrentSlow);
      await new Promise((r) => setTimeout(r, slow ? 200 : 1));
      if (slow) concurrentSlow--;
      for (const r of rows) order.push(`${r.roomId}:${r.data[0]}`);
    };
    const log = createUpdateLog({ write, commitWindowMs: 2, maxPending: 1000, observer: quietObserver, logger: createLogger('silent') });
    const committedAt = new Map<string, number>();
    log.onCommitted((doc, updates) => {
      for (const u of updates) committedAt.set(`${doc}:${u[0]}`, performance.now());
    });
    const t0 = performance.now();
    log.append('slow', bytes(1), null);
    await new Promise((r) => setTimeout(r, 20));
    // The slow INSERT is running: these must not wait for it…
    log.append('slow', bytes(2), null);
    log.append('fast', bytes(1), null);
    await log.flush('fast');
    expect(performance.now() - t0).toBeLessThan(150);
    expect(committedAt.has('slow:1')).toBe(false);
    // …and the second 'slow' row waits for the first, so the doc's rows stay in order.
    await log.flush('slow');
    expect(maxConcurrentSlow).toBe(1);
    expect(order.filter((o) => o.startsWith('slow'))).toEqual(['slow:1', 'slow:2']);
    expect(committedAt.get('slow:2')!).toBeGreaterThan(committedAt.get('slow:1')!);
    await log.close(100);
  });

  it('keeps every doc in append order with INSERTs of random duration overlapping', async () => {
    const rows: RoomUpdateInput[] = [];
    const write = async (batch: RoomUpdateInput[]) => {
      await new Promise((r) => setTimeout(r, Math.random() * 8));
      rows.push(...batch);
    };
    const log = createUpdateLog({ write, commitWindowMs: 1, maxPending: 10_000, observer: quietObserver, logger: createLogger('silent') });
    for (let i = 0; i < 600; i++) {
      log.append(`doc-${i % 7}`, bytes(i), null);
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await log.flush();
    expect(log.pending()).toBe(0);
    expect(rows).toHaveLength(600);
    for (let d = 0; d < 7; d++) {
      const seen = rows.filter((r) => r.roomId === `doc-${d}`).map((r) => r.data[0]! + (r.data[1]! << 8));
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
    await log.close(100);
  });

  it('gives up closing after its timeout when the database never returns', async () => {
    const pg = fakePostgres();
    const log = makeLog(pg);
    pg.state.down = true;
    log.append('doc', bytes(1), null);
    await log.close(50);
    expect(log.pending()).toBe(1);
  });
});
