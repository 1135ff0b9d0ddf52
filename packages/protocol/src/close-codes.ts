/**
 * Every code a socket (y-websocket or socket.io) can be closed or refused with.
 * One file, so server, client and tests agree (hocuspocus keeps its CloseEvents the same way).
 * 4xxx mirror the HTTP status a REST call would get for the same reason.
 */
export const CloseCode = {
  /** The peer sent a frame that does not decode as a y-websocket message or Yjs update. */
  BadMessage: 4400,
  /** No valid session cookie or room token. */
  Unauthenticated: 4401,
  /** Authenticated, but not a member of the room, or the Origin is not allowed. */
  Forbidden: 4403,
  /** The room does not exist (or is hidden from this caller). */
  NoSuchRoom: 4404,
  /** Applying the update would grow the document past the configured maximum. */
  RoomTooLarge: 4409,
  /** One frame larger than the configured maximum. */
  MessageTooLarge: 4413,
  /** More updates per second than the connection is allowed. */
  RateLimited: 4429,
  /** Standard "try again later": the node is overloaded or shutting down. */
  TryAgainLater: 1013,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Human-readable reasons sent with each close code (a close reason is capped at 123 bytes). */
export const closeReason: Record<CloseCode, string> = {
  [CloseCode.BadMessage]: 'bad message',
  [CloseCode.Unauthenticated]: 'unauthenticated',
  [CloseCode.Forbidden]: 'forbidden',
  [CloseCode.NoSuchRoom]: 'no such room',
  [CloseCode.RoomTooLarge]: 'room too large',
  [CloseCode.MessageTooLarge]: 'message too large',
  [CloseCode.RateLimited]: 'rate limited',
  [CloseCode.TryAgainLater]: 'try again later',
};
