import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import * as Y from 'yjs';
import { createTestDatabase } from '../test/postgres.ts';
import { startNodeProcess } from '../test/process.ts';
import { provisionRoomsInDb } from '../test/provision.ts';
import { SyncClient } from '../test/sync-client.ts';
import { summarize, type Summary } from './stats.ts';
import { postgresBackends, setPriority } from './priority.ts';

export interface OpenOptions {
  /** Rooms measured (each opened cold once, then reopened after it unloads). */
  rooms: number;
  /** Log rows per room, inserted straight into room_updates, never compacted beforehand. */
  updates: number;
  /** Nice value for the node and its Postgres backends (0: unchanged); see priority.ts. */
  priority: number;
}

export interface OpenResult {
  options: OpenOptions;
  /** connect → synced with all content present, room loaded from `updates` log rows. */
  coldMs: Summary;
  /** The same rooms reopened after the node unloaded them (and may have compacted them). */
  reopenMs: Summary;
  coldSamples: number[];
  reopenSamples: number[];
  /** Checkpoint/log state after the run: did unloading compact the long logs? */
  afterRun: { logRows: number; checkpoints: number };
}

/**
 * A typing session: one goal created, then `updates - 1` single-character inserts into its
 * description, each its own update — the longest log a room can get for its size.
 */
function typingLog(updates: number): { rows: Uint8Array[]; goalId: string; text: string } {
  const doc = new Y.Doc();
  const rows: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => rows.push(u));
  const goalId = `goal-${doc.clientID}`;
  doc.transact(() => {
    const goal = new Y.Map<unknown>();
    goal.set('title', new Y.Text('Learn to give a conference talk'));
    goal.set('description', new Y.Text());
    goal.set('status', 'in_progress');
    goal.set('owner', 'mentee');
    goal.set('order', 'a0');
    doc.getMap('goals').set(goalId, goal);
  });
  const description = (doc.getMap('goals').get(goalId) as Y.Map<unknown>).get('description') as Y.Text;
  const alphabet = 'the quick brown fox jumps over the lazy dog ';
  for (let i = 0; rows.length < updates; i++) description.insert(description.length, alphabet[i % alphabet.length]!);
  return { rows, goalId, text: description.toString() };
}

const descriptionOf = (doc: Y.Doc, goalId: string): string | undefined => {
  const goal = doc.getMap('goals').get(goalId) as Y.Map<unknown> | undefined;
  return (goal?.get('description') as Y.Text | undefined)?.toString();
};

export async function runOpenTime(opts: OpenOptions, log: (msg: string) => void): Promise<OpenResult> {
  const db = await createTestDatabase();
  const idleMs = 300;
  const node = await startNodeProcess({ databaseUrl: db.url, nodeId: 'bench-open', logLevel: 'warn', env: { ROOM_IDLE_MS: String(idleMs) } });
  try {
    // One extra room warms the node up (JIT, pool connections) and is not counted.
    const rooms = await provisionRoomsInDb(db.url, opts.rooms + 1);
    const sql = postgres(db.url, { max: 2, onnotice: () => {} });
    const content = new Map<string, { goalId: string; text: string }>();
    try {
      for (const room of rooms) {
        const { rows, goalId, text } = typingLog(opts.updates);
        content.set(room.roomId, { goalId, text });
        for (let i = 0; i < rows.length; i += 2000) {
          const batch = rows.slice(i, i + 2000).map((data) => ({ room_id: room.roomId, data: Buffer.from(data), author_id: room.mentee.userId }));
          await sql`insert into room_updates ${sql(batch, 'room_id', 'data', 'author_id')}`;
        }
      }
    } finally {
      await sql.end();
    }
    log(`${rooms.length} rooms × ${opts.updates} log rows inserted`);

    const open = async (roomId: string, session: string): Promise<number> => {
      const want = content.get(roomId)!;
      const t0 = performance.now();
      const client = new SyncClient({ wsUrl: node.wsUrl, roomId, cookie: session });
      await client.synced;
      const ms = performance.now() - t0;
      const got = descriptionOf(client.doc, want.goalId);
      await client.close();
      if (got !== want.text) throw new Error(`room ${roomId} opened without all its content (${got?.length ?? 0}/${want.text.length} chars)`);
      return ms;
    };

    const [warm, ...measured] = rooms;
    await open(warm!.roomId, warm!.mentor.session);
    setPriority([node.pid, process.pid, ...(opts.priority !== 0 ? await postgresBackends(db.url) : [])], opts.priority);
    const coldSamples: number[] = [];
    for (const room of measured) coldSamples.push(await open(room.roomId, room.mentor.session));
    // Past ROOM_IDLE_MS plus the flush/compaction the node does on unload.
    await new Promise((r) => setTimeout(r, idleMs + 3000));
    const reopenSamples: number[] = [];
    for (const room of measured) {
      reopenSamples.push(await open(room.roomId, room.mentor.session));
      await new Promise((r) => setTimeout(r, idleMs + 500));
    }
    const check = postgres(db.url, { max: 1, onnotice: () => {} });
    let afterRun: OpenResult['afterRun'];
    try {
      const [u] = await check<[{ n: number }]>`select count(*)::int as n from room_updates`;
      const [c] = await check<[{ n: number }]>`select count(*)::int as n from room_checkpoints`;
      afterRun = { logRows: u.n, checkpoints: c.n };
    } finally {
      await check.end();
    }
    return { options: opts, coldMs: summarize(coldSamples), reopenMs: summarize(reopenSamples), coldSamples, reopenSamples, afterRun };
  } finally {
    await node.stop();
    await db.drop();
  }
}
