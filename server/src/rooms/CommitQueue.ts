import type { Connection } from './Connection.ts';

/** What a room remembers of an update it handed to the log, until the log commits it. */
export interface PendingUpdate {
  /** [client, from, to] clock ranges the update covers. */
  ranges: number[];
  /** The connection to ack once it is committed (ack clients only), or null. */
  author: Connection | null;
}

/**
 * A room's updates handed to the log and not yet committed, in append order (the log commits
 * a doc's updates in that order, so a commit normally takes from the head).
 *
 * Its slots are reused rather than released: a room goes from one pending update to none about
 * once a second, and a Map emptied by delete allocates a new hash table each time (V8 shrinks
 * it). Each of those tables lived about a second, long enough to survive a scavenge: they were
 * a third of what the two-node benchmark's scavenges copied.
 */
export class CommitQueue {
  /**
   * Flat records [seq, ranges, author]; a taken record's seq slot is null. `seq` is the log's
   * sequence number of the update (UpdateLog.append), which its commit hands back: records
   * are matched by a number the types show, not by the identity of the update's bytes.
   */
  private slots: Array<number | number[] | Connection | null> = [];
  private head = 0;
  private tail = 0;

  get size(): number {
    let n = 0;
    for (let i = this.head; i < this.tail; i += 3) if (this.slots[i] !== null) n++;
    return n;
  }

  push(seq: number, ranges: number[], author: Connection | null): void {
    const at = this.tail;
    this.tail += 3;
    if (this.slots.length < this.tail) this.slots.push(seq, ranges, author);
    else {
      this.slots[at] = seq;
      this.slots[at + 1] = ranges;
      this.slots[at + 2] = author;
    }
  }

  /** Takes the record of the update with log sequence `seq`, or null when this room never queued it. */
  take(seq: number): PendingUpdate | null {
    for (let i = this.head; i < this.tail; i += 3) {
      if (this.slots[i] !== seq) continue;
      const found = { ranges: this.slots[i + 1] as number[], author: this.slots[i + 2] as Connection | null };
      this.slots[i] = this.slots[i + 1] = this.slots[i + 2] = null;
      while (this.head < this.tail && this.slots[this.head] === null) this.head += 3;
      if (this.head === this.tail) this.head = this.tail = 0;
      return found;
    }
    return null;
  }

  clear(): void {
    this.slots = [];
    this.head = this.tail = 0;
  }
}
