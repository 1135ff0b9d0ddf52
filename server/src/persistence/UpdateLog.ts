import type { RoomUpdateInput } from '@menteo/db';
import type { Logger } from '../logger.ts';

/**
 * The durable update log: every update a connection makes is appended here and committed
 * to Postgres by a group-commit writer — one multi-row INSERT per window, one INSERT in
 * flight at a time, so rows commit in the order they were appended. When Postgres fails the
 * batch stays at the head of the queue and is retried with backoff; live editing is not
 * affected, only acks (and readiness) are.
 */
export interface UpdateLog {
  append(docName: string, update: Uint8Array, authorId: string | null): void;
  /** Resolves once everything appended for `docName` (or for every doc) so far is committed. */
  flush(docName?: string): Promise<void>;
  pending(): number;
  /** At the memory bound: refuse new writers. */
  isFull(): boolean;
  /** Twice the bound: close writers too, rather than exhaust memory. */
  isOverloaded(): boolean;
  /** False from a failed commit until the next successful one. */
  isHealthy(): boolean;
  onCommitted(listener: (docName: string, updates: Uint8Array[]) => void): () => void;
  /** Stops the writer after flushing, waiting at most `timeoutMs` (what is left is reported). */
  close(timeoutMs: number): Promise<void>;
}

export interface UpdateLogObserver {
  batch(rows: number, seconds: number): void;
  queueDepth(n: number): void;
}

export interface UpdateLogDeps {
  write(rows: RoomUpdateInput[]): Promise<void>;
  commitWindowMs: number;
  maxPending: number;
  observer: UpdateLogObserver;
  logger: Logger;
  /** Rows per INSERT; 3 parameters each keeps far below Postgres' 65,535. */
  maxBatchRows?: number;
  maxBatchBytes?: number;
}

interface Item extends RoomUpdateInput {
  seq: number;
}

interface Waiter {
  seq: number;
  resolve: () => void;
}

const MAX_BACKOFF_MS = 5000;

export function createUpdateLog(deps: UpdateLogDeps): UpdateLog {
  const maxRows = deps.maxBatchRows ?? 1000;
  const maxBytes = deps.maxBatchBytes ?? 8 * 1024 * 1024;
  // A queue as array + head index: shift() on a 100,000-item array is O(n) per call.
  let queue: Item[] = [];
  let head = 0;
  let seq = 0;
  let committedSeq = 0;
  const lastSeqByDoc = new Map<string, number>();
  let waiters: Waiter[] = [];
  const listeners = new Set<(docName: string, updates: Uint8Array[]) => void>();
  let timer: NodeJS.Timeout | null = null;
  let inFlight = false;
  let failures = 0;
  let healthy = true;
  let closed = false;

  const pending = () => queue.length - head;

  function schedule(delayMs: number): void {
    if (timer || inFlight || closed || pending() === 0) return;
    timer = setTimeout(run, delayMs);
  }

  function run(): void {
    timer = null;
    if (inFlight || pending() === 0) return;
    const batch: Item[] = [];
    let bytes = 0;
    for (let i = head; i < queue.length && batch.length < maxRows; i++) {
      const item = queue[i]!;
      if (batch.length > 0 && bytes + item.data.byteLength > maxBytes) break;
      batch.push(item);
      bytes += item.data.byteLength;
    }
    inFlight = true;
    const started = performance.now();
    deps.write(batch.map(({ roomId, data, authorId }) => ({ roomId, data, authorId }))).then(
      () => committed(batch, (performance.now() - started) / 1000),
      (err: unknown) => failed(batch.length, err),
    );
  }

  function committed(batch: Item[], seconds: number): void {
    inFlight = false;
    if (!healthy) deps.logger.info({ pending: pending(), failures }, 'update log reaches Postgres again; draining');
    healthy = true;
    failures = 0;
    head += batch.length;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    committedSeq = batch[batch.length - 1]!.seq;
    deps.observer.batch(batch.length, seconds);
    deps.observer.queueDepth(pending());
    const byDoc = new Map<string, Uint8Array[]>();
    for (const item of batch) {
      const list = byDoc.get(item.roomId);
      if (list) list.push(item.data);
      else byDoc.set(item.roomId, [item.data]);
      if (lastSeqByDoc.get(item.roomId) === item.seq) lastSeqByDoc.delete(item.roomId);
    }
    if (waiters.length > 0) {
      const done = waiters.filter((w) => w.seq <= committedSeq);
      waiters = waiters.filter((w) => w.seq > committedSeq);
      for (const w of done) w.resolve();
    }
    for (const [docName, updates] of byDoc) {
      for (const listener of listeners) {
        try {
          listener(docName, updates);
        } catch (err) {
          deps.logger.error({ err, docName }, 'a committed-listener threw');
        }
      }
    }
    // What arrived during the INSERT has waited for at least its duration: commit it now.
    schedule(0);
  }

  function failed(rows: number, err: unknown): void {
    inFlight = false;
    failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 10)) * (0.75 + Math.random() * 0.5);
    if (healthy || failures % 20 === 0) {
      deps.logger.error({ err, rows, pending: pending(), failures, retryInMs: Math.round(delay) }, 'update log commit failed; retrying');
    }
    healthy = false;
    if (!closed) timer = setTimeout(run, delay);
  }

  function flushTo(target: number): Promise<void> {
    if (target <= committedSeq) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ seq: target, resolve }));
  }

  return {
    append(docName, data, authorId) {
      queue.push({ roomId: docName, data, authorId, seq: ++seq });
      lastSeqByDoc.set(docName, seq);
      deps.observer.queueDepth(pending());
      schedule(deps.commitWindowMs);
    },
    flush(docName) {
      if (docName === undefined) return flushTo(seq);
      return flushTo(lastSeqByDoc.get(docName) ?? 0);
    },
    pending,
    isFull: () => pending() >= deps.maxPending,
    isOverloaded: () => pending() >= 2 * deps.maxPending,
    isHealthy: () => healthy,
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(timeoutMs) {
      let timeout: NodeJS.Timeout | null = null;
      const gaveUp = new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(true), timeoutMs);
      });
      const lost = await Promise.race([flushTo(seq).then(() => false), gaveUp]);
      if (timeout) clearTimeout(timeout);
      if (lost) deps.logger.error({ pending: pending() }, 'update log closed with uncommitted updates');
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const w of waiters) w.resolve();
      waiters = [];
    },
  };
}
