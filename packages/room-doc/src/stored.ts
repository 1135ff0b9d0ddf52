import * as Y from 'yjs';

/**
 * Stored updates → a doc: the one fold every reader of stored docs uses (the room on load,
 * compaction, room summaries, history, tests).
 *
 * The updates are applied to the doc in one transaction, not merged with Y.mergeUpdates, which
 * took about 3 s for 10,000 one-character edits against 150 ms this way and keeps deleted
 * content that a doc garbage-collects. An update that no longer decodes is skipped whole and
 * counted: rows were validated before they were logged, and one corrupted on disk must not
 * make a room unopenable forever.
 */
export function applyStoredUpdates(doc: Y.Doc, parts: Iterable<Uint8Array>, origin: unknown): { skipped: number; bytes: number } {
  let skipped = 0;
  let bytes = 0;
  doc.transact(() => {
    for (const part of parts) {
      try {
        Y.applyUpdate(doc, part, origin);
        bytes += part.byteLength;
      } catch {
        skipped++;
      }
    }
  }, origin);
  return { skipped, bytes };
}

/** Origin of the transaction that builds a throwaway doc from stored updates. */
export const STORED_ORIGIN = 'stored';

/** A new doc made of stored updates (checkpoint first, then log rows). The caller destroys it. */
export function docFromStored(parts: Iterable<Uint8Array>): { doc: Y.Doc; skipped: number } {
  const doc = new Y.Doc({ gc: true });
  const { skipped } = applyStoredUpdates(doc, parts, STORED_ORIGIN);
  return { doc, skipped };
}

/** Stored updates folded into one (a checkpoint): docFromStored, encoded. */
export function foldStored(parts: Iterable<Uint8Array>): Uint8Array {
  const { doc } = docFromStored(parts);
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** A stored update with the time it was made (a merged history row counts at its last one). */
export interface TimedUpdate {
  data: Uint8Array;
  at: Date;
}

/**
 * The doc as it was at `at`: every stored update made by then, replayed. Yjs updates commute,
 * so the order does not matter; what matters is leaving out everything later.
 */
export function docAsOf(rows: Iterable<TimedUpdate>, at: Date): { doc: Y.Doc; skipped: number } {
  const until = at.getTime();
  const parts: Uint8Array[] = [];
  for (const row of rows) if (row.at.getTime() <= until) parts.push(row.data);
  return docFromStored(parts);
}
