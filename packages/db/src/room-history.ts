import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { roomHistory } from './schema.ts';
import { rowsOf, splitLengthPrefixed } from './room-log.ts';

/** A time parameter both drivers take (postgres-js refuses a Date in raw SQL). */
const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** One stretch of a doc's history: a kept (possibly merged) row, or a log row not yet compacted. */
export interface HistoryRow {
  data: Uint8Array;
  authorId: string | null;
  firstAt: Date;
  lastAt: Date;
  /** Log rows it stands for (1 for a log row). */
  updates: number;
  /** The whole doc as of lastAt, standing for history not kept row by row (see schema.ts). */
  baseline: boolean;
}

/**
 * Rows of a doc whose time span meets [from, to], oldest first, with author and times: the kept
 * history and the log tail not yet compacted, in ONE statement, so a compaction that moves rows
 * between the two tables in the meantime is seen either before or after, never half.
 */
export async function readRoomHistory(db: Db, docName: string, from: Date, to: Date): Promise<HistoryRow[]> {
  const result: unknown = await db.execute(sql`
    select data, author_id, first_at, last_at, updates, baseline from (
      select data, author_id, first_at, last_at, updates, baseline, 0 as src, id
      from room_history where room_id = ${docName} and last_at >= ${iso(from)} and first_at <= ${iso(to)}
      union all
      select data, author_id, created_at, created_at, 1, false, 1, id
      from room_updates where room_id = ${docName} and created_at >= ${iso(from)} and created_at <= ${iso(to)}
    ) h order by first_at, src, id`);
  type Row = { data: Uint8Array; author_id: string | null; first_at: Date | string; last_at: Date | string; updates: number; baseline: boolean };
  return rowsOf<Row>(result).map((r) => ({
    data: r.data instanceof Uint8Array ? r.data : new Uint8Array(r.data),
    authorId: r.author_id,
    firstAt: new Date(r.first_at),
    lastAt: new Date(r.last_at),
    updates: Number(r.updates),
    baseline: Boolean(r.baseline),
  }));
}

/** What a doc as of a time is made of, or why it cannot be built. */
export type StoredAsOf =
  | { known: true; parts: Uint8Array[] }
  /** `at` precedes the oldest baseline: what the doc held then is not kept. */
  | { known: false; historyStartsAt: Date };

/**
 * The parts whose replay gives a doc as it was at `at`: kept rows that ended by then and log
 * rows written by then, in time order, in one statement. A merged row counts at its last time,
 * so "as of" is exact whenever `at` falls in a pause of a HISTORY_MERGE_WINDOW_S or more (a run
 * still going at `at` is left out whole).
 */
export async function loadRoomAsOf(db: Db, docName: string, at: Date): Promise<StoredAsOf> {
  const result: unknown = await db.execute(sql`
    select
      (select min(last_at) from room_history where room_id = ${docName} and baseline) as starts,
      (select string_agg(int4send(length(data)) || data, ''::bytea order by t, src, id) from (
        select data, last_at as t, 0 as src, id from room_history where room_id = ${docName} and last_at <= ${iso(at)}
        union all
        select data, created_at, 1, id from room_updates where room_id = ${docName} and created_at <= ${iso(at)}
      ) h) as blob`);
  const row = rowsOf<{ starts: Date | string | null; blob: Uint8Array | null }>(result)[0];
  if (row?.starts && new Date(row.starts) > at) return { known: false, historyStartsAt: new Date(row.starts) };
  return { known: true, parts: row?.blob ? splitLengthPrefixed(row.blob) : [] };
}

export interface HistorySize {
  /** Rows in room_history. */
  rows: number;
  /** Log rows they stand for. */
  updates: number;
  /** Bytes of update data kept (length of `data`, not the table's on-disk size). */
  bytes: number;
}

/** How much history a doc keeps (or every doc, without a name). */
export async function historySize(db: Db, docName?: string): Promise<HistorySize> {
  const where = docName === undefined ? sql`true` : sql`room_id = ${docName}`;
  const result: unknown = await db.execute(
    sql`select count(*) as rows, coalesce(sum(updates), 0) as updates, coalesce(sum(length(data)), 0) as bytes from room_history where ${where}`,
  );
  const row = rowsOf<{ rows: unknown; updates: unknown; bytes: unknown }>(result)[0];
  return { rows: Number(row?.rows ?? 0), updates: Number(row?.updates ?? 0), bytes: Number(row?.bytes ?? 0) };
}

/** Docs with history rows (other than a lone baseline) that ended before `before`. */
export async function docsWithHistoryBefore(db: Db, before: Date): Promise<string[]> {
  const result: unknown = await db.execute(sql`
    select room_id from room_history where last_at < ${iso(before)}
    group by room_id having count(*) > 1 or bool_and(not baseline)`);
  return rowsOf<{ room_id: string }>(result).map((r) => r.room_id);
}

/**
 * Replaces a doc's history rows that ended before `before` by one baseline row that `fold`
 * makes of them (HISTORY_RETENTION_DAYS), in one transaction. The rows are locked, so two
 * nodes pruning one doc at once do it one after the other (the second finds nothing left).
 * Returns the rows removed.
 */
export async function pruneRoomHistory(db: Db, docName: string, before: Date, fold: (parts: Uint8Array[]) => Uint8Array): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ id: string; data: Uint8Array; first_at: Date | string; last_at: Date | string; updates: number }>(
      await tx.execute(sql`
        select id, data, first_at, last_at, updates from room_history
        where room_id = ${docName} and last_at < ${iso(before)}
        order by last_at, id for update`),
    );
    if (rows.length <= 1) return 0;
    const firstAt = new Date(Math.min(...rows.map((r) => new Date(r.first_at).getTime())));
    const lastAt = new Date(Math.max(...rows.map((r) => new Date(r.last_at).getTime())));
    const data = fold(rows.map((r) => (r.data instanceof Uint8Array ? r.data : new Uint8Array(r.data))));
    const updates = rows.reduce((n, r) => n + Number(r.updates), 0);
    await tx.insert(roomHistory).values({ roomId: docName, data, authorId: null, firstAt, lastAt, updates, baseline: true });
    await tx.execute(sql`delete from room_history where id = any(string_to_array(${rows.map((r) => r.id).join(',')}, ',')::bigint[])`);
    return rows.length;
  });
}
