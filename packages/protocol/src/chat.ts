import { z } from 'zod';
import type { ErrorCode } from './errors.ts';
import { Id } from './ids.ts';

/** Messages per page: the panel opens with the newest page, "load older" fetches the next. */
export const CHAT_PAGE_SIZE = 50;

/**
 * A message's length as the limit counts it: in characters (code points), so an emoji counts
 * once, the same in the browser's counter and on the server.
 */
export function chatLength(body: string): number {
  let n = 0;
  for (const _ of body) n++;
  return n;
}

/** A committed chat message, as the REST page and the `chat:message` event carry it. */
export interface ChatMessage {
  /** Increasing within a room; the "load older" cursor. */
  id: number;
  roomId: Id;
  authorId: Id;
  authorName: string;
  /** Plain text; clients show it as text (links made clickable), never as HTML. */
  body: string;
  createdAt: string;
  /** The meeting open when it was committed, or null. */
  meetingId: Id | null;
  /** The sender's own id for the message (chat:send), so its tab can match the echo; null from REST. */
  clientId: string | null;
}

/**
 * `chat:send`. The body's limit is the server's (CHAT_MAX_CHARS); this schema only bounds what
 * is parsed at all. `clientId` is the sender's id for the pending message.
 */
export const ChatSendPayload = z.strictObject({
  roomId: Id,
  body: z.string().max(100_000),
  clientId: z.string().min(1).max(64),
});
export type ChatSendPayload = z.infer<typeof ChatSendPayload>;

/**
 * The answer to `chat:send`, sent only once the message is committed in Postgres ("sent").
 * A refusal stores nothing; `retryAfterSeconds` comes with `rate_limited`.
 */
export type ChatSendAck =
  | { ok: true; message: ChatMessage }
  | { ok: false; code: ErrorCode; message: string; retryAfterSeconds?: number };

/** GET /api/rooms/:id/chat?before=<id> */
export const ChatPageQuery = z.object({
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});
export type ChatPageQuery = z.infer<typeof ChatPageQuery>;

/** Newest first; `nextBefore` is the cursor for the next (older) page, null when there is none. */
export interface ChatPage {
  messages: ChatMessage[];
  nextBefore: number | null;
  /** The server's CHAT_MAX_CHARS, so a client can count down before sending. */
  maxChars: number;
}

export interface ChatServerEvents {
  /** A message committed in a room the socket joined (the sender's tabs get it too). */
  'chat:message': (message: ChatMessage) => void;
}

export interface ChatClientEvents {
  'chat:send': (payload: ChatSendPayload, ack: (res: ChatSendAck) => void) => void;
}
