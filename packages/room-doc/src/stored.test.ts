import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { docAsOf, docFromStored, foldStored } from './stored.ts';

function edits(): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  for (const c of 'hello') doc.getText('notes').insert(doc.getText('notes').length, c);
  return out;
}

describe('stored docs', () => {
  it('builds the same doc from a checkpoint and a tail as from every row', () => {
    const rows = edits();
    const checkpoint = foldStored(rows.slice(0, 3));
    expect(docFromStored([checkpoint, ...rows.slice(3)]).doc.getText('notes').toString()).toBe('hello');
  });

  it('skips an update that does not decode and counts it, keeping the rest', () => {
    const { doc, skipped } = docFromStored([...edits(), new Uint8Array([255, 255, 255])]);
    expect(skipped).toBe(1);
    expect(doc.getText('notes').toString()).toBe('hello');
  });

  it('replays only the updates made by the time asked for', () => {
    const rows = edits().map((data, i) => ({ data, at: new Date(1000 * i) }));
    expect(docAsOf(rows, new Date(2000)).doc.getText('notes').toString()).toBe('hel');
    expect(docAsOf(rows, new Date(2999)).doc.getText('notes').toString()).toBe('hel');
    expect(docAsOf(rows, new Date(-1)).doc.getText('notes').toString()).toBe('');
  });
});
