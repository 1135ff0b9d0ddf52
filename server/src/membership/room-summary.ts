import type { RoomProgress } from '@menteo/protocol';
import { getSchedules, lastMeetingStarts, loadRoomDocs, type Db, type StoredRoomDoc } from '@menteo/db';
import { docFromStored, roomProgress } from '@menteo/room-doc';
import type { Logger } from '../logger.ts';
import { nextDueAt } from '../meetings/cadence.ts';

export interface RoomSummary {
  progress: RoomProgress;
  lastActivityAt: string | null;
  /** The start of the room's latest meeting. */
  lastMetAt: string | null;
  /** When the next meeting is due by the room's cadence. */
  nextDueAt: string | null;
}

export const EMPTY_SUMMARY: RoomSummary = {
  progress: { goals: 0, goalsDone: 0, milestones: 0, milestonesDone: 0, milestonePercent: 0 },
  lastActivityAt: null,
  lastMetAt: null,
  nextDueAt: null,
};

/**
 * The rooms service's query side of the rooms list figures (the derivation itself is
 * roomProgress in @menteo/room-doc). Derived figures for many rooms from what Postgres holds (four queries in all), not from the
 * live rooms: the list is served by any node, including one that holds none of them. Edits
 * not yet group-committed are a moment away from counting.
 */
export async function summarizeRooms(db: Db, logger: Logger, roomIds: readonly string[]): Promise<Map<string, RoomSummary>> {
  const [stored, lastMet, schedules] = await Promise.all([
    loadRoomDocs(db, roomIds),
    lastMeetingStarts(db, roomIds),
    getSchedules(db, roomIds),
  ]);
  const out = new Map<string, RoomSummary>();
  for (const id of roomIds) {
    const doc = stored.get(id);
    const last = lastMet.get(id) ?? null;
    out.set(id, {
      ...(doc ? summarize(id, doc, logger) : EMPTY_SUMMARY),
      lastMetAt: last?.toISOString() ?? null,
      nextDueAt: nextDueAt(schedules.get(id) ?? null, last)?.toISOString() ?? null,
    });
  }
  return out;
}

function summarize(roomId: string, stored: StoredRoomDoc, logger: Logger): RoomSummary {
  // The room server skips a stored update that no longer decodes; so do the figures,
  // rather than failing the whole room list over one damaged row.
  const { doc, skipped } = docFromStored(stored.parts);
  try {
    if (skipped > 0) logger.warn({ roomId, skipped }, 'room summary skipped stored updates that do not decode');
    return { ...EMPTY_SUMMARY, progress: roomProgress(doc), lastActivityAt: stored.lastActivityAt?.toISOString() ?? null };
  } finally {
    doc.destroy();
  }
}
