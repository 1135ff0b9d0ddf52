/**
 * Past states of one room, fetched once per point and kept as ready docs, so scrubbing the
 * timeline back and forth costs a fetch and a decode only the first time a point is shown;
 * the neighbours are fetched and decoded ahead, while the reader looks at the current one.
 * Bounded: the least recently used go first (dropped, never destroyed: one may be on screen).
 */
import * as Y from 'yjs';
import type { PastState } from './api.ts';

export interface PastDoc {
  doc: Y.Doc;
  /** The time the state stands for, as the server resolved it. */
  at: string | null;
  /** Milliseconds spent decoding the update into the doc. */
  buildMs: number;
}

/** A fresh local doc holding a past state; never connected to anything. */
export function docFromUpdate(update: Uint8Array): Y.Doc {
  // gc off: nothing is ever deleted in a view, and a past doc is dropped whole.
  const doc = new Y.Doc({ gc: false });
  Y.applyUpdate(doc, update);
  return doc;
}

export class PastStates {
  readonly #load: (point: string) => Promise<PastState>;
  readonly #max: number;
  readonly #entries = new Map<string, Promise<PastDoc>>();

  constructor(load: (point: string) => Promise<PastState>, max = 32) {
    this.#load = load;
    this.#max = max;
  }

  /** The state at `point`; a failed fetch is forgotten so that asking again retries. */
  get(point: string): Promise<PastDoc> {
    const hit = this.#entries.get(point);
    if (hit) {
      // Re-insert: Map keeps insertion order, so this makes it the most recently used.
      this.#entries.delete(point);
      this.#entries.set(point, hit);
      return hit;
    }
    const entry = this.#load(point).then(({ update, at }) => {
      const t0 = performance.now();
      const doc = docFromUpdate(update);
      return { doc, at, buildMs: performance.now() - t0 };
    });
    entry.catch(() => {
      if (this.#entries.get(point) === entry) this.#entries.delete(point);
    });
    this.#entries.set(point, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return entry;
  }

  /** Whether `point` is fetched (or being fetched) already. */
  has(point: string): boolean {
    return this.#entries.has(point);
  }

  /** Starts fetching points not held yet, without waiting; errors surface when they are shown. */
  prefetch(points: readonly string[]): void {
    for (const p of points) if (!this.#entries.has(p)) this.get(p).catch(() => undefined);
  }

  clear(): void {
    this.#entries.clear();
  }
}
