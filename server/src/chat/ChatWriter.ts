import type { ChatMessageCommitted, ChatMessageInput } from '@menteo/db';
import type { Logger } from '../logger.ts';

/**
 * The chat's group commit, the update log's (persistence/UpdateLog.ts) smaller sibling:
 * messages queue for one window (COMMIT_WINDOW_MS), then go to Postgres in one multi-row
 * INSERT, and each `write` resolves only once its row is committed — what the sender's
 * "sent" means, and why every message shown as sent survives `kill -9` of the node.
 *
 * One INSERT at a time, in queue order, so a room's messages commit (and get ids) in the
 * order they were sent here. When Postgres fails, the batch goes back to the front and is
 * retried with backoff; the senders keep waiting ("sending…"). At `maxPending` queued
 * messages new ones are refused at once rather than held without bound.
 */
export interface ChatWriter {
  /** Resolves with the committed row; rejects with ChatWriterFull at the bound, or ChatWriterClosed. */
  write(message: ChatMessageInput): Promise<ChatMessageCommitted>;
  /** Messages queued or being written. */
  pending(): number;
  /** False from a failed commit until the next successful one. */
  isHealthy(): boolean;
  /** Resolves once everything written so far is committed. */
  flush(): Promise<void>;
  /** Flushes (waiting at most `timeoutMs`), then refuses new writes; what is left is rejected. */
  close(timeoutMs: number): Promise<void>;
}

export interface ChatWriterDeps {
  insert(rows: ChatMessageInput[]): Promise<ChatMessageCommitted[]>;
  commitWindowMs: number;
  maxPending: number;
  logger: Logger;
  maxBatchRows?: number;
  /** Each committed batch: its size and how long the INSERT took. */
  observe?(rows: number, seconds: number): void;
}

export class ChatWriterFull extends Error {}
export class ChatWriterClosed extends Error {}

interface Item {
  input: ChatMessageInput;
  resolve: (row: ChatMessageCommitted) => void;
  reject: (err: Error) => void;
}

const MAX_BACKOFF_MS = 5000;

export function createChatWriter(deps: ChatWriterDeps): ChatWriter {
  const maxRows = deps.maxBatchRows ?? 500;
  let queue: Item[] = [];
  let writing: Item[] = [];
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  let healthy = true;
  let closed = false;
  let idle: Array<() => void> = [];

  const pending = () => queue.length + writing.length;

  function schedule(delayMs: number): void {
    if (timer || writing.length > 0 || queue.length === 0) return;
    timer = setTimeout(run, delayMs);
  }

  function run(): void {
    timer = null;
    if (writing.length > 0 || queue.length === 0) return;
    writing = queue.length <= maxRows ? queue : queue.slice(0, maxRows);
    queue = queue.length <= maxRows ? [] : queue.slice(maxRows);
    const batch = writing;
    const started = performance.now();
    deps.insert(batch.map((item) => item.input)).then(
      (rows) => committed(batch, rows, (performance.now() - started) / 1000),
      (err: unknown) => failed(batch, err),
    );
  }

  function committed(batch: Item[], rows: ChatMessageCommitted[], seconds: number): void {
    writing = [];
    if (!healthy) deps.logger.info({ pending: pending(), failures }, 'chat reaches Postgres again; draining');
    healthy = true;
    failures = 0;
    deps.observe?.(batch.length, seconds);
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(rows[i]!);
    // What arrived during the INSERT has waited at least its duration: commit it now.
    schedule(0);
    settle();
  }

  function failed(batch: Item[], err: unknown): void {
    writing = [];
    queue = batch.concat(queue);
    failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 10)) * (0.75 + Math.random() * 0.5);
    if (healthy || failures % 20 === 0) {
      deps.logger.error({ err, rows: batch.length, pending: pending(), failures, retryInMs: Math.round(delay) }, 'chat commit failed; retrying');
    }
    healthy = false;
    schedule(delay);
  }

  function settle(): void {
    if (pending() > 0 || idle.length === 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  }

  const flush = () => (pending() === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve)));

  return {
    write(input) {
      if (closed) return Promise.reject(new ChatWriterClosed('the chat writer is closed'));
      if (pending() >= deps.maxPending) return Promise.reject(new ChatWriterFull('too many chat messages waiting for the database'));
      return new Promise((resolve, reject) => {
        queue.push({ input, resolve, reject });
        schedule(deps.commitWindowMs);
      });
    },
    pending,
    isHealthy: () => healthy,
    flush,
    async close(timeoutMs) {
      closed = true;
      let t: NodeJS.Timeout | undefined;
      await Promise.race([flush(), new Promise((r) => (t = setTimeout(r, timeoutMs)))]);
      clearTimeout(t);
      if (timer) clearTimeout(timer);
      timer = null;
      if (queue.length > 0) deps.logger.error({ left: queue.length }, 'chat writer closed with messages not committed');
      const left = queue;
      queue = [];
      for (const item of left) item.reject(new ChatWriterClosed('the server is shutting down'));
      settle();
    },
  };
}
