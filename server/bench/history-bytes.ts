/**
 * History bytes per room-hour of typing (issue 14): an hour of two members typing in turns,
 * simulated (no wall-clock hour), logged into a real Postgres with its simulated times and
 * compacted through the server's own path (createRoomStore → compactRoomLog + mergeHistory)
 * every COMPACT_AFTER_UPDATES rows, as a loaded room is. Prints raw update bytes against the
 * bytes kept in room_history, per HISTORY_MERGE_WINDOW_S.
 *
 *   npx tsx bench/history-bytes.ts [--hours 1] [--windows 60,10,0]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { sql } from 'drizzle-orm';
import { createDb, historySize, schema, type Db } from '@menteo/db';
import { createRoomStore } from '../src/persistence/room-store.ts';
import { createTestDatabase } from '../test/postgres.ts';

const { values: args } = parseArgs({
  options: { hours: { type: 'string', default: '1' }, windows: { type: 'string', default: '60,10,0' }, seed: { type: 'string', default: '14' } },
});
const hours = Number(args.hours);
const windows = args.windows.split(',').map(Number);
const COMPACT_AFTER = 500;

/** mulberry32: the same hour every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  data: Uint8Array;
  authorId: string;
  at: number;
}

/**
 * Two members take turns (20 s – 3 min each, 5–60 s apart). A turn is bursts of 3–25
 * keystrokes about 300 ms apart (150–450 ms) with 1–15 s pauses; 8 % of keystrokes are
 * backspaces; now and then a structured edit (a goal's status, a new action item).
 */
function simulate(durationMs: number, seed: number): { rows: Row[]; doc: Y.Doc } {
  const random = rng(seed);
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const members = [0, 1].map(() => ({ doc: new Y.Doc(), id: randomUUID() }));
  const rows: Row[] = [];
  let now = 0;
  let author = members[0]!;
  for (const m of members) {
    m.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'remote') return;
      rows.push({ data: u, authorId: m.id, at: Date.UTC(2026, 11, 1, 10) + Math.round(now) });
      for (const other of members) if (other !== m) Y.applyUpdate(other.doc, u, 'remote');
    });
  }
  members[0]!.doc.getMap('goals').set('g1', new Y.Map([['status', 'in_progress']]));
  while (now < durationMs) {
    const turnEnd = now + between(20_000, 180_000);
    const text = author.doc.getText(random() < 0.7 ? 'notes' : 'agenda');
    while (now < turnEnd && now < durationMs) {
      const burst = Math.round(between(3, 25));
      for (let k = 0; k < burst; k++) {
        if (random() < 0.08 && text.length > 0) text.delete(text.length - 1, 1);
        else text.insert(Math.max(0, text.length - Math.floor(random() < 0.1 ? between(0, Math.min(40, text.length)) : 0)), 'etaoin shrdlu'[Math.floor(random() * 13)]!);
        now += between(150, 450);
      }
      if (random() < 0.05) author.doc.getArray('actions').push([{ text: 'follow up', done: false }]);
      if (random() < 0.02) (author.doc.getMap('goals').get('g1') as Y.Map<string>).set('status', random() < 0.5 ? 'done' : 'in_progress');
      now += between(1000, 15_000);
    }
    now += between(5_000, 60_000);
    author = author === members[0] ? members[1]! : members[0]!;
  }
  return { rows, doc: members[0]!.doc };
}

async function logAndCompact(db: Db, docName: string, rows: Row[], windowMs: number): Promise<void> {
  const store = createRoomStore(db, { historyMergeWindowMs: windowMs });
  const empty = Y.encodeStateAsUpdate(new Y.Doc());
  for (let i = 0; i < rows.length; i += COMPACT_AFTER) {
    const batch = rows.slice(i, i + COMPACT_AFTER);
    await db.insert(schema.roomUpdates).values(batch.map((r) => ({ roomId: docName, data: r.data, authorId: r.authorId, createdAt: new Date(r.at) })));
    await store.compact(docName, empty);
  }
}

const target = await createTestDatabase();
const handle = await createDb({ kind: 'postgres', url: target.url, poolSize: 2 });
try {
  const { rows, doc } = simulate(hours * 3_600_000, Number(args.seed));
  const raw = rows.reduce((n, r) => n + r.data.byteLength, 0);
  const perHour = (n: number) => Math.round(n / hours);
  console.log(`${hours} h of typing: ${rows.length} updates (${perHour(rows.length)}/h), raw update bytes ${perHour(raw)}/h`);
  console.log(`final doc: ${Y.encodeStateAsUpdate(doc).byteLength} bytes as a checkpoint, notes ${doc.getText('notes').length} chars`);
  for (const windowS of windows) {
    const docName = `history-bytes-${windowS}`;
    await logAndCompact(handle.db, docName, rows, windowS * 1000);
    const kept = await historySize(handle.db, docName);
    // Stored row sizes (after TOAST compression of large values), without page and index overhead.
    const stored = await handle.db.execute(sql`select coalesce(sum(pg_column_size(h.*)), 0) as n from room_history h`);
    const storedBytes = Number((stored as unknown as Array<{ n: string }>)[0]!.n);
    console.log(
      `HISTORY_MERGE_WINDOW_S=${windowS}: ${perHour(kept.rows)} rows/h, ${perHour(kept.bytes)} data bytes/h ` +
        `(${((100 * kept.bytes) / raw).toFixed(0)} % of raw), ${perHour(storedBytes)} bytes/h as stored rows`,
    );
    await handle.db.execute(sql`truncate room_history, room_checkpoints`);
  }
} finally {
  await handle.close();
  await target.drop();
}
