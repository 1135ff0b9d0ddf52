import * as Y from 'yjs';
import { compactRoomLog, loadStoredDocs, type Db } from '@menteo/db';
import { foldStored } from '@menteo/room-doc';
import type { RoomStore } from '../rooms/RoomRegistry.ts';
import { batchLoader } from './batch-loader.ts';
import { keepsHistory, mergeHistory } from './history-merge.ts';

/** An empty doc as an update: the placeholder checkpoint a first compaction locks. */
const EMPTY_STATE = Y.encodeStateAsUpdate(new Y.Doc());

export interface RoomStoreOptions {
  /** Consecutive log rows of one author within this span are kept as one history row (HISTORY_MERGE_WINDOW_S). */
  historyMergeWindowMs: number;
}

/** Rooms in Postgres: checkpoint + log tail (room_checkpoints, room_updates), folded rows kept in room_history. */
export function createRoomStore(db: Db, options: RoomStoreOptions = { historyMergeWindowMs: 60_000 }): RoomStore {
  // Rooms opened in the same turn (a reconnect storm) load in one query; 50 at most, as each brings its whole tail.
  const stored = batchLoader((names: readonly string[]) => loadStoredDocs(db, names), (name) => name, 50);
  return {
    async load(docName) {
      const doc = await stored(docName);
      const checkpoint = doc?.checkpoint ?? null;
      const updates = doc?.updates ?? [];
      return { parts: checkpoint ? [checkpoint, ...updates] : updates, tailLength: updates.length };
    },
    async compact(docName, inMemory) {
      // The in-memory doc is included: it may hold updates that reached this node only over
      // the bus from a node that died before committing them. Those reach the checkpoint but
      // not the history, which keeps logged rows only: the in-memory doc also holds this
      // node's and other nodes' updates still on their way to the log, which would be kept
      // twice (once unattributed) if its difference were kept.
      return compactRoomLog(
        db,
        docName,
        EMPTY_STATE,
        (checkpoint, rows) => foldUpdates(checkpoint ? [checkpoint, ...rows, inMemory] : [...rows, inMemory]),
        (rows) => (keepsHistory(docName) ? mergeHistory(rows, options.historyMergeWindowMs) : []),
      );
    },
  };
}

/** Stored updates folded into one (see @menteo/room-doc stored.ts). */
export function foldUpdates(updates: Uint8Array[]): Uint8Array {
  return foldStored(updates);
}

