import { describe, expect, it } from 'vitest';
import type { Connection } from './Connection.ts';
import { CommitQueue } from './CommitQueue.ts';

const author = { id: 'author' } as unknown as Connection;
const update = (n: number) => new Uint8Array([n]);

describe('CommitQueue', () => {
  it('gives back each update’s ranges and author, in commit order, and is empty after', () => {
    const q = new CommitQueue();
    const [a, b] = [update(1), update(2)];
    q.push(a, [7, 0, 3], author);
    q.push(b, [7, 3, 5], null);
    expect(q.take(a)).toEqual({ ranges: [7, 0, 3], author });
    expect(q.take(b)).toEqual({ ranges: [7, 3, 5], author: null });
    expect(q.size).toBe(0);
  });

  it('knows updates by identity, not by content: one it never queued gets null', () => {
    const q = new CommitQueue();
    q.push(update(1), [7, 0, 1], null);
    expect(q.take(update(1))).toBeNull();
    expect(q.size).toBe(1);
  });

  it('takes an update from the middle without losing the ones around it', () => {
    const q = new CommitQueue();
    const [a, b, c] = [update(1), update(2), update(3)];
    q.push(a, [1, 0, 1], null);
    q.push(b, [2, 0, 1], author);
    q.push(c, [3, 0, 1], null);
    expect(q.take(b)?.author).toBe(author);
    expect(q.take(b)).toBeNull();
    expect(q.take(a)?.ranges).toEqual([1, 0, 1]);
    expect(q.size).toBe(1);
    expect(q.take(c)?.ranges).toEqual([3, 0, 1]);
    expect(q.size).toBe(0);
  });

  it('reuses its slots: a room that commits as fast as it edits keeps one record’s worth', () => {
    const q = new CommitQueue();
    for (let i = 0; i < 1000; i++) {
      const u = update(i);
      q.push(u, [1, i, i + 1], null);
      expect(q.take(u)?.ranges).toEqual([1, i, i + 1]);
    }
    expect((q as unknown as { slots: unknown[] }).slots).toHaveLength(3);
  });
});
