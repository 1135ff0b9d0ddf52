import {
  claimMeetingEnd,
  getMeeting,
  closeAttendance,
  openAttendance,
  getMeetingSnapshot,
  getOpenMeeting,
  getSnapshotTip,
  getSchedules,
  lastMeetingStarts,
  listAttendance,
  listMeetings,
  listOpenMeetings,
  renameMeeting,
  roomMemberIds,
  saveMeetingEnd,
  setSchedule,
  startMeeting,
  syncAttendance,
  type AttendanceRow,
  type Db,
  type MeetingRow,
} from '@menteo/db';
import {
  ErrorCode,
  MeetingSummary,
  isId,
  type Meeting,
  type MeetingLive,
  type MeetingsPage,
  type RoomSchedule,
  type ScheduleBody,
} from '@menteo/protocol';
import {
  asMeetingDigest,
  carryOverAgenda,
  docFromStored,
  encodeMeetingEnd,
  meetingDigest,
  rebuildMeetingEnd,
  summarizeFromDigest,
  type MeetingDigest,
} from '@menteo/room-doc';
import type { AppContext } from '../context.ts';
import type { RoomRegistry } from '../rooms/RoomRegistry.ts';
import type { MemberRoom } from '../membership/rooms-service.ts';
import { ServiceError } from '../service-error.ts';
import { nextDueAt } from './cadence.ts';
import { createAutoTimers } from './auto-timers.ts';
import { nextMeetingIcs } from './ics.ts';

/** Who is in a room now, on any node (the socket.io concern answers from every node's sockets). */
export type PresenceSource = (roomId: string) => Promise<string[]>;

export interface MeetingsService {
  /** Starts a meeting, or answers the open one (`created: false`): at most one per room. */
  start(room: MemberRoom, title?: string): Promise<{ meeting: Meeting; created: boolean }>;
  /** Ends the open meeting: end snapshot, summary, agenda carry-over. An ended meeting is a conflict. */
  end(room: MemberRoom, meetingId: string): Promise<Meeting>;
  rename(room: MemberRoom, meetingId: string, title: string | null): Promise<Meeting>;
  list(room: MemberRoom, page: { before?: number; limit: number }): Promise<MeetingsPage>;
  get(room: MemberRoom, meetingId: string): Promise<Meeting>;
  /** The room doc's state at the meeting's end (never compacted), or null while it is open. */
  snapshot(room: MemberRoom, meetingId: string): Promise<Uint8Array | null>;
  /** The open meeting of a room the caller was admitted to (socket.io), with the server's clock. */
  live(roomId: string): Promise<MeetingLive>;
  /** One meeting of a room, for delivering an event (no membership check: the caller holds the room's sockets). */
  byId(roomId: string, meetingId: string): Promise<Meeting | null>;
  schedule(room: MemberRoom): Promise<RoomSchedule>;
  setSchedule(room: MemberRoom, body: ScheduleBody): Promise<RoomSchedule>;
  /** The next due meeting as an iCalendar file; not_found without a cadence. */
  nextMeetingIcs(room: MemberRoom, baseUrl: string): Promise<string>;
  /** The members present in a room changed (socket.io): attendance, auto start and auto end. */
  presenceChanged(roomId: string, present: readonly string[]): Promise<void>;
  /** Where timers re-check presence before acting. Returns a detach. */
  attachPresence(source: PresenceSource): () => void;
  close(): void;
}

const NOT_FOUND = 'Meeting not found.';

export const displayTitle = (m: { title: string | null; number: number }): string => m.title ?? `Meeting ${m.number}`;

/**
 * Meetings of a room: start, end (snapshot, summary, carry-over), rename, list; attendance and
 * the automatic start and end from presence; the room's cadence. Changes are told to every
 * node as area events (meeting.started / .ended / .renamed / .attendance); the socket.io
 * concern delivers them to the room's sockets.
 */
export function createMeetingsService(ctx: AppContext, deps: { registry: RoomRegistry }): MeetingsService {
  const db: Db = ctx.db.db;
  const { registry } = deps;
  const log = ctx.logger.child({ area: 'meetings' });
  let presence: PresenceSource | null = null;

  const toMeetings = async (rows: readonly MeetingRow[], now = new Date()): Promise<Meeting[]> => {
    const attendance = await listAttendance(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => toMeeting(r, attendance, now));
  };
  const one = async (row: MeetingRow): Promise<Meeting> => (await toMeetings([row]))[0]!;

  const found = async (roomId: string, meetingId: string): Promise<MeetingRow> => {
    const row = isId(meetingId) ? await getMeeting(db, roomId, meetingId) : null;
    if (!row) throw new ServiceError('not_found', ErrorCode.NotFound, NOT_FOUND);
    return row;
  };

  const startOf = (roomId: string) => registry.serverEdit(roomId, (doc) => ({ digest: meetingDigest(doc) }));

  /**
   * The start's digest. A meeting started before digests were stored (and still open when they
   * came) has none: the previous meeting's end stands for its start (edits made between the two
   * then count as the meeting's), else an empty doc.
   */
  const digestOf = async (row: MeetingRow, stored: unknown): Promise<MeetingDigest> => {
    const digest = asMeetingDigest(stored);
    if (digest) return digest;
    const [prev] = await listMeetings(db, row.roomId, { before: row.number, limit: 1 });
    const parts = prev ? await getMeetingSnapshot(db, row.roomId, prev.id) : null;
    const { doc } = docFromStored(parts ?? []);
    try {
      return meetingDigest(doc);
    } finally {
      doc.destroy();
    }
  };

  /** `present`: who is there, when the caller just found out (an automatic start); else asked here. */
  const open = async (roomId: string, startedBy: string | null, title?: string, present?: readonly string[]) => {
    const result = await startMeeting(db, { roomId, startedBy, title: title ?? null, start: () => startOf(roomId) });
    if (result.created) {
      log.info({ roomId, meetingId: result.meeting.id, number: result.meeting.number, auto: startedBy === null }, 'meeting started');
      const attending = present ?? (await presentNow(roomId));
      // A new meeting has no stays yet: one INSERT, not syncAttendance's locking transaction.
      if (attending) await openAttendance(db, result.meeting.id, attending, result.meeting.startedAt);
      ctx.events.publish('meeting.started', { roomId, meetingId: result.meeting.id });
    }
    return result;
  };

  const close = async (roomId: string, meetingId: string, endedBy: string | null): Promise<MeetingRow> => {
    const now = new Date();
    const claimed = await claimMeetingEnd(db, roomId, meetingId, endedBy, now);
    if (!claimed) {
      await found(roomId, meetingId);
      throw new ServiceError('conflict', ErrorCode.Conflict, 'This meeting has already ended.');
    }
    const [, base, startDigest] = await Promise.all([closeAttendance(db, claimed.id, now), getSnapshotTip(db, roomId), digestOf(claimed, claimed.startDigest)]);
    const title = displayTitle(claimed);
    const started = performance.now();
    // One server transaction on the live doc: the end state as it is (stored as the difference
    // from the room's previous end), its summary against the start, then the carry-over, which
    // members see at once and the update log keeps.
    const { end, summary } = await registry.serverEdit(roomId, (doc) => {
      const end = encodeMeetingEnd(doc, base);
      const summary = summarizeFromDigest(startDigest, doc);
      carryOverAgenda(doc, title);
      return { end, summary };
    });
    const derivedMs = performance.now() - started;
    await saveMeetingEnd(db, claimed.id, { roomId, snapshot: end.data, base: end.diff ? base : null, version: end.version, summary });
    log.info({ roomId, meetingId, auto: endedBy === null, derivedMs, snapshotBytes: end.data.byteLength, diff: end.diff }, 'meeting ended');
    ctx.events.publish('meeting.ended', { roomId, meetingId });
    return { ...claimed, summary };
  };

  const presentNow = async (roomId: string, memberIds?: readonly string[]): Promise<string[] | null> => {
    if (!presence) return null;
    try {
      const members = new Set(memberIds ?? (await roomMemberIds(db, roomId)));
      return (await presence(roomId)).filter((u) => members.has(u));
    } catch (err) {
      log.warn({ err, roomId }, 'presence not known');
      return null;
    }
  };

  const timers = createAutoTimers({
    autostartMs: ctx.config.meetings.autostartMs,
    autoendMs: ctx.config.meetings.autoendMs,
    logger: log,
    async autostart(roomId) {
      const members = await roomMemberIds(db, roomId);
      if (members.length < 2) return;
      const present = await presentNow(roomId, members);
      if (!present || !members.every((m) => present.includes(m))) return;
      await open(roomId, null, undefined, present);
    },
    async autoend(roomId) {
      const present = await presentNow(roomId);
      if (!present || present.length > 0) return;
      const meeting = await getOpenMeeting(db, roomId);
      if (!meeting) return;
      await close(roomId, meeting.id, null).catch((err: unknown) => {
        // Another node ended it first.
        if (!(err instanceof ServiceError && err.kind === 'conflict')) throw err;
      });
    },
  });

  // A node that restarts (or died) forgets its timers: each open meeting gets its auto-end
  // check again, which ends it only if nobody is there by then.
  if (ctx.config.meetings.autoendMs > 0) {
    listOpenMeetings(db).then(
      (rows) => {
        for (const r of rows) timers.everyoneLeft(r.roomId);
      },
      (err: unknown) => log.warn({ err }, 'open meetings not read at start'),
    );
  }

  const scheduleOf = async (roomId: string): Promise<RoomSchedule> => {
    const [schedules, last] = await Promise.all([getSchedules(db, [roomId]), lastMeetingStarts(db, [roomId])]);
    const s = schedules.get(roomId) ?? null;
    const lastMetAt = last.get(roomId) ?? null;
    return {
      kind: s?.kind ?? null,
      everyDays: s?.everyDays ?? null,
      nextAt: s?.nextAt?.toISOString() ?? null,
      nextDueAt: nextDueAt(s, lastMetAt)?.toISOString() ?? null,
      lastMetAt: lastMetAt?.toISOString() ?? null,
    };
  };

  /** Presence changes waiting per room (presenceChanged applies them in order). */
  const presenceQueues = new Map<string, Promise<void>>();
  const applyPresence = async (roomId: string, presentUsers: readonly string[]): Promise<void> => {
    const members = await roomMemberIds(db, roomId);
    const present = presentUsers.filter((u) => members.includes(u));
    const meeting = await getOpenMeeting(db, roomId);
    if (meeting) {
      if (await syncAttendance(db, meeting.id, present)) ctx.events.publish('meeting.attendance', { roomId, meetingId: meeting.id });
    }
    if (members.length >= 2 && members.every((m) => present.includes(m))) timers.everyoneHere(roomId, meeting !== null);
    else timers.notEveryoneHere(roomId);
    if (present.length === 0 && meeting) timers.everyoneLeft(roomId);
    else timers.someoneHere(roomId);
  };

  return {
    async start(room, title) {
      if (room.archivedAt) throw new ServiceError('conflict', ErrorCode.Conflict, 'This room is archived; unarchive it to meet.');
      const { meeting, created } = await open(room.id, room.userId, title);
      return { meeting: await one(meeting), created };
    },
    async end(room, meetingId) {
      if (!isId(meetingId)) throw new ServiceError('not_found', ErrorCode.NotFound, NOT_FOUND);
      return one(await close(room.id, meetingId, room.userId));
    },
    async rename(room, meetingId, title) {
      await found(room.id, meetingId);
      const row = await renameMeeting(db, room.id, meetingId, title);
      if (!row) throw new ServiceError('not_found', ErrorCode.NotFound, NOT_FOUND);
      ctx.events.publish('meeting.renamed', { roomId: room.id, meetingId });
      return one(row);
    },
    async list(room, page) {
      const rows = await listMeetings(db, room.id, { before: page.before, limit: page.limit + 1 });
      const more = rows.length > page.limit;
      const shown = rows.slice(0, page.limit);
      return { meetings: await toMeetings(shown), nextBefore: more ? (shown.at(-1)?.number ?? null) : null };
    },
    async get(room, meetingId) {
      return one(await found(room.id, meetingId));
    },
    async snapshot(room, meetingId) {
      await found(room.id, meetingId);
      const parts = await getMeetingSnapshot(db, room.id, meetingId);
      return parts ? rebuildMeetingEnd(parts) : null;
    },
    async live(roomId) {
      const row = await getOpenMeeting(db, roomId);
      return { roomId, meeting: row ? await one(row) : null, serverNow: new Date().toISOString() };
    },
    async byId(roomId, meetingId) {
      const row = await getMeeting(db, roomId, meetingId);
      return row ? one(row) : null;
    },
    schedule: (room) => scheduleOf(room.id),
    async setSchedule(room, body) {
      await setSchedule(db, room.id, {
        kind: body.kind,
        everyDays: body.kind === 'every_n_days' ? (body.everyDays ?? null) : null,
        nextAt: body.nextAt ? new Date(body.nextAt) : null,
      });
      return scheduleOf(room.id);
    },
    async nextMeetingIcs(room, baseUrl) {
      const s = await scheduleOf(room.id);
      if (!s.nextDueAt) throw new ServiceError('not_found', ErrorCode.NotFound, 'This room has no meeting cadence yet.');
      return nextMeetingIcs({ roomId: room.id, roomTitle: room.title, start: new Date(s.nextDueAt), url: `${baseUrl}/rooms/${room.id}` });
    },
    presenceChanged(roomId, presentUsers) {
      // One room's changes are applied in the order they were seen: run concurrently, an older
      // presence (one member) finishing after a newer one (both) disarmed the automatic start,
      // and when members arrive together that was most rooms.
      const run = (presenceQueues.get(roomId) ?? Promise.resolve()).then(() => applyPresence(roomId, presentUsers));
      const tail = run.catch(() => undefined);
      presenceQueues.set(roomId, tail);
      void tail.then(() => {
        if (presenceQueues.get(roomId) === tail) presenceQueues.delete(roomId);
      });
      return run;
    },
    attachPresence(source) {
      presence = source;
      return () => {
        if (presence === source) presence = null;
      };
    },
    close: () => timers.close(),
  };
}

/** Whole minutes present over a member's intervals, open ones counting up to `now`. */
export function minutesPresent(intervals: ReadonlyArray<{ joinedAt: Date; leftAt: Date | null }>, now: Date): number {
  let ms = 0;
  for (const i of intervals) ms += Math.max(0, (i.leftAt ?? now).getTime() - i.joinedAt.getTime());
  return Math.floor(ms / 60_000);
}

function toMeeting(row: MeetingRow, attendance: readonly AttendanceRow[], now: Date): Meeting {
  const byUser = new Map<string, AttendanceRow[]>();
  for (const a of attendance) {
    if (a.meetingId !== row.id) continue;
    const list = byUser.get(a.userId) ?? [];
    list.push(a);
    byUser.set(a.userId, list);
  }
  const parsed = row.summary === null ? null : MeetingSummary.safeParse(row.summary);
  return {
    id: row.id,
    roomId: row.roomId,
    number: row.number,
    title: row.title,
    displayTitle: displayTitle(row),
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    startedBy: row.startedBy,
    endedBy: row.endedBy,
    attendance: [...byUser.entries()].map(([userId, rows]) => ({
      userId,
      displayName: rows[0]!.displayName,
      intervals: rows.map((r) => ({ joinedAt: r.joinedAt.toISOString(), leftAt: r.leftAt?.toISOString() ?? null })),
      minutes: minutesPresent(rows, row.endedAt ?? now),
    })),
    summary: parsed?.success ? parsed.data : null,
  };
}
