import type { RoomUpdateInput } from '@menteo/db';
import type { Logger } from '../logger.ts';

/**
 * The durable update log: every update a connection makes is appended here and committed
 * to Postgres by a group-commit writer — one multi-row INSERT per window. Up to
 * `maxInFlight` INSERTs run at once, but a doc is in at most one of them, so each doc's rows
 * commit in the order they were appended (its acks and its log stay in order) while a slow
 * INSERT no longer holds up every other room. When Postgres fails a batch its rows go back
 * to the front and are retried with backoff; live editing is not affected, only acks (and
 * readiness) are.
 */
export interface UpdateLog {
  /**
   * Queues a row and returns its sequence number: unique in this log, increasing in append
   * order, and handed back with the row when it commits (onCommitted), so the appender can
   * match commits to what it appended by a number the types show.
   */
  append(docName: string, update: Uint8Array, authorId: string | null): number;
  /** Resolves once everything appended for `docName` (or for every doc) so far is committed. */
  flush(docName?: string): Promise<void>;
  pending(): number;
  /** At the memory bound: refuse new writers. */
  isFull(): boolean;
  /** Twice the bound: close writers too, rather than exhaust memory. */
  isOverloaded(): boolean;
  /** False from a failed commit until the next successful one. */
  isHealthy(): boolean;
  /** After a commit, per doc: its rows' updates and their sequence numbers, in append order. */
  onCommitted(listener: CommittedListener): () => void;
  /** Stops the writer after flushing, waiting at most `timeoutMs` (what is left is reported). */
  close(timeoutMs: number): Promise<void>;
}

export type CommittedListener = (docName: string, updates: Uint8Array[], seqs: number[]) => void;

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
  /** INSERTs running at once (each on its own pooled connection). */
  maxInFlight?: number;
  /** Rows per INSERT. */
  maxBatchRows?: number;
  maxBatchBytes?: number;
}

interface Item extends RoomUpdateInput {
  seq: number;
  state: 'queued' | 'writing' | 'done';
}

interface Waiter {
  /** The doc whose rows so far must be committed, or null for every doc. */
  docName: string | null;
  /** For a doc: its appended-count target; for every doc: the seq target. */
  target: number;
  resolve: () => void;
}

/** Per doc with uncommitted rows: how many were appended and committed (commits are in append order). */
interface DocCount {
  appended: number;
  committed: number;
  /** The batch its rows are being written in (0: none). */
  writingIn: number;
}

const MAX_BACKOFF_MS = 5000;

export function createUpdateLog(deps: UpdateLogDeps): UpdateLog {
  const maxRows = deps.maxBatchRows ?? 1000;
  const maxBytes = deps.maxBatchBytes ?? 8 * 1024 * 1024;
  const maxInFlight = deps.maxInFlight ?? 2;
  // Append order, as array + head index: shift() on a 100,000-item array is O(n) per call.
  // Items before `head` are all done; items after it may be done out of order (other docs).
  // Slots before `head` are emptied: a done row must not stay reachable for the ~1,000 appends
  // until the next slice, or it outlives two scavenges and is promoted as old-space garbage.
  let queue: Array<Item | null> = [];
  let head = 0;
  let seq = 0;
  /** Items neither written nor being written. */
  let queued = 0;
  /** Items appended and not yet committed. */
  let uncommitted = 0;
  let inFlight = 0;
  let batches = 0;
  const docs = new Map<string, DocCount>();
  let waiters: Waiter[] = [];
  const listeners = new Set<CommittedListener>();
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  let retryAt = 0;
  let healthy = true;
  let closed = false;

  const pending = () => uncommitted;
  /** Every seq up to this is committed. */
  const watermark = () => (head < queue.length ? queue[head]!.seq - 1 : seq);

  function schedule(delayMs: number): void {
    if (timer || closed || queued === 0 || inFlight >= maxInFlight) return;
    timer = setTimeout(run, Math.max(delayMs, retryAt - Date.now()));
  }

  function run(): void {
    timer = null;
    // Backing off after a failure: wait for the retry time (schedule counts it in).
    if (Date.now() < retryAt) return schedule(0);
    while (inFlight < maxInFlight && queued > 0) {
      const batch = takeBatch();
      if (batch.length === 0) break; // every queued doc is already being written
      write(batch);
    }
  }

  /** The oldest queued rows of docs not being written, in append order. */
  function takeBatch(): Item[] {
    const batch: Item[] = [];
    const skipped = new Set<string>();
    const id = ++batches;
    let bytes = 0;
    for (let i = head; i < queue.length && batch.length < maxRows; i++) {
      const item = queue[i]!;
      if (item.state !== 'queued' || skipped.has(item.roomId)) continue;
      const doc = docs.get(item.roomId)!;
      if (doc.writingIn !== 0 && doc.writingIn !== id) {
        // Its earlier rows are in another INSERT: its later ones wait, so they commit after.
        skipped.add(item.roomId);
        continue;
      }
      if (batch.length > 0 && bytes + item.data.byteLength > maxBytes) break;
      item.state = 'writing';
      doc.writingIn = id;
      batch.push(item);
      bytes += item.data.byteLength;
    }
    queued -= batch.length;
    return batch;
  }

  function write(batch: Item[]): void {
    inFlight++;
    const started = performance.now();
    deps.write(batch.map(({ roomId, data, authorId }) => ({ roomId, data, authorId }))).then(
      () => committed(batch, (performance.now() - started) / 1000),
      (err: unknown) => failed(batch, err),
    );
  }

  function committed(batch: Item[], seconds: number): void {
    inFlight--;
    if (!healthy) deps.logger.info({ pending: pending(), failures }, 'update log reaches Postgres again; draining');
    healthy = true;
    failures = 0;
    retryAt = 0;
    // Per doc, its updates then their seqs: two arrays per doc per batch, nothing per row.
    const byDoc = new Map<string, { updates: Uint8Array[]; seqs: number[] }>();
    for (const item of batch) {
      item.state = 'done';
      const rows = byDoc.get(item.roomId);
      if (rows) {
        rows.updates.push(item.data);
        rows.seqs.push(item.seq);
      } else byDoc.set(item.roomId, { updates: [item.data], seqs: [item.seq] });
    }
    for (const [docName, rows] of byDoc) {
      const doc = docs.get(docName)!;
      doc.committed += rows.updates.length;
      doc.writingIn = 0;
    }
    uncommitted -= batch.length;
    while (head < queue.length && queue[head]!.state === 'done') queue[head++] = null;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    deps.observer.batch(batch.length, seconds);
    deps.observer.queueDepth(pending());
    resolveWaiters();
    for (const [docName, rows] of byDoc) {
      const doc = docs.get(docName)!;
      if (doc.committed === doc.appended) docs.delete(docName);
      for (const listener of listeners) {
        try {
          listener(docName, rows.updates, rows.seqs);
        } catch (err) {
          deps.logger.error({ err, docName }, 'a committed-listener threw');
        }
      }
    }
    // What arrived during the INSERT has waited for at least its duration: commit it now.
    schedule(0);
  }

  function failed(batch: Item[], err: unknown): void {
    inFlight--;
    for (const item of batch) {
      item.state = 'queued';
      docs.get(item.roomId)!.writingIn = 0;
    }
    queued += batch.length;
    failures++;
    const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 10)) * (0.75 + Math.random() * 0.5);
    if (healthy || failures % 20 === 0) {
      deps.logger.error({ err, rows: batch.length, pending: pending(), failures, retryInMs: Math.round(delay) }, 'update log commit failed; retrying');
    }
    healthy = false;
    retryAt = Date.now() + delay;
    schedule(delay);
  }

  function resolveWaiters(): void {
    if (waiters.length === 0) return;
    const mark = watermark();
    const done = (w: Waiter) => {
      if (w.docName === null) return w.target <= mark;
      const doc = docs.get(w.docName);
      return !doc || doc.committed >= w.target;
    };
    const ready = waiters.filter(done);
    if (ready.length === 0) return;
    waiters = waiters.filter((w) => !done(w));
    for (const w of ready) w.resolve();
  }

  function flushAll(): Promise<void> {
    const target = seq;
    if (target <= watermark()) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ docName: null, target, resolve }));
  }

  return {
    append(docName, data, authorId) {
      queue.push({ roomId: docName, data, authorId, seq: ++seq, state: 'queued' });
      queued++;
      uncommitted++;
      const doc = docs.get(docName);
      if (doc) doc.appended++;
      else docs.set(docName, { appended: 1, committed: 0, writingIn: 0 });
      deps.observer.queueDepth(uncommitted);
      schedule(deps.commitWindowMs);
      return seq;
    },
    flush(docName) {
      if (docName === undefined) return flushAll();
      const doc = docs.get(docName);
      if (!doc) return Promise.resolve();
      const target = doc.appended;
      return new Promise((resolve) => waiters.push({ docName, target, resolve }));
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
      const lost = await Promise.race([flushAll().then(() => false), gaveUp]);
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
