/**
 * The browser's local copies of rooms: y-indexeddb keeps each open room's doc in an IndexedDB
 * database so offline edits survive a closed tab. They hold the room's content, so signing out
 * deletes them: the next person on a shared computer must not be able to read them.
 */

const PREFIX = 'menteo:';

/** The IndexedDB database y-indexeddb uses for a room's doc. */
export function localCopyName(roomId: string): string {
  return `${PREFIX}${roomId}`;
}

export interface ClearResult {
  /** Names of the databases deleted. */
  deleted: string[];
  /** False when the browser cannot list its databases (indexedDB.databases() is missing). */
  supported: boolean;
}

/**
 * Deletes every room copy (`menteo:<roomId>`, private docs `menteo:<roomId>~private~<userId>` too).
 * A room still open in this tab does not hold this up: y-indexeddb closes its connection when
 * asked to (versionchange). Should a connection stay open anyway, IndexedDB finishes the
 * deletion once it closes, so callers must not make closing a room wait for this promise.
 */
export async function clearLocalRoomCopies(factory: IDBFactory | undefined = globalThis.indexedDB): Promise<ClearResult> {
  if (!factory || typeof factory.databases !== 'function') {
    console.warn('this browser cannot list its IndexedDB databases; local room copies were not deleted');
    return { deleted: [], supported: false };
  }
  const names = (await factory.databases())
    .map((d) => d.name)
    .filter((name): name is string => typeof name === 'string' && name.startsWith(PREFIX));
  await Promise.all(names.map((name) => deleteDatabase(factory, name)));
  return { deleted: names, supported: true };
}

function deleteDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = factory.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete IndexedDB database ${name}`));
  });
}
