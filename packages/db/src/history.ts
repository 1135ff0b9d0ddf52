import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { rowsOf, splitLengthPrefixed } from './room-log.ts';
import { getMeetingSnapshotChain } from './meetings.ts';

/*
 * Queries of the history area (issue 16) beyond room-history.ts: a doc's stored parts for a
 * time window (replayed on top of a meeting snapshot), authors' names, and edit counts
 * between meetings.
 */

const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/**
 * Kept rows and log rows of a doc that ended in (after, at], in time order, in one statement:
 * what to replay on top of a snapshot taken at `after` to get the doc as of `at`. A run that
 * straddles `after` is included whole (replaying what the snapshot holds again changes nothing).
 */
export async function loadRoomWindow(db: Db, docName: string, after: Date, at: Date): Promise<Uint8Array[]> {
  const result: unknown = await db.execute(sql`
    select string_agg(int4send(length(data)) || data, ''::bytea order by t, src, id) as blob from (
      select data, last_at as t, 0 as src, id from room_history
      where room_id = ${docName} and last_at > ${iso(after)} and last_at <= ${iso(at)}
      union all
      select data, created_at, 1, id from room_updates
      where room_id = ${docName} and created_at > ${iso(after)} and created_at <= ${iso(at)}
    ) h`);
  const blob = rowsOf<{ blob: Uint8Array | null }>(result)[0]?.blob;
  return blob ? splitLengthPrefixed(blob instanceof Uint8Array ? blob : new Uint8Array(blob)) : [];
}

/** Display names of users (members and former members), by id. */
export async function displayNames(db: Db, userIds: readonly string[]): Promise<Map<string, string>> {
  const ids = userIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length === 0) return new Map();
  const result: unknown = await db.execute(
    sql`select id, display_name from users where id = any(string_to_array(${ids.join(',')}, ',')::uuid[])`,
  );
  return new Map(rowsOf<{ id: string; display_name: string }>(result).map((r) => [r.id, r.display_name]));
}

export interface ActivityCount {
  /** Index of the window in the list asked for. */
  window: number;
  authorId: string | null;
  /** Distinct minutes in which the author edited: one "edit" is a minute of someone's work. */
  edits: number;
}

/**
 * Edits per author in each window [from, to) of a doc, counted as distinct minutes with an
 * edit (a kept row counts at its first time; baselines are not edits), in one statement.
 */
export async function activityInWindows(db: Db, docName: string, windows: readonly { from: Date; to: Date }[]): Promise<ActivityCount[]> {
  if (windows.length === 0) return [];
  const froms = windows.map((w) => w.from.toISOString()).join(',');
  const tos = windows.map((w) => w.to.toISOString()).join(',');
  // Only rows within the windows' overall span are read (a page of recent meetings reads
  // recent rows); a kept row that started in it ended after its start, so the (room, last_at)
  // index narrows the scan.
  const lo = new Date(Math.min(...windows.map((w) => w.from.getTime())));
  const hi = new Date(Math.max(...windows.map((w) => w.to.getTime())));
  const result: unknown = await db.execute(sql`
    select w.i as window, h.author_id, count(distinct date_trunc('minute', h.t)) as edits
    from unnest(string_to_array(${froms}, ',')::timestamptz[], string_to_array(${tos}, ',')::timestamptz[]) with ordinality as w(f, t, i)
    join (
      select author_id, first_at as t from room_history
      where room_id = ${docName} and not baseline and last_at >= ${iso(lo)} and first_at >= ${iso(lo)} and first_at < ${iso(hi)}
      union all
      select author_id, created_at from room_updates where room_id = ${docName} and created_at >= ${iso(lo)} and created_at < ${iso(hi)}
    ) h on h.t >= w.f and h.t < w.t
    group by w.i, h.author_id`);
  return rowsOf<{ window: unknown; author_id: string | null; edits: unknown }>(result).map((r) => ({
    window: Number(r.window) - 1,
    authorId: r.author_id,
    edits: Number(r.edits),
  }));
}

/** The time of a doc's first and last stored edit (kept or logged), or null when it has none. */
export async function historyBounds(db: Db, docName: string): Promise<{ first: Date; last: Date } | null> {
  const result: unknown = await db.execute(sql`
    select min(t0) as first, max(t1) as last from (
      select min(first_at) as t0, max(last_at) as t1 from room_history where room_id = ${docName}
      union all
      select min(created_at), max(created_at) from room_updates where room_id = ${docName}
    ) b`);
  const row = rowsOf<{ first: Date | string | null; last: Date | string | null }>(result)[0];
  if (!row?.first || !row.last) return null;
  return { first: new Date(row.first), last: new Date(row.last) };
}

/** A meeting as the history page lists it (no doc states). */
export interface HistoryMeetingRow {
  id: string;
  number: number;
  title: string | null;
  startedAt: Date;
  endedAt: Date | null;
  summary: unknown;
  hasSnapshot: boolean;
  /** Who attended, first arrival first. */
  attendeeIds: string[];
}

const meetingRowSql = sql`
  m.id, m.number, m.title, m.started_at, m.ended_at, m.summary, m.end_snapshot is not null as has_snapshot,
  coalesce((select array_to_string(array_agg(a.user_id order by a.first), ',') from (
    select user_id, min(joined_at) as first from meeting_attendance where meeting_id = m.id group by user_id
  ) a), '') as attendees`;

type MeetingSqlRow = {
  id: string;
  number: number;
  title: string | null;
  started_at: Date | string;
  ended_at: Date | string | null;
  summary: unknown;
  has_snapshot: boolean;
  attendees: string;
};

const toMeetingRow = (r: MeetingSqlRow): HistoryMeetingRow => ({
  id: r.id,
  number: Number(r.number),
  title: r.title,
  startedAt: new Date(r.started_at),
  endedAt: r.ended_at === null ? null : new Date(r.ended_at),
  summary: typeof r.summary === 'string' ? (JSON.parse(r.summary) as unknown) : r.summary,
  hasSnapshot: Boolean(r.has_snapshot),
  attendeeIds: r.attendees === '' ? [] : r.attendees.split(','),
});

/** A room's meetings newest first (by start, then id), strictly before `before` when given. */
export async function historyMeetingsPage(
  db: Db,
  roomId: string,
  before: { startedAt: Date; id: string } | null,
  limit: number,
): Promise<HistoryMeetingRow[]> {
  const after = before === null ? sql`true` : sql`(m.started_at, m.id) < (${iso(before.startedAt)}, ${before.id}::uuid)`;
  const result: unknown = await db.execute(sql`
    select ${meetingRowSql} from meetings m
    where m.room_id = ${roomId}::uuid and ${after}
    order by m.started_at desc, m.id desc limit ${limit}`);
  return rowsOf<MeetingSqlRow>(result).map(toMeetingRow);
}

/**
 * One meeting of a room, with the parts that rebuild its end state unless `withSnapshot` is
 * false (getMeetingSnapshotChain), or null (unknown id, or another room's).
 */
export async function historyMeeting(
  db: Db,
  roomId: string,
  meetingId: string,
  withSnapshot = true,
): Promise<(HistoryMeetingRow & { snapshot: { ids: string[]; parts: Uint8Array[] } | null }) | null> {
  const result: unknown = await db.execute(sql`
    select ${meetingRowSql} from meetings m where m.room_id = ${roomId}::uuid and m.id = ${meetingId}::uuid`);
  const row = rowsOf<MeetingSqlRow>(result)[0];
  if (!row) return null;
  const meeting = toMeetingRow(row);
  const snapshot = withSnapshot && meeting.hasSnapshot ? await getMeetingSnapshotChain(db, roomId, meetingId) : null;
  return { ...meeting, snapshot };
}

/** The room's latest meeting that ended by `at` and has a stored end, with the parts that rebuild it, or null. */
export async function latestSnapshotBefore(
  db: Db,
  roomId: string,
  at: Date,
): Promise<{ meetingId: string; endedAt: Date; snapshot: { ids: string[]; parts: Uint8Array[] } } | null> {
  const result: unknown = await db.execute(sql`
    select id, ended_at from meetings
    where room_id = ${roomId}::uuid and ended_at <= ${iso(at)} and end_snapshot is not null
    order by ended_at desc limit 1`);
  const row = rowsOf<{ id: string; ended_at: Date | string }>(result)[0];
  if (!row) return null;
  const snapshot = await getMeetingSnapshotChain(db, roomId, row.id);
  return snapshot ? { meetingId: row.id, endedAt: new Date(row.ended_at), snapshot } : null;
}
