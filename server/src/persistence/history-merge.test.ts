import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { LoggedUpdate } from '@menteo/db';
import { historyRuns, keepsHistory, mergeHistory, mergeRun } from './history-merge.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
const row = (authorId: string | null, s: number) => ({ authorId, at: at(s) });

/** One-character edits of one doc, as its log would hold them. */
function typed(text: string): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  for (const c of text) doc.getText('notes').insert(doc.getText('notes').length, c);
  return out;
}

describe('history merge window', () => {
  it('merges consecutive rows of one author that start within the window of the run’s first row', () => {
    const rows = [row('a', 0), row('a', 10), row('a', 59), row('a', 60), row('a', 61)];
    expect(historyRuns(rows, 60_000)).toEqual([
      [0, 3],
      [3, 5],
    ]);
  });

  it('ends a run at another author’s row, and at a server-made row', () => {
    const rows = [row('a', 0), row('a', 1), row('b', 2), row('a', 3), row(null, 4), row('a', 5)];
    expect(historyRuns(rows, 60_000)).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 6],
    ]);
  });

  it('keeps every row on its own with a window of 0, and nothing for no rows', () => {
    expect(historyRuns([row('a', 0), row('a', 0)], 0)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(historyRuns([], 60_000)).toEqual([]);
  });

  it('keeps each run’s author, first and last time and row count, and its edits', () => {
    const data = typed('hello');
    const rows: LoggedUpdate[] = data.map((d, i) => ({ data: d, authorId: i < 3 ? 'a' : 'b', at: at(i) }));
    const kept = mergeHistory(rows, 60_000);
    expect(kept.map(({ authorId, firstAt, lastAt, updates }) => ({ authorId, firstAt, lastAt, updates }))).toEqual([
      { authorId: 'a', firstAt: at(0), lastAt: at(2), updates: 3 },
      { authorId: 'b', firstAt: at(3), lastAt: at(4), updates: 2 },
    ]);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, kept[0]!.data);
    expect(doc.getText('notes').toString()).toBe('hel');
    Y.applyUpdate(doc, kept[1]!.data);
    expect(doc.getText('notes').toString()).toBe('hello');
  });

  it('merges a long run in groups to the same bytes as one Y.mergeUpdates call', () => {
    const data = typed('x'.repeat(300));
    expect(mergeRun(data)).toEqual(Y.mergeUpdates(data));
  });

  it('keeps history for a room’s shared doc but not for a member’s private doc', () => {
    expect(keepsHistory('0b9d2d2e-2f4e-4a43-9d7e-1f0f3c2b1a00')).toBe(true);
    expect(keepsHistory('0b9d2d2e-2f4e-4a43-9d7e-1f0f3c2b1a00~private~5a1b')).toBe(false);
  });
});
