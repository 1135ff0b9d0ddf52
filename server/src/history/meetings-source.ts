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
  /**
   * Keeps an ended meeting's end state once it was rebuilt as one update (it never changes), so
   * the next `get` answers it as a chain of one. Optional: a source may keep nothing.
   */
  remember?(meetingId: string, state: Uint8Array): void;
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

/** Rebuilt end states a node keeps (bytes): a few of the largest docs' ends. */
const REMEMBERED_BYTES = 32 * 1024 * 1024;

/**
 * The meetings area's table (packages/db meetings.ts) as history reads it. Ends rebuilt from a
 * chain are remembered (least recently used out first, REMEMBERED_BYTES in all); a later chain
 * that passes through a remembered end starts from it.
 */
export function createDbMeetingsSource(db: Db): MeetingsSource {
  const remembered = new Map<string, Uint8Array>();
  let bytes = 0;
  const recall = (id: string): Uint8Array | undefined => {
    const state = remembered.get(id);
    if (state) {
      remembered.delete(id);
      remembered.set(id, state);
    }
    return state;
  };
  /** The chain from the latest remembered end in it on. */
  const shortened = (chain: { ids: string[]; parts: Uint8Array[] }): Uint8Array[] => {
    for (let i = chain.ids.length - 1; i >= 0; i--) {
      const state = recall(chain.ids[i]!);
      if (state) return [state, ...chain.parts.slice(i + 1)];
    }
    return chain.parts;
  };
  return {
    async get(roomId, meetingId, opts) {
      const want = opts?.snapshot ?? true;
      const known = want ? recall(meetingId) : undefined;
      const row = await historyMeeting(db, roomId, meetingId, want && !known);
      if (!row) return null;
      return record(row, known ? [known] : row.snapshot ? shortened(row.snapshot) : null);
    },
    async page(roomId, before, limit) {
      return (await historyMeetingsPage(db, roomId, before, limit)).map((r) => record(r, null));
    },
    remember(meetingId, state) {
      if (remembered.has(meetingId) || state.byteLength > REMEMBERED_BYTES / 4) return;
      remembered.set(meetingId, state);
      bytes += state.byteLength;
      for (const [id, s] of remembered) {
        if (bytes <= REMEMBERED_BYTES) break;
        remembered.delete(id);
        bytes -= s.byteLength;
      }
    },
    async snapshotBefore(roomId, at) {
      const found = await latestSnapshotBefore(db, roomId, at);
      return found ? { endedAt: found.endedAt, snapshot: shortened(found.snapshot) } : null;
    },
  };
}
