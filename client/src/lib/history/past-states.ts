/**
 * Past states of one room, fetched once per point and kept as bytes, so scrubbing the
 * timeline back and forth costs a fetch only the first time a point is shown (and the
 * neighbours are fetched ahead). Bounded: the least recently used go first. The doc is built
 * when a state is shown (a few ms), so a kept state costs only its bytes.
 */
import * as Y from 'yjs';
import type { PastState } from './api.ts';

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
  readonly #entries = new Map<string, Promise<PastState>>();

  constructor(load: (point: string) => Promise<PastState>, max = 64) {
    this.#load = load;
    this.#max = max;
  }

  /** The state at `point`; a failed fetch is forgotten so that asking again retries. */
  get(point: string): Promise<PastState> {
    const hit = this.#entries.get(point);
    if (hit) {
      // Re-insert: Map keeps insertion order, so this makes it the most recently used.
      this.#entries.delete(point);
      this.#entries.set(point, hit);
      return hit;
    }
    const entry = this.#load(point);
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
