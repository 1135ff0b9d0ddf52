/**
 * y-websocket message types. 0–3 are the standard y-protocols ones; 100 is Menteo's
 * opt-in "saved" ack (only sent to clients that connect with ?ack=1).
 */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  /** payload: varUint8Array = Y.encodeStateVector of what is committed in Postgres. */
  SavedAck: 100,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Path prefix of the y-websocket endpoint: ws(s)://HOST/yjs/<roomId>. */
export const YJS_PATH = '/yjs';
/** Marks a member's private doc: `<roomId>~private~<userId>` (legacy: `<roomId>~private`). */
export const PRIVATE_DOC_SUFFIX = '~private';
