import { historyMeeting, historyMeetingsPage, latestSnapshotBefore, type Db, type HistoryMeetingRow } from '@menteo/db';
import { discussedIds, summaryLine } from '@menteo/room-doc';

/**
 * What history needs to know about a room's meetings (the meetings area owns them): when each
 * ran, who came, its one-line summary and the snapshot of the doc at its end. An interface, so
 * history works (time points only) before and without the meetings area.
 */
export interface HistoryMeetingRecord {
  id: string;
  /** "Meeting 3", or the title a member gave it. */
  title: string;
  startedAt: Date;
  /** Null while it runs. */
  endedAt: Date | null;
  /** User ids of who attended. */
  attendeeIds: string[];
  /** One line; '' when none was derived. */
  summary: string;
  /** Whether the doc at its end is stored. */
  hasSnapshot: boolean;
  /**
   * That doc from `get`, as the updates that rebuild it in order (a full state, then the
   * differences of later meetings' ends: room-doc meeting-snapshots.ts); lists leave it out (null).
   */
  snapshot: Uint8Array[] | null;
  /** Agenda point ids marked discussed in it, when known. */
  discussedIds?: string[];
}

export interface MeetingsSource {
  /** One meeting of the room, or null (unknown id, or another room's); `snapshot: false` leaves the snapshot out. */
  get(roomId: string, meetingId: string, opts?: { snapshot: boolean }): Promise<HistoryMeetingRecord | null>;
  /** Meetings newest first (by start, then id), those strictly before `before` when given; snapshots left out. */
  page(roomId: string, before: { startedAt: Date; id: string } | null, limit: number): Promise<HistoryMeetingRecord[]>;
  /** The latest meeting that ended by `at` and has a snapshot (a starting point for "as of"), or null. */
  snapshotBefore(roomId: string, at: Date): Promise<{ endedAt: Date; snapshot: Uint8Array[] } | null>;
}

/** A room without meetings: every meeting id is unknown. */
export const NO_MEETINGS: MeetingsSource = {
  get: async () => null,
  page: async () => [],
  snapshotBefore: async () => null,
};

const record = (r: HistoryMeetingRow, snapshot: Uint8Array[] | null): HistoryMeetingRecord => ({
  id: r.id,
  title: r.title ?? `Meeting ${r.number}`,
  startedAt: r.startedAt,
  endedAt: r.endedAt,
  attendeeIds: r.attendeeIds,
  summary: summaryLine(r.summary),
  hasSnapshot: r.hasSnapshot,
  snapshot,
  discussedIds: discussedIds(r.summary),
});

/** The meetings area's table (packages/db meetings.ts) as history reads it. */
export function createDbMeetingsSource(db: Db): MeetingsSource {
  return {
    async get(roomId, meetingId, opts) {
      const row = await historyMeeting(db, roomId, meetingId, opts?.snapshot ?? true);
      return row ? record(row, row.snapshot?.parts ?? null) : null;
    },
    async page(roomId, before, limit) {
      return (await historyMeetingsPage(db, roomId, before, limit)).map((r) => record(r, null));
    },
    async snapshotBefore(roomId, at) {
      const found = await latestSnapshotBefore(db, roomId, at);
      return found ? { endedAt: found.endedAt, snapshot: found.snapshot.parts } : null;
    },
  };
}
