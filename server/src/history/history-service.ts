import * as Y from 'yjs';
import {
  ErrorCode,
  HISTORY_MAX_RANGE_DAYS,
  HISTORY_MEETINGS_PAGE,
  HISTORY_PAGE_GROUPS,
  isId,
  type CompareResult,
  type HistoryAuthor,
  type HistoryEntry,
  type HistoryMeetingsResponse,
  type ResolvedPoint,
  type RestoreBody,
  type RestoreResult,
  type TimelineResponse,
} from '@menteo/protocol';
import { activityInWindows, displayNames, loadRoomAsOf, loadRoomState, loadRoomWindow, readRoomHistory, type Db } from '@menteo/db';
import {
  attributionOf,
  blocksToMarkdown,
  compareDocs,
  compareReadings,
  readForCompare,
  type DocReading,
  comparisonLines,
  docFromStored,
  hasItem,
  meetingReportBlocks,
  readAgenda,
  rebuildMeetingEnd,
  restoreActionItem,
  restoreAgendaItem,
  restoreGoal,
  restoreNotes,
  roomReportBlocks,
  timeline,
  type ReportMeeting,
  type RestoreOutcome,
} from '@menteo/room-doc';
import type { AppContext } from '../context.ts';
import type { RoomRegistry } from '../rooms/RoomRegistry.ts';
import type { MemberRoom } from '../membership/rooms-service.ts';
import { ServiceError } from '../service-error.ts';
import type { HistoryMeetingRecord, MeetingsSource } from './meetings-source.ts';
import { renderPdf } from './pdf.ts';

/*
 * Session history (issue 16): the timeline, a point's state, compare, restore, exports and the
 * history page's list, for members of a room (the routes check membership first, with
 * rooms.asMember, so everyone else gets 404). Only the shared doc (named by the room id) is
 * ever read here: a member's private doc (`<roomId>~private~<userId>`) never is.
 *
 * A point is `now`, an ISO time or a meeting id. The doc as of a time is the nearest earlier
 * meeting snapshot plus the stored rows after it, or, without one, the replay of every kept row
 * up to then (packages/db loadRoomAsOf).
 */

export interface HistoryService {
  meetings(room: MemberRoom, q: { cursor?: string | undefined; limit?: number | undefined }): Promise<HistoryMeetingsResponse>;
  timeline(room: MemberRoom, q: { from?: string | undefined; to?: string | undefined }): Promise<TimelineResponse>;
  /** The doc at a point as one Yjs update. */
  state(room: MemberRoom, point: string): Promise<{ update: Uint8Array; point: ResolvedPoint }>;
  /** The doc at a meeting's end (its snapshot, else as of its end) as one Yjs update. */
  meetingState(room: MemberRoom, meetingId: string): Promise<{ update: Uint8Array; point: ResolvedPoint }>;
  compare(room: MemberRoom, a: string, b: string): Promise<CompareResult>;
  restore(room: MemberRoom, body: RestoreBody): Promise<RestoreResult>;
  exportRoom(room: MemberRoom, format: 'md' | 'pdf'): Promise<ExportFile>;
  exportMeeting(room: MemberRoom, meetingId: string): Promise<ExportFile>;
}

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Buffer;
}

export interface HistoryDeps {
  /** The rooms this node holds: restore edits the live room through it. */
  registry: RoomRegistry;
  meetings: MeetingsSource;
}

const DAY = 86_400_000;
/** Rows ending this long before a snapshot's time are replayed on top of it too (a doc catching up over the bus). */
const SNAPSHOT_MARGIN_MS = 60_000;
const EPOCH = new Date(0);

/** Meetings' end states kept read (per node): they never change, and decoding one is most of a compare. */
const MEETING_READINGS = 8;

const notFoundMeeting = () => new ServiceError('not_found', ErrorCode.NotFound, 'No such meeting in this room.');

/** A resolved point with its doc (the caller destroys the doc). */
interface PointDoc {
  point: ResolvedPoint;
  at: Date;
  doc: Y.Doc;
}

export function createHistoryService(ctx: AppContext, deps: HistoryDeps): HistoryService {
  const db: Db = ctx.db.db;
  const { registry } = deps;
  const { meetings } = deps;

  const fold = (docName: string, parts: Uint8Array[]): Y.Doc => {
    const { doc, skipped } = docFromStored(parts);
    if (skipped > 0) ctx.logger.error({ docName, skipped }, 'history skipped stored updates that do not decode');
    return doc;
  };

  /** The shared doc now: the live room on this node, else checkpoint + log tail. */
  const current = async (roomId: string): Promise<Y.Doc> => {
    const live = registry.peek(roomId);
    if (live) return fold(roomId, [Y.encodeStateAsUpdate(live.doc)]);
    const { checkpoint, updates } = await loadRoomState(db, roomId);
    return fold(roomId, checkpoint ? [checkpoint, ...updates] : updates);
  };

  /** The doc as of `at`: from the nearest meeting snapshot when there is one. */
  const asOf = async (roomId: string, at: Date): Promise<Y.Doc> => {
    const snap = await meetings.snapshotBefore(roomId, at);
    if (snap) {
      const after = new Date(snap.endedAt.getTime() - SNAPSHOT_MARGIN_MS);
      return fold(roomId, [...snap.snapshot, ...(await loadRoomWindow(db, roomId, after, at))]);
    }
    const stored = await loadRoomAsOf(db, roomId, at);
    if (!stored.known) {
      throw new ServiceError(
        'conflict',
        ErrorCode.HistoryNotKept,
        `This room's history before ${stored.historyStartsAt.toISOString()} is not kept.`,
      );
    }
    return fold(roomId, stored.parts);
  };

  const meetingDoc = async (roomId: string, m: HistoryMeetingRecord): Promise<PointDoc> => {
    const point: ResolvedPoint = { kind: 'meeting', at: (m.endedAt ?? new Date()).toISOString(), meetingId: m.id };
    if (!m.endedAt) return { point, at: new Date(point.at), doc: await current(roomId) };
    const doc = m.snapshot ? fold(roomId, m.snapshot) : await asOf(roomId, m.endedAt);
    return { point, at: m.endedAt, doc };
  };

  const docAt = async (roomId: string, point: string): Promise<PointDoc> => {
    const now = new Date();
    if (point === 'now') return { point: { kind: 'now', at: now.toISOString() }, at: now, doc: await current(roomId) };
    if (isId(point)) {
      const m = await meetings.get(roomId, point);
      if (!m) throw notFoundMeeting();
      return meetingDoc(roomId, m);
    }
    const t = Date.parse(point);
    if (Number.isNaN(t)) throw new ServiceError('invalid', ErrorCode.BadPoint, `"${point}" is not now, an ISO time or a meeting id.`);
    const at = new Date(t);
    // A time still to come is now: nothing is known past it.
    const doc = at >= now ? await current(roomId) : await asOf(roomId, at);
    return { point: { kind: 'time', at: at.toISOString() }, at, doc };
  };

  /** Readings of ended meetings' snapshots, least recently used first. */
  const readings = new Map<string, { point: ResolvedPoint; at: Date; reading: DocReading }>();
  const readingAt = async (roomId: string, point: string): Promise<{ point: ResolvedPoint; at: Date; reading: DocReading }> => {
    const key = `${roomId}|${point}`;
    const cached = readings.get(key);
    if (cached) {
      readings.delete(key);
      readings.set(key, cached);
      return cached;
    }
    const m = isId(point) ? await meetings.get(roomId, point) : null;
    if (m?.endedAt && m.snapshot) {
      const doc = fold(roomId, m.snapshot);
      try {
        const entry = { point: { kind: 'meeting' as const, at: m.endedAt.toISOString(), meetingId: m.id }, at: m.endedAt, reading: readForCompare(doc) };
        readings.set(key, entry);
        if (readings.size > MEETING_READINGS) readings.delete(readings.keys().next().value ?? key);
        return entry;
      } finally {
        doc.destroy();
      }
    }
    const p = await docAt(roomId, point);
    try {
      return { point: p.point, at: p.at, reading: readForCompare(p.doc) };
    } finally {
      p.doc.destroy();
    }
  };

  /** Who each author id is: members with their role, former members by name, null as "Someone". */
  const authorsOf = async (room: MemberRoom, ids: Iterable<string | null>): Promise<(id: string | null) => HistoryAuthor> => {
    const known = new Map<string, HistoryAuthor>(room.members.map((m) => [m.userId, { id: m.userId, name: m.displayName, role: m.role }]));
    const missing = [...new Set(ids)].filter((id): id is string => id !== null && !known.has(id));
    for (const [id, name] of await displayNames(db, missing)) known.set(id, { id, name, role: null });
    return (id) => (id === null ? null : known.get(id)) ?? { id, name: id === null ? 'Someone' : 'A former member', role: null };
  };

  const restoreOutcome = async (room: MemberRoom, apply: (live: Y.Doc) => RestoreOutcome): Promise<RestoreOutcome> => {
    let outcome: RestoreOutcome = { restored: false, reason: 'unchanged' };
    await registry.editAs(room.id, { userId: room.userId, roomId: room.id, wantsAck: false }, (liveDoc) => {
      // The restore runs on a copy of the live doc; its one update is then applied to the room
      // as the member's own edit (persisted, fanned out), never written into the room directly.
      const scratch = new Y.Doc();
      try {
        Y.applyUpdate(scratch, Y.encodeStateAsUpdate(liveDoc));
        let update: Uint8Array | null = null;
        scratch.on('update', (u: Uint8Array) => {
          update = u;
        });
        outcome = apply(scratch);
        return update;
      } finally {
        scratch.destroy();
      }
    });
    return outcome;
  };

  /**
   * The last time a goal, agenda point or action item existed: every stored row replayed in the
   * order "as of" uses (by last time), checking after each run of rows that end together.
   */
  const lastSeen = async (roomId: string, kind: 'goal' | 'agenda' | 'action', id: string): Promise<Date | null> => {
    const rows = (await readRoomHistory(db, roomId, EPOCH, new Date())).sort((x, y) => x.lastAt.getTime() - y.lastAt.getTime());
    const doc = new Y.Doc();
    let seen: Date | null = null;
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        try {
          Y.applyUpdate(doc, row.data);
        } catch {
          continue;
        }
        const next = rows[i + 1];
        if (next && next.lastAt.getTime() === row.lastAt.getTime()) continue;
        if (hasItem(doc, kind, id)) seen = row.lastAt;
      }
      return seen;
    } finally {
      doc.destroy();
    }
  };

  const pastFor = async (room: MemberRoom, kind: 'goal' | 'agenda' | 'action', id: string, from: string | undefined): Promise<PointDoc> => {
    if (from !== undefined) return docAt(room.id, from);
    const at = await lastSeen(room.id, kind, id);
    if (!at) throw new ServiceError('not_found', ErrorCode.NotInHistory, `Nothing with id ${id} was ever in this room's history.`);
    return { point: { kind: 'time', at: at.toISOString() }, at, doc: await asOf(room.id, at) };
  };

  /** Meetings oldest first with the lines of what changed since the one before. */
  const reportMeetings = async (room: MemberRoom, recs: HistoryMeetingRecord[], nameOf: (id: string) => string): Promise<ReportMeeting[]> => {
    const out: ReportMeeting[] = [];
    let prev: Y.Doc = new Y.Doc();
    try {
      for (const m of [...recs].reverse()) {
        const full = (await meetings.get(room.id, m.id)) ?? m;
        const { doc } = await meetingDoc(room.id, full);
        out.push({
          title: m.title,
          startedAt: m.startedAt,
          endedAt: m.endedAt,
          attendees: m.attendeeIds.map(nameOf),
          summary: m.summary,
          changes: comparisonLines(compareDocs(prev, doc)),
        });
        prev.destroy();
        prev = doc;
      }
    } finally {
      prev.destroy();
    }
    return out.reverse();
  };

  const allMeetings = async (roomId: string): Promise<HistoryMeetingRecord[]> => {
    const out: HistoryMeetingRecord[] = [];
    for (;;) {
      const last = out[out.length - 1];
      const page = await meetings.page(roomId, last ? { startedAt: last.startedAt, id: last.id } : null, 100);
      out.push(...page);
      if (page.length < 100) return out;
    }
  };

  const fileName = (title: string, suffix: string) => `${title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 60) || 'room'}-${suffix}`;

  return {
    async meetings(room, q) {
      const limit = q.limit ?? HISTORY_MEETINGS_PAGE;
      const before = q.cursor === undefined ? null : decodeCursor(q.cursor);
      const recs = await meetings.page(room.id, before, limit + 1);
      const more = recs.length > limit;
      const page = recs.slice(0, limit);
      // Activity windows: after each meeting up to the next newer one (or now), and, on the
      // last page, before the oldest.
      const windows: { from: Date; to: Date }[] = [];
      let newer = before ? before.startedAt : new Date();
      for (const m of page) {
        windows.push({ from: m.endedAt ?? m.startedAt, to: newer });
        newer = m.startedAt;
      }
      if (!more) windows.push({ from: EPOCH, to: newer });
      const counts = await activityInWindows(db, room.id, windows);
      const authorOf = await authorsOf(room, [...counts.map((c) => c.authorId), ...page.flatMap((m) => m.attendeeIds)]);
      const activity = (i: number): HistoryEntry | null => {
        const w = windows[i];
        const byAuthor = counts
          .filter((c) => c.window === i && c.edits > 0)
          .sort((x, y) => y.edits - x.edits)
          .map((c) => ({ author: authorOf(c.authorId), edits: c.edits }));
        if (!w || byAuthor.length === 0) return null;
        const text = byAuthor.map((b, k) => (k === 0 ? `${b.edits} edit${b.edits === 1 ? '' : 's'} by ${b.author.name}` : `${b.edits} by ${b.author.name}`)).join(', ');
        return { type: 'activity', activity: { from: w.from.toISOString(), to: w.to.toISOString(), byAuthor, text } };
      };
      const entries: HistoryEntry[] = [];
      page.forEach((m, i) => {
        const a = activity(i);
        if (a) entries.push(a);
        entries.push({
          type: 'meeting',
          meeting: {
            id: m.id,
            startedAt: m.startedAt.toISOString(),
            endedAt: m.endedAt?.toISOString() ?? null,
            durationMs: m.endedAt ? m.endedAt.getTime() - m.startedAt.getTime() : null,
            attendees: m.attendeeIds.map(authorOf),
            summary: m.summary,
            hasSnapshot: m.hasSnapshot,
            title: m.title,
          },
        });
      });
      if (!more) {
        const a = activity(page.length);
        if (a) entries.push(a);
      }
      const last = page[page.length - 1];
      return { entries, nextCursor: more && last ? encodeCursor(last) : null };
    },

    async timeline(room, q) {
      const to = q.to === undefined ? new Date() : new Date(q.to);
      const from = q.from === undefined ? new Date(to.getTime() - 7 * DAY) : new Date(q.from);
      if (from > to) throw new ServiceError('invalid', ErrorCode.FromAfterTo, '`from` is after `to`.');
      if (to.getTime() - from.getTime() > HISTORY_MAX_RANGE_DAYS * DAY) {
        throw new ServiceError(
          'invalid',
          ErrorCode.RangeTooLarge,
          `Ask for at most ${HISTORY_MAX_RANGE_DAYS} days at a time (from ${from.toISOString()} to ${new Date(from.getTime() + HISTORY_MAX_RANGE_DAYS * DAY).toISOString()}, then on).`,
        );
      }
      let historyStartsAt: string | null = null;
      let base: Y.Doc;
      try {
        base = await asOf(room.id, from);
      } catch (err) {
        if (!(err instanceof ServiceError) || err.code !== ErrorCode.HistoryNotKept) throw err;
        // The range starts before the kept history: narrate from its baseline on.
        base = new Y.Doc();
        historyStartsAt = (await loadRoomAsOf(db, room.id, from).then((s) => (s.known ? null : s.historyStartsAt)))?.toISOString() ?? null;
      }
      try {
        const rows = (await readRoomHistory(db, room.id, from, to)).filter((r) => r.lastAt > from || r.baseline);
        const authorOf = await authorsOf(room, rows.map((r) => r.authorId));
        const { groups, nextFrom } = timeline(base, rows, { authorOf, maxGroups: HISTORY_PAGE_GROUPS });
        return {
          from: from.toISOString(),
          to: to.toISOString(),
          groups,
          // A millisecond earlier, so the next page's "as of from" leaves the first unnarrated row out.
          next: nextFrom ? { from: new Date(nextFrom.getTime() - 1).toISOString(), to: to.toISOString() } : null,
          historyStartsAt,
        };
      } finally {
        base.destroy();
      }
    },

    async state(room, point) {
      if (isId(point)) return this.meetingState(room, point);
      const p = await docAt(room.id, point);
      try {
        return { update: Y.encodeStateAsUpdate(p.doc), point: p.point };
      } finally {
        p.doc.destroy();
      }
    },

    async meetingState(room, meetingId) {
      const m = isId(meetingId) ? await meetings.get(room.id, meetingId) : null;
      if (!m) throw notFoundMeeting();
      // A full stored end is already the doc as one update and is sent as it is; a chain is
      // folded once and the result remembered (an ended meeting's end never changes).
      if (m.endedAt && m.snapshot) {
        const update = rebuildMeetingEnd(m.snapshot);
        if (m.snapshot.length > 1) meetings.remember?.(m.id, update);
        return { update, point: { kind: 'meeting', at: m.endedAt.toISOString(), meetingId: m.id } };
      }
      const p = await meetingDoc(room.id, m);
      try {
        return { update: Y.encodeStateAsUpdate(p.doc), point: p.point };
      } finally {
        p.doc.destroy();
      }
    },

    async compare(room, a, b) {
      const [pa, pb] = await Promise.all([readingAt(room.id, a), readingAt(room.id, b)]);
      const lo = pa.at < pb.at ? pa.at : pb.at;
      const hi = pa.at < pb.at ? pb.at : pa.at;
      // Rows between the points say who wrote and who deleted each notes change; not needed when the notes did not change.
      const notesChanged = pa.reading.notes.text !== pb.reading.notes.text;
      const rows = notesChanged ? (await readRoomHistory(db, room.id, lo, hi)).filter((r) => r.lastAt > lo && !r.baseline) : [];
      const diff = compareReadings(pa.reading, pb.reading, attributionOf(rows));
      const ids = [...diff.notes.byAuthor.map((x) => x.authorId), ...diff.notes.segments.map((s) => s.authorId)];
      const authorOf = await authorsOf(room, ids);
      const authors = [...new Set(ids)].filter((id): id is string => id !== null).map(authorOf);
      return { a: pa.point, b: pb.point, ...diff, authors };
    },

    async restore(room, body) {
      const now = await current(room.id);
      let id: string | undefined;
      try {
        if (body.kind !== 'notes') {
          id = body.kind === 'goal' ? body.goalId : body.itemId;
          if (hasItem(now, body.kind, id)) {
            return { restored: false, reason: 'still_exists', kind: body.kind, id, from: { kind: 'now', at: new Date().toISOString() } };
          }
        }
      } finally {
        now.destroy();
      }
      const past = body.kind === 'notes' ? await docAt(room.id, body.from) : await pastFor(room, body.kind, id ?? '', body.from);
      try {
        const outcome = await restoreOutcome(room, (live) => {
          switch (body.kind) {
            case 'goal':
              return restoreGoal(live, past.doc, body.goalId, 'restore');
            case 'agenda':
              return restoreAgendaItem(live, past.doc, body.itemId, 'restore');
            case 'action':
              return restoreActionItem(live, past.doc, body.itemId, 'restore');
            case 'notes':
              return restoreNotes(live, past.doc, 'restore');
            default: {
              const never: never = body;
              throw new Error(`unknown restore ${JSON.stringify(never)}`);
            }
          }
        });
        if (!outcome.restored && outcome.reason === 'not_in_past') {
          throw new ServiceError('not_found', ErrorCode.NotInHistory, `That ${body.kind === 'goal' ? 'goal' : 'item'} is not in the room at ${past.point.at}.`);
        }
        const result: RestoreResult = { restored: outcome.restored, kind: body.kind, from: past.point };
        if (!outcome.restored) result.reason = outcome.reason === 'still_exists' ? 'still_exists' : 'unchanged';
        if (id !== undefined) result.id = id;
        return result;
      } finally {
        past.doc.destroy();
      }
    },

    async exportRoom(room, format) {
      const recs = await allMeetings(room.id);
      const authorOf = await authorsOf(room, recs.flatMap((m) => m.attendeeIds));
      const doc = await current(room.id);
      try {
        // Activity outside meetings: between consecutive meetings, before the first and after the last.
        const windows: { from: Date; to: Date }[] = [];
        let newer = new Date();
        for (const m of recs) {
          windows.push({ from: m.endedAt ?? m.startedAt, to: newer });
          newer = m.startedAt;
        }
        windows.push({ from: EPOCH, to: newer });
        const counts = await activityInWindows(db, room.id, windows);
        const names = await authorsOf(room, counts.map((c) => c.authorId));
        const activity = windows.flatMap((w, i) => {
          const parts = counts.filter((c) => c.window === i).sort((x, y) => y.edits - x.edits).map((c) => `${c.edits} by ${names(c.authorId).name}`);
          const span = w.from.getTime() === 0 ? `before ${w.to.toISOString().slice(0, 10)}` : `${w.from.toISOString().slice(0, 10)} to ${w.to.toISOString().slice(0, 10)}`;
          return parts.length === 0 ? [] : [`${span}: edits ${parts.join(', ')}`];
        });
        const blocks = roomReportBlocks({
          title: room.title,
          generatedAt: new Date(),
          members: room.members.map((m) => ({ name: m.displayName, role: m.role })),
          doc,
          meetings: await reportMeetings(room, recs, (id) => authorOf(id).name),
          activity,
        });
        if (format === 'md') {
          return { filename: fileName(room.title, 'history.md'), contentType: 'text/markdown; charset=utf-8', body: Buffer.from(blocksToMarkdown(blocks)) };
        }
        return { filename: fileName(room.title, 'history.pdf'), contentType: 'application/pdf', body: await renderPdf(blocks, { title: `${room.title}: history` }) };
      } finally {
        doc.destroy();
      }
    },

    async exportMeeting(room, meetingId) {
      const m = isId(meetingId) ? await meetings.get(room.id, meetingId) : null;
      if (!m) throw notFoundMeeting();
      const [prevRec] = await meetings.page(room.id, { startedAt: m.startedAt, id: m.id }, 1);
      const prevFull = prevRec ? ((await meetings.get(room.id, prevRec.id)) ?? prevRec) : null;
      const end = await meetingDoc(room.id, m);
      const before = prevFull ? (await meetingDoc(room.id, prevFull)).doc : new Y.Doc();
      try {
        const diff = compareDocs(before, end.doc);
        const agenda = readAgenda(end.doc);
        const discussed = m.discussedIds
          ? agenda.filter((a) => m.discussedIds?.includes(a.id)).map((a) => a.text)
          : diff.agenda.discussed.map((a) => a.text);
        const authorOf = await authorsOf(room, m.attendeeIds);
        const blocks = meetingReportBlocks({
          roomTitle: room.title,
          meeting: { title: m.title, startedAt: m.startedAt, endedAt: m.endedAt, attendees: m.attendeeIds.map((id) => authorOf(id).name), summary: m.summary, changes: comparisonLines(diff) },
          doc: end.doc,
          discussed,
        });
        return {
          filename: fileName(room.title, `meeting-${m.startedAt.toISOString().slice(0, 10)}.md`),
          contentType: 'text/markdown; charset=utf-8',
          body: Buffer.from(blocksToMarkdown(blocks)),
        };
      } finally {
        end.doc.destroy();
        before.destroy();
      }
    },
  };
}

function encodeCursor(m: { startedAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([m.startedAt.toISOString(), m.id])).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string' && !Number.isNaN(Date.parse(value[0]))) {
      return { startedAt: new Date(value[0]), id: value[1] };
    }
  } catch {
    // Not JSON: refused below like any other malformed cursor.
  }
  throw new ServiceError('invalid', ErrorCode.BadRequest, 'The cursor is not one this API gave out.');
}
