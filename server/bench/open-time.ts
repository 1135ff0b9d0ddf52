import os from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { createTestDatabase } from '../test/postgres.ts';
import { startNodeProcess, type NodeProcess } from '../test/process.ts';
import { provisionRoomsInDb, type ProvisionedRoom } from '../test/provision.ts';
import { SyncClient } from '../test/sync-client.ts';
import { summarize, type Summary } from './stats.ts';
import { postgresBackends, setPriority } from './priority.ts';
import { descriptionOf, type, typingLog } from './typing-log.ts';

export interface OpenOptions {
  /** Rooms measured per case (each opened cold once, then reopened after it unloads). */
  rooms: number;
  /** Logged updates in each room's history: one character typed per update. */
  updates: number;
  /** COMPACT_AFTER_UPDATES of both nodes (the server default is 500); the kept tail is one less. */
  compactAfter: number;
  /** Nice value for the node and its Postgres backends (0: unchanged); see priority.ts. */
  priority: number;
  /** Flags of the measured node (what `npm start` uses). */
  nodeArgs: string[];
}

export interface OpenCase {
  /** connect → synced with all content present, on a node that never held the room. */
  coldMs: Summary;
  coldSamples: number[];
  /** What Postgres held for each room when it was opened. */
  stored: { checkpoint: boolean; logRows: number };
}

export interface OpenResult {
  options: OpenOptions;
  /** 1-minute load average when the measured opens began (the machine has 2 cores). */
  loadAverage: number;
  /**
   * Issue 3's case, as the server keeps a long history: a node opened the room and compacted
   * its `updates` rows (threshold compaction at load), then logged `compactAfter - 1` more —
   * the longest tail the threshold lets stand — and was stopped; a fresh node opens it.
   */
  kept: OpenCase;
  /**
   * `updates` rows inserted straight into the log and never compacted: compaction failing for
   * good. Each is opened once the previous one's load-time compaction is done, so the figure is
   * the open alone and not the open plus another room's compaction on the same node.
   */
  neverCompacted: OpenCase;
  /** The first open on the just-started node (cold JIT, new pool connections), not counted above. */
  firstOpenMs: number;
  /** All rooms of both cases reopened on the same node after it unloaded (and compacted) them. */
  reopenMs: Summary;
  reopenSamples: number[];
  /** Checkpoint/log state after the run: did the node compact everything it unloaded? */
  afterRun: { logRows: number; checkpoints: number };
}

interface Prepared {
  room: ProvisionedRoom;
  goalId: string;
  text: string;
}

/**
 * Two node processes on one fresh database. The first only prepares: it opens each "kept"
 * room (its long log is folded into a checkpoint, as in production), receives a tail of typing
 * from a client, and is stopped — a graceful stop flushes the log but leaves the tail, as a
 * crash would. The second starts with nothing in memory and is the one measured.
 */
export async function runOpenTime(opts: OpenOptions, log: (msg: string) => void): Promise<OpenResult> {
  const tailRows = opts.compactAfter - 1;
  if (opts.updates < opts.compactAfter) throw new Error(`--open-updates must be at least ${opts.compactAfter} to be compacted`);
  const db = await createTestDatabase();
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  let node: NodeProcess | null = null;
  try {
    // One extra kept room warms the measured node up and is not counted.
    const provisioned = await provisionRoomsInDb(db.url, 1 + 2 * opts.rooms);
    const logs = new Map<string, ReturnType<typeof typingLog>>();
    for (const room of provisioned) {
      const history = typingLog(opts.updates);
      logs.set(room.roomId, history);
      for (let i = 0; i < history.rows.length; i += 2000) {
        const batch = history.rows
          .slice(i, i + 2000)
          .map((data) => ({ room_id: room.roomId, data: Buffer.from(data), author_id: room.mentee.userId }));
        await sql`insert into room_updates ${sql(batch, 'room_id', 'data', 'author_id')}`;
      }
    }
    const [warmRoom, ...rest] = provisioned;
    const keptRooms = [warmRoom!, ...rest.slice(0, opts.rooms)];
    const neverRooms = rest.slice(opts.rooms);
    log(`${provisioned.length} rooms × ${opts.updates} log rows inserted`);

    const logRows = async (roomId: string) =>
      (await sql<[{ n: number }]>`select count(*)::int as n from room_updates where room_id = ${roomId}`)[0].n;
    const hasCheckpoint = async (roomId: string) =>
      (await sql<[{ n: number }]>`select count(*)::int as n from room_checkpoints where room_id = ${roomId}`)[0].n > 0;
    const untilCompacted = async (roomId: string) => {
      const deadline = Date.now() + 60_000;
      while ((await logRows(roomId)) > 0) {
        if (Date.now() > deadline) throw new Error(`room ${roomId}: its log was not compacted within 60 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    const prepared = new Map<string, Prepared>();
    const setup = await startNodeProcess({
      databaseUrl: db.url,
      nodeId: 'bench-open-setup',
      logLevel: 'warn',
      env: {
        COMPACT_AFTER_UPDATES: String(opts.compactAfter),
        // Never idle: unloading would compact the tail this node is there to leave behind.
        ROOM_IDLE_MS: '3600000',
        // The tail is typed faster than a person types; the limit is not what is measured.
        MAX_UPDATES_PER_SECOND: '100000',
      },
    });
    try {
      for (const room of keptRooms) {
        const history = logs.get(room.roomId)!;
        // The same doc (and client id) that wrote the history types on: the tail continues it.
        const client = new SyncClient({ wsUrl: setup.wsUrl, roomId: room.roomId, cookie: room.mentee.session, doc: history.doc, ack: true });
        await client.synced;
        // The load saw `updates` ≥ COMPACT_AFTER_UPDATES rows and folds them after the room is usable.
        await untilCompacted(room.roomId);
        let clock = 0;
        for (let i = 0; i < tailRows; i++) clock = client.edit((doc) => type(doc, history.goalId, 1));
        const deadline = Date.now() + 30_000;
        while (!client.isSaved(clock)) {
          if (Date.now() > deadline) throw new Error(`room ${room.roomId}: the tail was not acked within 30 s`);
          await new Promise((r) => setTimeout(r, 10));
        }
        await client.close();
        prepared.set(room.roomId, { room, goalId: history.goalId, text: descriptionOf(history.doc, history.goalId)! });
      }
    } finally {
      await setup.stop();
    }
    for (const room of neverRooms) {
      const history = logs.get(room.roomId)!;
      prepared.set(room.roomId, { room, goalId: history.goalId, text: history.text });
    }
    for (const room of keptRooms) {
      const [rows, checkpoint] = [await logRows(room.roomId), await hasCheckpoint(room.roomId)];
      if (rows !== tailRows || !checkpoint) {
        throw new Error(`room ${room.roomId}: expected a checkpoint and ${tailRows} log rows, found ${checkpoint ? 'a' : 'no'} checkpoint and ${rows}`);
      }
    }
    log(`${keptRooms.length} rooms compacted by a node, then given a ${tailRows}-row tail; that node is stopped`);

    const idleMs = 300;
    node = await startNodeProcess({
      databaseUrl: db.url,
      nodeId: 'bench-open',
      logLevel: 'warn',
      nodeArgs: opts.nodeArgs,
      env: { COMPACT_AFTER_UPDATES: String(opts.compactAfter), ROOM_IDLE_MS: String(idleMs) },
    });
    const wsUrl = node.wsUrl;
    const open = async (roomId: string): Promise<number> => {
      const want = prepared.get(roomId)!;
      const t0 = performance.now();
      const client = new SyncClient({ wsUrl, roomId, cookie: want.room.mentor.session });
      await client.synced;
      const ms = performance.now() - t0;
      const got = descriptionOf(client.doc, want.goalId);
      await client.close();
      if (got !== want.text) throw new Error(`room ${roomId} opened without all its content (${got?.length ?? 0}/${want.text.length} chars)`);
      return ms;
    };

    const firstOpenMs = await open(warmRoom!.roomId);
    const loadAverage = os.loadavg()[0]!;
    setPriority([node.pid, process.pid, ...(opts.priority !== 0 ? await postgresBackends(db.url) : [])], opts.priority);
    const keptSamples: number[] = [];
    for (const room of keptRooms.slice(1)) keptSamples.push(await open(room.roomId));
    // Each measured open gets the node to itself: the kept rooms' tails are folded on unload.
    for (const room of keptRooms) await untilCompacted(room.roomId);
    const neverSamples: number[] = [];
    for (const room of neverRooms) {
      neverSamples.push(await open(room.roomId));
      // A tail this long is folded right after the load; the next open must not share the node with it.
      await untilCompacted(room.roomId);
    }
    // Past ROOM_IDLE_MS plus the flush/compaction the node does on unload.
    await new Promise((r) => setTimeout(r, idleMs + 2000));
    const reopenSamples: number[] = [];
    for (const room of [...keptRooms.slice(1), ...neverRooms]) {
      reopenSamples.push(await open(room.roomId));
      await new Promise((r) => setTimeout(r, idleMs + 500));
    }
    const [u] = await sql<[{ n: number }]>`select count(*)::int as n from room_updates`;
    const [c] = await sql<[{ n: number }]>`select count(*)::int as n from room_checkpoints`;
    return {
      options: opts,
      loadAverage,
      kept: { coldMs: summarize(keptSamples), coldSamples: keptSamples, stored: { checkpoint: true, logRows: tailRows } },
      neverCompacted: { coldMs: summarize(neverSamples), coldSamples: neverSamples, stored: { checkpoint: false, logRows: opts.updates } },
      firstOpenMs,
      reopenMs: summarize(reopenSamples),
      reopenSamples,
      afterRun: { logRows: u.n, checkpoints: c.n },
    };
  } finally {
    await node?.stop();
    await sql.end();
    await db.drop();
  }
}
