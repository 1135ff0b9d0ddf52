import { and, asc, desc, eq, inArray, isNull, lt, max, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { meetingAttendance, meetings, roomMembers, roomSchedules, users } from './schema.ts';
import { rowsOf } from './room-log.ts';

/** A meeting without its (possibly large) doc states. */
export interface MeetingRow {
  id: string;
  roomId: string;
  number: number;
  title: string | null;
  startedAt: Date;
  endedAt: Date | null;
  startedBy: string | null;
  endedBy: string | null;
  summary: unknown;
}

const meetingColumns = {
  id: meetings.id,
  roomId: meetings.roomId,
  number: meetings.number,
  title: meetings.title,
  startedAt: meetings.startedAt,
  endedAt: meetings.endedAt,
  startedBy: meetings.startedBy,
  endedBy: meetings.endedBy,
  summary: meetings.summary,
};

export async function getOpenMeeting(db: Db, roomId: string): Promise<MeetingRow | null> {
  const rows = await db
    .select(meetingColumns)
    .from(meetings)
    .where(and(eq(meetings.roomId, roomId), isNull(meetings.endedAt)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Opens the room's next meeting unless one is open, and answers the open one either way.
 * The partial unique index (one open meeting per room) decides between concurrent starts on
 * any number of nodes: a losing INSERT … ON CONFLICT DO NOTHING inserts nothing, and the
 * loser reads the winner's row. `start` is called only when a meeting is created.
 */
export async function startMeeting(
  db: Db,
  input: {
    roomId: string;
    startedBy: string | null;
    title?: string | null;
    /** The doc's digest at start (room-doc meetingDigest); read only when a meeting is created. */
    start: () => Promise<{ digest: unknown }>;
    at?: Date;
  },
): Promise<{ meeting: MeetingRow; created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const open = await getOpenMeeting(db, input.roomId);
    if (open) return { meeting: open, created: false };
    const start = await input.start();
    const inserted = await db
      .insert(meetings)
      .values({
        roomId: input.roomId,
        number: sql`(select coalesce(max(m.number), 0) + 1 from meetings m where m.room_id = ${input.roomId})`,
        title: input.title ?? null,
        startedAt: input.at ?? new Date(),
        startedBy: input.startedBy,
        startDigest: start.digest,
      })
      .onConflictDoNothing()
      .returning(meetingColumns);
    const row = inserted[0];
    if (row) return { meeting: row, created: true };
    // Lost the race: the winner's meeting is open now (or already ended again; then try anew).
  }
  throw new Error('could not open a meeting after 5 attempts');
}

export async function getMeeting(db: Db, roomId: string, meetingId: string): Promise<MeetingRow | null> {
  const rows = await db
    .select(meetingColumns)
    .from(meetings)
    .where(and(eq(meetings.roomId, roomId), eq(meetings.id, meetingId)))
    .limit(1);
  return rows[0] ?? null;
}

/** Newest first, `before` a meeting number (keyset pagination). */
export async function listMeetings(db: Db, roomId: string, page: { before?: number; limit: number }): Promise<MeetingRow[]> {
  return db
    .select(meetingColumns)
    .from(meetings)
    .where(and(eq(meetings.roomId, roomId), page.before === undefined ? undefined : lt(meetings.number, page.before)))
    .orderBy(desc(meetings.number))
    .limit(page.limit);
}

/**
 * Marks the meeting ended, once: the caller that gets the row back is the one that ends it
 * (takes the snapshot, writes the summary, carries the agenda over); null when it was already
 * ended or does not exist.
 */
export async function claimMeetingEnd(
  db: Db,
  roomId: string,
  meetingId: string,
  endedBy: string | null,
  at = new Date(),
): Promise<(MeetingRow & { startDigest: unknown }) | null> {
  const rows = await db
    .update(meetings)
    .set({ endedAt: at, endedBy })
    .where(and(eq(meetings.roomId, roomId), eq(meetings.id, meetingId), isNull(meetings.endedAt)))
    .returning({ ...meetingColumns, startDigest: meetings.startDigest });
  return rows[0] ?? null;
}

/** The latest stored end of a room that the next end is stored against (room-doc meeting-snapshots.ts). */
export interface SnapshotTip {
  id: string;
  /** Y.encodeSnapshot of that end. */
  version: Uint8Array;
  /** Bytes read to rebuild it: its chain's full state and differences. */
  chainBytes: number;
  /** Of those, the full state's. */
  rootBytes: number;
}

/** The room's latest stored end that keeps its version, or null (no meeting ended yet, or only ends stored before chains). */
export async function getSnapshotTip(db: Db, roomId: string): Promise<SnapshotTip | null> {
  const result: unknown = await db.execute(sql`
    select id, end_version,
      coalesce(snapshot_chain_bytes, length(end_snapshot)) as chain_bytes,
      coalesce(snapshot_root_bytes, length(end_snapshot)) as root_bytes
    from meetings
    where room_id = ${roomId}::uuid and end_version is not null and end_snapshot is not null
    order by number desc limit 1`);
  const row = rowsOf<{ id: string; end_version: Uint8Array; chain_bytes: unknown; root_bytes: unknown }>(result)[0];
  if (!row) return null;
  return { id: row.id, version: bytes(row.end_version), chainBytes: Number(row.chain_bytes), rootBytes: Number(row.root_bytes) };
}

const bytes = (v: Uint8Array | ArrayBufferLike): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array(v));

/**
 * Stores a meeting's end: its summary and its state, the whole doc (`base` null) or the
 * difference from `base`'s end. The start digest has served (the summary is made) and goes. The new end takes over the room's version (the base of the next
 * end) in the same statement; a chain's bookkeeping (bytes to read) follows from the base's.
 */
export async function saveMeetingEnd(
  db: Db,
  meetingId: string,
  end: { roomId: string; snapshot: Uint8Array; base: SnapshotTip | null; version: Uint8Array; summary: unknown },
): Promise<void> {
  const size = end.snapshot.byteLength;
  const chainBytes = end.base ? end.base.chainBytes + size : size;
  const rootBytes = end.base ? end.base.rootBytes : size;
  await db.execute(sql`
    with handed_over as (
      update meetings set end_version = null
      where room_id = ${end.roomId}::uuid and id <> ${meetingId}::uuid and end_version is not null
    )
    update meetings set
      end_snapshot = ${end.snapshot}::bytea,
      snapshot_base = ${end.base?.id ?? null}::uuid,
      snapshot_chain_bytes = ${chainBytes},
      snapshot_root_bytes = ${rootBytes},
      end_version = ${end.version}::bytea,
      summary = ${JSON.stringify(end.summary)}::jsonb,
      start_digest = null
    where id = ${meetingId}::uuid`);
}

/**
 * What rebuilds a meeting's end state, in order: the chain's full state, then each difference
 * up to this meeting's, one statement. `ids` are the meetings whose ends they are. Null while
 * the meeting is open (or for another room's meeting).
 */
export async function getMeetingSnapshotChain(db: Db, roomId: string, meetingId: string): Promise<{ ids: string[]; parts: Uint8Array[] } | null> {
  const result: unknown = await db.execute(sql`
    with recursive chain(id, base, data, depth) as (
      select id, snapshot_base, end_snapshot, 0 from meetings
      where id = ${meetingId}::uuid and room_id = ${roomId}::uuid and end_snapshot is not null
      union all
      select m.id, m.snapshot_base, m.end_snapshot, c.depth + 1 from meetings m join chain c on m.id = c.base
    )
    select id, data from chain order by depth desc`);
  const rows = rowsOf<{ id: string; data: Uint8Array }>(result);
  if (rows.length === 0) return null;
  return { ids: rows.map((r) => r.id), parts: rows.map((r) => bytes(r.data)) };
}

/** The parts that rebuild the doc at the meeting's end (getMeetingSnapshotChain), or null while it is open. */
export async function getMeetingSnapshot(db: Db, roomId: string, meetingId: string): Promise<Uint8Array[] | null> {
  return (await getMeetingSnapshotChain(db, roomId, meetingId))?.parts ?? null;
}

export async function renameMeeting(db: Db, roomId: string, meetingId: string, title: string | null): Promise<MeetingRow | null> {
  const rows = await db
    .update(meetings)
    .set({ title })
    .where(and(eq(meetings.roomId, roomId), eq(meetings.id, meetingId)))
    .returning(meetingColumns);
  return rows[0] ?? null;
}

/* ---- attendance ---- */

export interface AttendanceRow {
  meetingId: string;
  userId: string;
  displayName: string;
  joinedAt: Date;
  leftAt: Date | null;
}

/**
 * Sets who is in the meeting now: opens an interval for each present member without one and
 * closes the open interval of each one who is not. Idempotent, so every node may report what
 * it sees. Returns whether anything changed.
 */
export async function syncAttendance(db: Db, meetingId: string, present: readonly string[], at = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const open = await tx
      .select({ id: meetingAttendance.id, userId: meetingAttendance.userId })
      .from(meetingAttendance)
      .where(and(eq(meetingAttendance.meetingId, meetingId), isNull(meetingAttendance.leftAt)))
      .for('update');
    const openUsers = new Set(open.map((r) => r.userId));
    const toClose = open.filter((r) => !present.includes(r.userId)).map((r) => r.id);
    const toOpen = [...new Set(present)].filter((u) => !openUsers.has(u));
    if (toClose.length > 0) {
      await tx.update(meetingAttendance).set({ leftAt: at }).where(inArray(meetingAttendance.id, toClose));
    }
    if (toOpen.length > 0) {
      await tx.insert(meetingAttendance).values(toOpen.map((userId) => ({ meetingId, userId, joinedAt: at })));
    }
    return toClose.length > 0 || toOpen.length > 0;
  });
}

/** Opens a stay for each present member in a meeting that has none yet (it just started): one INSERT. */
export async function openAttendance(db: Db, meetingId: string, present: readonly string[], at: Date): Promise<void> {
  const users = [...new Set(present)];
  if (users.length === 0) return;
  await db.insert(meetingAttendance).values(users.map((userId) => ({ meetingId, userId, joinedAt: at })));
}

/** Closes every open stay in the meeting (it ended): one statement. */
export async function closeAttendance(db: Db, meetingId: string, at: Date): Promise<void> {
  await db
    .update(meetingAttendance)
    .set({ leftAt: at })
    .where(and(eq(meetingAttendance.meetingId, meetingId), isNull(meetingAttendance.leftAt)));
}

export async function listAttendance(db: Db, meetingIds: readonly string[]): Promise<AttendanceRow[]> {
  if (meetingIds.length === 0) return [];
  return db
    .select({
      meetingId: meetingAttendance.meetingId,
      userId: meetingAttendance.userId,
      displayName: users.displayName,
      joinedAt: meetingAttendance.joinedAt,
      leftAt: meetingAttendance.leftAt,
    })
    .from(meetingAttendance)
    .innerJoin(users, eq(users.id, meetingAttendance.userId))
    .where(inArray(meetingAttendance.meetingId, [...meetingIds]))
    .orderBy(asc(meetingAttendance.joinedAt), asc(meetingAttendance.id));
}

/* ---- cadence ---- */

export type ScheduleRow = typeof roomSchedules.$inferSelect;

export async function getSchedules(db: Db, roomIds: readonly string[]): Promise<Map<string, ScheduleRow>> {
  if (roomIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(roomSchedules)
    .where(inArray(roomSchedules.roomId, [...roomIds]));
  return new Map(rows.map((r) => [r.roomId, r]));
}

/** A null kind removes the room's cadence. */
export async function setSchedule(
  db: Db,
  roomId: string,
  s: { kind: ScheduleRow['kind'] | null; everyDays: number | null; nextAt: Date | null },
): Promise<void> {
  if (s.kind === null) {
    await db.delete(roomSchedules).where(eq(roomSchedules.roomId, roomId));
    return;
  }
  const values = { kind: s.kind, everyDays: s.everyDays, nextAt: s.nextAt, updatedAt: new Date() };
  await db
    .insert(roomSchedules)
    .values({ roomId, ...values })
    .onConflictDoUpdate({ target: roomSchedules.roomId, set: values });
}

/** The start of each room's latest meeting (one query for many rooms). */
export async function lastMeetingStarts(db: Db, roomIds: readonly string[]): Promise<Map<string, Date>> {
  if (roomIds.length === 0) return new Map();
  const rows = await db
    .select({ roomId: meetings.roomId, last: max(meetings.startedAt) })
    .from(meetings)
    .where(inArray(meetings.roomId, [...roomIds]))
    .groupBy(meetings.roomId);
  const out = new Map<string, Date>();
  for (const r of rows) if (r.last) out.set(r.roomId, new Date(r.last));
  return out;
}

/** Open meetings of every room (a restarted node resumes their auto-end timers). */
export async function listOpenMeetings(db: Db): Promise<MeetingRow[]> {
  return db.select(meetingColumns).from(meetings).where(isNull(meetings.endedAt));
}

/** The user ids of a room's members (mentor and mentee). */
export async function roomMemberIds(db: Db, roomId: string): Promise<string[]> {
  const rows = await db.select({ userId: roomMembers.userId }).from(roomMembers).where(eq(roomMembers.roomId, roomId));
  return rows.map((r) => r.userId);
}
