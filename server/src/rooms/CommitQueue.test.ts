import { describe, expect, it } from 'vitest';
import type { Connection } from './Connection.ts';
import { CommitQueue } from './CommitQueue.ts';

const author = { id: 'author' } as unknown as Connection;

describe('CommitQueue', () => {
  it('gives back each update’s ranges and author, in commit order, and is empty after', () => {
    const q = new CommitQueue();
    q.push(1, [7, 0, 3], author);
    q.push(2, [7, 3, 5], null);
    expect(q.take(1)).toEqual({ ranges: [7, 0, 3], author });
    expect(q.take(2)).toEqual({ ranges: [7, 3, 5], author: null });
    expect(q.size).toBe(0);
  });

  it('knows updates by the log’s sequence number: one it never queued gets null', () => {
    const q = new CommitQueue();
    q.push(1, [7, 0, 1], null);
    expect(q.take(2)).toBeNull();
    expect(q.size).toBe(1);
  });

  it('takes an update from the middle without losing the ones around it', () => {
    const q = new CommitQueue();
    q.push(1, [1, 0, 1], null);
    q.push(2, [2, 0, 1], author);
    q.push(3, [3, 0, 1], null);
    expect(q.take(2)?.author).toBe(author);
    expect(q.take(2)).toBeNull();
    expect(q.take(1)?.ranges).toEqual([1, 0, 1]);
    expect(q.size).toBe(1);
    expect(q.take(3)?.ranges).toEqual([3, 0, 1]);
    expect(q.size).toBe(0);
  });

  it('reuses its slots: a room that commits as fast as it edits keeps one record’s worth', () => {
    const q = new CommitQueue();
    for (let i = 0; i < 1000; i++) {
      q.push(i + 1, [1, i, i + 1], null);
      expect(q.take(i + 1)?.ranges).toEqual([1, i, i + 1]);
    }
    expect((q as unknown as { slots: unknown[] }).slots).toHaveLength(3);
  });
});
