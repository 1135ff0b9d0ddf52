/**
 * Where the server's side of an open goes, phase by phase, in this process (no sockets, no
 * auth): `npx tsx bench/open-breakdown.ts [updates] [rooms]`. Two cases, as in open-time.ts:
 * a room whose history a compaction folded into a checkpoint plus a 499-row tail, and one
 * whose `updates` rows were never compacted; for the second, the replay alternatives too.
 * The first room of each case only warms the JIT and is not counted.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { appendRoomUpdates, createDb, loadRoomState, splitLengthPrefixed } from '@menteo/db';
import { Room } from '../src/rooms/Room.ts';
import { createRoomStore, foldUpdates } from '../src/persistence/room-store.ts';
import { createTestDatabase } from '../test/postgres.ts';
import { round, summarize } from './stats.ts';
import { descriptionOf, type, typingLog } from './typing-log.ts';

const updates = Number(process.argv[2] ?? 10_000);
const rooms = Number(process.argv[3] ?? 7);
const TAIL = 499;

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

const pg = await createTestDatabase();
const handle = await createDb({ kind: 'postgres', url: pg.url, poolSize: 2 });
try {
  const store = createRoomStore(handle.db);
  type Case = Array<{ roomId: string; goalId: string; text: string }>;
  const cases: { kept: Case; neverCompacted: Case } = { kept: [], neverCompacted: [] };
  for (let i = 0; i < 2 * rooms; i++) {
    const roomId = `breakdown-${i}`;
    const history = typingLog(updates);
    await appendRoomUpdates(handle.db, history.rows.map((data) => ({ roomId, data, authorId: null })));
    if (i % 2 === 1) {
      cases.neverCompacted.push({ roomId, goalId: history.goalId, text: history.text });
      continue;
    }
    await store.compact(roomId, Y.encodeStateAsUpdate(history.doc));
    const tail: Uint8Array[] = [];
    history.doc.on('update', (u: Uint8Array) => tail.push(u));
    type(history.doc, history.goalId, TAIL);
    await appendRoomUpdates(handle.db, tail.map((data) => ({ roomId, data, authorId: null })));
    cases.kept.push({ roomId, goalId: history.goalId, text: descriptionOf(history.doc, history.goalId)! });
  }

  const events = { localUpdate: () => 0, logGap: () => 0, serverUpdate: () => 0, localAwareness() {}, breach() {} };
  for (const [name, list] of Object.entries(cases)) {
    const phases = new Map<string, number[]>();
    const time = <T>(phase: string, fn: () => T): T => {
      const t0 = performance.now();
      const out = fn();
      phases.set(phase, [...(phases.get(phase) ?? []), performance.now() - t0]);
      return out;
    };
    const timeAsync = async <T>(phase: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const out = await fn();
      phases.set(phase, [...(phases.get(phase) ?? []), performance.now() - t0]);
      return out;
    };
    for (const [i, want] of list.entries()) {
      if (i === 1) phases.clear();
      const state = await timeAsync('query + transfer + split (loadRoomState)', () => loadRoomState(handle.db, want.roomId));
      const parts = state.checkpoint ? [state.checkpoint, ...state.updates] : state.updates;
      // The split alone, on the same bytes re-joined as the query joins them.
      const blob = Buffer.concat(state.updates.flatMap((u) => [lengthPrefix(u.byteLength), u]));
      time('  of which split (splitLengthPrefixed)', () => splitLengthPrefixed(blob));
      const room = new Room(want.roomId, { maxDocBytes: Number.MAX_SAFE_INTEGER }, events);
      time('Room.load (replay into the Y.Doc, one transaction)', () => room.load(parts));
      const step2 = time('encode sync step 2 (encodeStateAsUpdate)', () => Y.encodeStateAsUpdate(room.doc, Y.encodeStateVector(new Y.Doc())));
      const client = new Y.Doc();
      time('client applies step 2', () => Y.applyUpdate(client, step2));
      if (descriptionOf(client, want.goalId) !== want.text) throw new Error(`${want.roomId}: content mismatch`);
      time('(after) compaction fold (foldUpdates)', () => foldUpdates([...parts, Y.encodeStateAsUpdate(room.doc)]));
      room.destroy();
      client.destroy();
      if (name !== 'neverCompacted') continue;
      if (i === 1) time('alt: Y.mergeUpdates(all rows), then apply (one room)', () => Y.applyUpdate(new Y.Doc(), Y.mergeUpdates(parts)));
      time('alt: Y.mergeUpdates in chunks of 64, then apply', () => {
        const chunks: Uint8Array[] = [];
        for (let k = 0; k < parts.length; k += 64) chunks.push(Y.mergeUpdates(parts.slice(k, k + 64)));
        Y.applyUpdate(new Y.Doc(), Y.mergeUpdates(chunks));
      });
      time('alt: replay, one transaction per row', () => {
        const doc = new Y.Doc();
        for (const u of parts) Y.applyUpdate(doc, u);
      });
    }
    console.log(`\n${name}: ${list.length - 1} rooms (first one warms up)`);
    for (const [phase, samples] of phases) {
      const s = summarize(samples);
      console.log(`  ${phase.padEnd(56)} p50 ${String(round(s.p50, 2)).padStart(8)} ms   max ${String(round(s.max, 2)).padStart(8)} ms`);
    }
  }
} finally {
  await handle.close();
  await pg.drop();
}
