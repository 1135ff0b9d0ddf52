import type * as Y from 'yjs';
import {
  docsWithHistoryBefore,
  historySize,
  loadRoomAsOf,
  pruneRoomHistory,
  readRoomHistory,
  type Db,
  type HistoryRow,
  type HistorySize,
} from '@menteo/db';
import { docFromStored, foldStored } from '@menteo/room-doc';
import type { Logger } from '../logger.ts';

/**
 * A doc's past, read from Postgres (kept history + the log tail), never from one node's memory:
 * what the timeline, compare and meeting views build on. Storage roles stay separate (STYLE
 * rule 15): serving a room reads the checkpoint and a short tail; this reads history.
 */
export interface HistoryStore {
  /** Rows whose time span meets [from, to], oldest first, with author, times and merged-row count. */
  range(docName: string, from: Date, to: Date): Promise<HistoryRow[]>;
  /**
   * The doc as it was at `at` (the caller destroys it), or null when `at` precedes the kept
   * history (a room compacted before history was kept, or pruned by HISTORY_RETENTION_DAYS).
   * Exact whenever `at` falls in a pause of at least HISTORY_MERGE_WINDOW_S or between two
   * authors' edits; otherwise the run of edits still going at `at` is left out whole.
   */
  asOf(docName: string, at: Date): Promise<Y.Doc | null>;
  /** Rows, merged log rows and bytes kept, for one doc or all. */
  size(docName?: string): Promise<HistorySize>;
  /** Folds every doc's history that ended before `before` into one baseline row per doc. */
  prune(before: Date): Promise<number>;
}

export function createHistoryStore(db: Db, logger: Logger): HistoryStore {
  return {
    range: (docName, from, to) => readRoomHistory(db, docName, from, to),
    async asOf(docName, at) {
      const stored = await loadRoomAsOf(db, docName, at);
      if (!stored.known) return null;
      const { doc, skipped } = docFromStored(stored.parts);
      if (skipped > 0) logger.error({ docName, skipped }, 'history skipped stored updates that do not decode');
      return doc;
    },
    size: (docName) => historySize(db, docName),
    async prune(before) {
      let removed = 0;
      for (const docName of await docsWithHistoryBefore(db, before)) {
        removed += await pruneRoomHistory(db, docName, before, foldStored);
      }
      return removed;
    },
  };
}

/** How often a node prunes history past HISTORY_RETENTION_DAYS. Every node does; pruning twice is a no-op. */
const PRUNE_EVERY_MS = 3_600_000;

/** Prunes history older than `retentionDays` now and then every hour; returns the stop function. */
export function startHistoryPruner(history: HistoryStore, retentionDays: number, logger: Logger): () => void {
  const run = () => {
    const before = new Date(Date.now() - retentionDays * 86_400_000);
    history.prune(before).then(
      (removed) => {
        if (removed > 0) logger.info({ removed, before }, 'pruned room history past the retention');
      },
      (err: unknown) => logger.error({ err }, 'pruning room history failed; retried in an hour'),
    );
  };
  const timer = setInterval(run, PRUNE_EVERY_MS);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
