import { inArray, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { roomCheckpoints, roomUpdates } from './schema.ts';
import { splitLengthPrefixed } from './room-log.ts';

/** What is stored of one room's shared doc, for read-only derivations (lists, figures). */
export interface StoredRoomDoc {
  /** Checkpoint first (if any), then the log tail in id order. Apply them all to an empty doc. */
  parts: Uint8Array[];
  /** The newest log row's created_at or the checkpoint's updated_at, whichever is later; null if neither. */
  lastActivityAt: Date | null;
}

/**
 * The stored shared docs of many rooms in two statements (one per table), whatever the number
 * of rooms: a room list must not cost a round trip per room. Doc names are exact room ids, so a
 * member's private doc (`<roomId>~private`) is never read here.
 *
 * The log is read BEFORE the checkpoints, on purpose: a compaction running between the two reads
 * folds rows into the checkpoint and deletes them, so this order can only see a row twice (in the
 * tail and in the newer checkpoint; applying a Yjs update twice is harmless), never lose one.
 * The tail is bounded by compaction, which folds a long or idle log into the checkpoint.
 */
export async function loadRoomDocs(db: Db, roomIds: readonly string[]): Promise<Map<string, StoredRoomDoc>> {
  const out = new Map<string, StoredRoomDoc>();
  if (roomIds.length === 0) return out;
  const ids = [...new Set(roomIds)];
  const tails = await db
    .select({
      roomId: roomUpdates.roomId,
      // One length-prefixed bytea per room, as loadRoomState does: far cheaper than a row per update.
      blob: sql`string_agg(int4send(length(${roomUpdates.data})) || ${roomUpdates.data}, ''::bytea order by ${roomUpdates.id})`.mapWith(
        roomUpdates.data,
      ),
      // mapWith: the column's own decoding, so both drivers hand back a Date.
      newest: sql`max(${roomUpdates.createdAt})`.mapWith(roomUpdates.createdAt),
    })
    .from(roomUpdates)
    .where(inArray(roomUpdates.roomId, ids))
    .groupBy(roomUpdates.roomId);
  const checkpoints = await db
    .select({ roomId: roomCheckpoints.roomId, state: roomCheckpoints.state, updatedAt: roomCheckpoints.updatedAt })
    .from(roomCheckpoints)
    .where(inArray(roomCheckpoints.roomId, ids));

  for (const cp of checkpoints) out.set(cp.roomId, { parts: [cp.state], lastActivityAt: cp.updatedAt });
  for (const tail of tails) {
    const entry = out.get(tail.roomId) ?? { parts: [], lastActivityAt: null };
    entry.parts.push(...splitLengthPrefixed(tail.blob));
    const newest = tail.newest;
    if (!entry.lastActivityAt || newest > entry.lastActivityAt) entry.lastActivityAt = newest;
    out.set(tail.roomId, entry);
  }
  return out;
}
