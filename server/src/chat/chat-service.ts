import { Counter, Histogram } from 'prom-client';
import { CHAT_PAGE_SIZE, chatLength, ErrorCode, type ChatMessage, type ChatPage } from '@menteo/protocol';
import { insertChatMessages, listChatMessages, type ChatMessageRow } from '@menteo/db';
import type { AppContext } from '../context.ts';
import type { MemberRoom } from '../membership/rooms-service.ts';
import { ServiceError } from '../service-error.ts';
import { ChatWriterClosed, ChatWriterFull, createChatWriter } from './ChatWriter.ts';
import { ChatRateLimiter } from './rate-limit.ts';

/** Someone the transport has checked to be a member of `roomId` (socket.data.rooms). */
export interface ChatSender {
  userId: string;
  displayName: string;
  roomId: string;
}

export interface ChatService {
  /**
   * Stores a message and resolves once it is committed (the sender's "sent"). Refusals store
   * nothing: `invalid` (empty, or longer than CHAT_MAX_CHARS), `rate_limited` (over
   * CHAT_BURST / CHAT_PER_MINUTE, with retryAfterSeconds), `unavailable` (the commit queue
   * is full because Postgres is away).
   */
  send(sender: ChatSender, body: string, clientId: string | null): Promise<ChatMessage>;
  /** The newest CHAT_PAGE_SIZE messages, or those older than the message `before`. */
  page(room: MemberRoom, before?: number): Promise<ChatPage>;
  /** Messages waiting to be committed (readiness, tests). */
  pending(): number;
  isHealthy(): boolean;
  /** Commits what is queued (at most `timeoutMs`), then refuses new messages. */
  close(timeoutMs?: number): Promise<void>;
}

/** Queued messages before new ones are refused while Postgres is away. */
const MAX_PENDING_MESSAGES = 10_000;
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * A room's chat: plain text, persisted before anyone is told it was sent (ChatWriter), in
 * pages of CHAT_PAGE_SIZE by an id cursor. Delivery to the room's sockets is the transport's
 * (socketio/chat.ts), after `send` resolves.
 */
export function createChatService(ctx: AppContext): ChatService {
  const { config } = ctx;
  const db = ctx.db.db;
  const batches = new Histogram({
    name: 'menteo_chat_commit_seconds',
    help: 'Duration of a chat group-commit INSERT',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [ctx.metrics],
  });
  const refused = new Counter({
    name: 'menteo_chat_refused_total',
    help: 'Chat messages refused, by reason',
    labelNames: ['reason'] as const,
    registers: [ctx.metrics],
  });
  const writer = createChatWriter({
    insert: (rows) => insertChatMessages(db, rows),
    commitWindowMs: config.log.commitWindowMs,
    maxPending: MAX_PENDING_MESSAGES,
    logger: ctx.logger.child({ part: 'chat' }),
    observe: (_rows, seconds) => batches.observe(seconds),
  });
  const limiter = new ChatRateLimiter({ burst: config.chat.burst, perMinute: config.chat.perMinute });

  const refuse = (reason: string, err: ServiceError): never => {
    refused.inc({ reason });
    throw err;
  };

  return {
    async send(sender, rawBody, clientId) {
      // Trailing blank lines and spaces are noise; leading indentation may be meant (code).
      // Postgres text cannot hold NUL, which no one types: it is dropped.
      const body = rawBody.replaceAll('\u0000', '').trimEnd();
      if (body.trim() === '') refuse('empty', new ServiceError('invalid', ErrorCode.Validation, 'Type a message first.'));
      const length = chatLength(body);
      if (length > config.chat.maxChars) {
        refuse(
          'too_long',
          new ServiceError(
            'invalid',
            ErrorCode.PayloadTooLarge,
            `Messages are at most ${config.chat.maxChars} characters; this one has ${length}.`,
          ),
        );
      }
      const wait = limiter.take(`${sender.userId}:${sender.roomId}`);
      if (wait) {
        refuse(
          'rate_limited',
          new ServiceError(
            'rate_limited',
            ErrorCode.RateLimited,
            `You're sending messages too fast; wait ${wait.retryAfterSeconds} s.`,
            wait.retryAfterSeconds,
          ),
        );
      }
      try {
        const row = await writer.write({ roomId: sender.roomId, authorId: sender.userId, body });
        return {
          id: row.id,
          roomId: sender.roomId,
          authorId: sender.userId,
          authorName: sender.displayName,
          body,
          createdAt: row.createdAt.toISOString(),
          meetingId: row.meetingId,
          clientId,
        };
      } catch (err) {
        if (err instanceof ChatWriterFull || err instanceof ChatWriterClosed) {
          return refuse('unavailable', new ServiceError('unavailable', ErrorCode.Unavailable, 'Chat is unavailable right now; try again shortly.', 5));
        }
        throw err;
      }
    },
    async page(room, before) {
      // One more than a page: whether there is an older page is known without another query.
      const rows = await listChatMessages(db, room.id, { before, limit: CHAT_PAGE_SIZE + 1 });
      const messages = rows.slice(0, CHAT_PAGE_SIZE).map(toMessage);
      return { messages, nextBefore: rows.length > CHAT_PAGE_SIZE ? (messages.at(-1)?.id ?? null) : null, maxChars: config.chat.maxChars };
    },
    pending: () => writer.pending(),
    isHealthy: () => writer.isHealthy(),
    close: (timeoutMs = CLOSE_TIMEOUT_MS) => writer.close(timeoutMs),
  };
}

const toMessage = (row: ChatMessageRow): ChatMessage => ({
  id: row.id,
  roomId: row.roomId,
  authorId: row.authorId,
  authorName: row.authorName,
  body: row.body,
  createdAt: row.createdAt.toISOString(),
  meetingId: row.meetingId,
  clientId: null,
});
