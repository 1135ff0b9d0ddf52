import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { compareOrdered, createGoal, moveGoal, placeAt, reorderAgendaItem, addAgendaItem } from './index.ts';

const apply = (items: { id: string; order: string }[], keys: Map<string, string>, id: string) => {
  const next = items.map((it) => ({ ...it, order: keys.get(it.id) ?? it.order }));
  next.push({ id, order: keys.get(id)! });
  return next.sort(compareOrdered).map((it) => it.id);
};

describe('fractional order', () => {
  it('writes one key between distinct neighbours', () => {
    const items = [
      { id: 'a', order: 'a0' },
      { id: 'b', order: 'a1' },
    ];
    const keys = placeAt(items, 1, 'x');
    expect(keys.size).toBe(1);
    expect(apply(items, keys, 'x')).toEqual(['a', 'x', 'b']);
  });

  it('re-keys the list when the neighbours tie, keeping everyone in place', () => {
    const items = [
      { id: 'a', order: 'a0' },
      { id: 'b', order: 'a0' },
      { id: 'c', order: 'a1' },
    ];
    expect(apply(items, placeAt(items, 1, 'x'), 'x')).toEqual(['a', 'x', 'b', 'c']);
  });

  it('re-keys the list when a neighbour holds garbage another client wrote', () => {
    const items = [
      { id: 'a', order: '' },
      { id: 'b', order: 'not a key!' },
    ];
    expect(apply(items, placeAt(items, 2, 'x'), 'x')).toEqual(['a', 'b', 'x']);
  });

  it('writes nothing when a goal or talking point is dropped where it already is', () => {
    const doc = new Y.Doc();
    createGoal(doc, { title: 'a', createdBy: 'u' });
    const b = createGoal(doc, { title: 'b', createdBy: 'u' });
    const p = addAgendaItem(doc, { text: 'p', addedBy: 'u' });
    addAgendaItem(doc, { text: 'q', addedBy: 'u' });
    let updates = 0;
    doc.on('update', () => updates++);
    moveGoal(doc, b, { status: 'not_started', index: 1 });
    moveGoal(doc, b, { status: 'not_started' });
    reorderAgendaItem(doc, p, 0);
    expect(updates).toBe(0);
  });
});
