import * as Y from 'yjs';
import { compactRoomLog, loadRoomState, type Db } from '@menteo/db';
import type { RoomStore } from '../rooms/RoomRegistry.ts';

/** An empty doc as an update: the placeholder checkpoint a first compaction locks. */
const EMPTY_STATE = Y.encodeStateAsUpdate(new Y.Doc());

/** Rooms in Postgres: checkpoint + log tail (room_checkpoints, room_updates). */
export function createRoomStore(db: Db): RoomStore {
  return {
    async load(docName) {
      const { checkpoint, updates } = await loadRoomState(db, docName);
      const parts = checkpoint ? [checkpoint, ...updates] : updates;
      // One merge and one apply: applying 10,000 small updates one by one is far slower.
      const state = parts.length === 0 ? null : parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
      return { state, tailLength: updates.length };
    },
    async compact(docName, inMemory) {
      // The in-memory doc is included: it may hold updates that reached this node only over
      // the bus from a node that died before committing them.
      return compactRoomLog(db, docName, EMPTY_STATE, (checkpoint, rows) =>
        Y.mergeUpdates(checkpoint ? [checkpoint, ...rows, inMemory] : [...rows, inMemory]),
      );
    },
  };
}
