import { PRIVATE_DOC_SUFFIX } from './messages.ts';

/**
 * Names of the docs a client opens on `ws(s)://HOST/yjs/<docName>`.
 *
 * - `<roomId>`: the room's shared doc.
 * - `<roomId>~private~<userId>`: that member's private doc; only its owner may open it. The
 *   name differs per member so that y-websocket's BroadcastChannel (keyed by the doc name)
 *   and y-indexeddb never mix two accounts' private docs in one browser.
 * - `<roomId>~private`: the legacy name, still accepted; it means "my private doc" and reaches
 *   the same stored doc as the per-user name.
 */
export type DocName =
  | { kind: 'room'; roomId: string }
  /** `ownerId` is null for the legacy name (the caller's own private doc). */
  | { kind: 'private'; roomId: string; ownerId: string | null };

/** The per-user name of `userId`'s private doc in `roomId`. */
export function privateDocName(roomId: string, userId: string): string {
  return `${roomId}${PRIVATE_DOC_SUFFIX}~${userId}`;
}

/**
 * Splits a doc name. Ids are not checked here (the server's membership lookup refuses
 * unknown ones); a name with an empty part or with more parts than the forms above is null.
 */
export function parseDocName(name: string): DocName | null {
  const at = name.indexOf(PRIVATE_DOC_SUFFIX);
  if (at < 0) return name.length > 0 && !name.includes('~') ? { kind: 'room', roomId: name } : null;
  const roomId = name.slice(0, at);
  const rest = name.slice(at + PRIVATE_DOC_SUFFIX.length);
  if (roomId.length === 0 || roomId.includes('~')) return null;
  if (rest === '') return { kind: 'private', roomId, ownerId: null };
  if (!rest.startsWith('~')) return null;
  const ownerId = rest.slice(1);
  if (ownerId.length === 0 || ownerId.includes('~')) return null;
  return { kind: 'private', roomId, ownerId };
}

/** Where a doc is stored: private docs always under the per-user name, whichever name was used. */
export function storedDocName(doc: DocName, callerId: string): string {
  return doc.kind === 'room' ? doc.roomId : privateDocName(doc.roomId, doc.ownerId ?? callerId);
}
