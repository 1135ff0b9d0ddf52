/**
 * What history needs to know about a room's meetings (the meetings area owns them): when each
 * ran, who came, its one-line summary and the snapshot of the doc at its end. An interface, so
 * history works (time points only) before and without the meetings area.
 */
export interface HistoryMeetingRecord {
  id: string;
  startedAt: Date;
  /** Null while it runs. */
  endedAt: Date | null;
  /** User ids of who attended. */
  attendeeIds: string[];
  /** One line; '' when none was derived. */
  summary: string;
  /** The doc at its end (Y.encodeStateAsUpdate), null when none was stored. */
  snapshot: Uint8Array | null;
  /** Agenda point ids marked discussed in it, when known. */
  discussedIds?: string[];
}

export interface MeetingsSource {
  /** One meeting of the room, or null (unknown id, or another room's). */
  get(roomId: string, meetingId: string): Promise<HistoryMeetingRecord | null>;
  /** Meetings newest first (by start, then id), those strictly before `before` when given; snapshots left out. */
  page(roomId: string, before: { startedAt: Date; id: string } | null, limit: number): Promise<HistoryMeetingRecord[]>;
  /** The latest meeting that ended by `at` and has a snapshot (a starting point for "as of"), or null. */
  snapshotBefore(roomId: string, at: Date): Promise<{ endedAt: Date; snapshot: Uint8Array } | null>;
}

/** A room without meetings: every meeting id is unknown. */
export const NO_MEETINGS: MeetingsSource = {
  get: async () => null,
  page: async () => [],
  snapshotBefore: async () => null,
};
