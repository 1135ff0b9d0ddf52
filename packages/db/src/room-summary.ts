import type { Db } from './client.ts';
import { loadStoredDocs } from './room-log.ts';

/** What is stored of one room's shared doc, for read-only derivations (lists, figures). */
export interface StoredRoomDoc {
  /** Checkpoint first (if any), then the log tail in id order. Apply them all to an empty doc. */
  parts: Uint8Array[];
  /** The newest log row's created_at or the checkpoint's updated_at, whichever is later; null if neither. */
  lastActivityAt: Date | null;
}

/**
 * The stored shared docs of many rooms in one statement, whatever the number of rooms: a room
 * list must not cost a round trip per room. Doc names are exact room ids, so a member's
 * private doc (`<roomId>~private~<userId>`) is never read here. The tail is bounded by compaction,
 * which folds a long or idle log into the checkpoint.
 */
export async function loadRoomDocs(db: Db, roomIds: readonly string[]): Promise<Map<string, StoredRoomDoc>> {
  const out = new Map<string, StoredRoomDoc>();
  for (const [name, doc] of await loadStoredDocs(db, roomIds)) {
    out.set(name, { parts: doc.checkpoint ? [doc.checkpoint, ...doc.updates] : doc.updates, lastActivityAt: doc.lastActivityAt });
  }
  return out;
}
