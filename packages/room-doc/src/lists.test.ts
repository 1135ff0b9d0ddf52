import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAction,
  addAgendaItem,
  addResource,
  agendaArray,
  isValidKey,
  editAction,
  editAgendaItem,
  markDiscussed,
  readActions,
  readAgenda,
  readResources,
  removeAction,
  removeAgendaItem,
  removeResource,
  reorderAgendaItem,
  toggleAction,
  validateUrl,
} from './index.ts';

describe('agenda', () => {
  it('adds, edits, marks discussed and removes talking points', () => {
    const doc = new Y.Doc();
    const a = addAgendaItem(doc, { text: 'Career goals', addedBy: 'u1' });
    const b = addAgendaItem(doc, { text: 'Feedback', addedBy: 'u2' });
    editAgendaItem(doc, a, 'Career goals for 2027');
    markDiscussed(doc, b, true);
    expect(readAgenda(doc)).toEqual([
      { id: a, text: 'Career goals for 2027', addedBy: 'u1', discussed: false, carriedFrom: null },
      { id: b, text: 'Feedback', addedBy: 'u2', discussed: true, carriedFrom: null },
    ]);
    removeAgendaItem(doc, a);
    expect(readAgenda(doc).map((x) => x.id)).toEqual([b]);
  });

  it('reorders a talking point and keeps its fields', () => {
    const doc = new Y.Doc();
    const ids = ['one', 'two', 'three'].map((text) => addAgendaItem(doc, { text, addedBy: 'u' }));
    markDiscussed(doc, ids[2]!, true);
    reorderAgendaItem(doc, ids[2]!, 0);
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['three', 'one', 'two']);
    expect(readAgenda(doc)[0]!.discussed).toBe(true);
    reorderAgendaItem(doc, ids[2]!, 5);
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['one', 'two', 'three']);
    reorderAgendaItem(doc, ids[0]!, 1);
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['two', 'one', 'three']);
  });
});

/** A talking point as an older client (or another app) writes it: no `order` field. */
function pushLegacy(doc: Y.Doc, id: string, text: string, order?: unknown): void {
  const m = new Y.Map<unknown>();
  agendaArray(doc).push([m]);
  m.set('id', id);
  m.set('text', text);
  if (order !== undefined) m.set('order', order);
}

const orders = (doc: Y.Doc) => agendaArray(doc).toArray().map((m) => m.get('order'));

describe('agenda order', () => {
  it('moves a talking point by rewriting only its order, leaving the array and the others alone', () => {
    const doc = new Y.Doc();
    const ids = ['one', 'two', 'three'].map((text) => addAgendaItem(doc, { text, addedBy: 'u' }));
    const maps = agendaArray(doc).toArray();
    const before = orders(doc);
    reorderAgendaItem(doc, ids[2]!, 0);
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['three', 'one', 'two']);
    expect(agendaArray(doc).toArray()).toEqual(maps);
    expect(orders(doc).slice(0, 2)).toEqual(before.slice(0, 2));
    expect(orders(doc)[2]).not.toBe(before[2]);
  });

  it('lists points written without a valid order by array position, after the ordered ones', () => {
    const doc = new Y.Doc();
    addAgendaItem(doc, { text: 'ordered one', addedBy: 'u' });
    addAgendaItem(doc, { text: 'ordered two', addedBy: 'u' });
    pushLegacy(doc, 'l2', 'legacy two', 'not a key!');
    pushLegacy(doc, 'l3', 'legacy three', 42);
    const first = new Y.Map<unknown>();
    agendaArray(doc).insert(0, [first]);
    first.set('id', 'l1');
    first.set('text', 'legacy one');
    const expected = ['ordered one', 'ordered two', 'legacy one', 'legacy two', 'legacy three'];
    expect(readAgenda(doc).map((x) => x.text)).toEqual(expected);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(readAgenda(copy).map((x) => x.text)).toEqual(expected);
  });

  it('shows a list written only by older clients in array order and keys it on the first reorder', () => {
    const doc = new Y.Doc();
    pushLegacy(doc, 'a', 'A');
    pushLegacy(doc, 'b', 'B');
    pushLegacy(doc, 'c', 'C');
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['A', 'B', 'C']);
    reorderAgendaItem(doc, 'c', 1);
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['A', 'C', 'B']);
    expect(orders(doc).every((o) => typeof o === 'string' && isValidKey(o))).toBe(true);
    expect(agendaArray(doc).toArray().map((m) => m.get('id'))).toEqual(['a', 'b', 'c']);
  });

  it('adds a new point below points an older client wrote', () => {
    const doc = new Y.Doc();
    pushLegacy(doc, 'a', 'A');
    pushLegacy(doc, 'b', 'B');
    addAgendaItem(doc, { text: 'new', addedBy: 'u' });
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['A', 'B', 'new']);
  });

  it('edits the point readers show when an older client left two copies of it', () => {
    const doc = new Y.Doc();
    pushLegacy(doc, 'a', 'first copy');
    pushLegacy(doc, 'b', 'B');
    pushLegacy(doc, 'a', 'second copy');
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['first copy', 'B']);
    reorderAgendaItem(doc, 'a', 1);
    editAgendaItem(doc, 'a', 'edited');
    expect(readAgenda(doc).map((x) => x.text)).toEqual(['B', 'edited']);
  });
});

describe('action items', () => {
  it('adds, edits, toggles and removes action items', () => {
    const doc = new Y.Doc();
    const id = addAction(doc, { text: 'Draft CV', owner: 'mentee', due: '2026-12-24', now: new Date('2026-12-01T10:00:00Z') });
    editAction(doc, id, { owner: 'mentor', due: '' });
    toggleAction(doc, id);
    expect(readActions(doc)).toEqual([{ id, text: 'Draft CV', owner: 'mentor', due: null, done: true, createdAt: '2026-12-01T10:00:00.000Z' }]);
    toggleAction(doc, id);
    expect(readActions(doc)[0]!.done).toBe(false);
    removeAction(doc, id);
    expect(readActions(doc)).toEqual([]);
  });
});

describe('resources', () => {
  it('accepts http and https links and refuses everything else', () => {
    expect(validateUrl('https://example.com/a b')).toEqual({ ok: true, url: 'https://example.com/a%20b' });
    expect(validateUrl('http://x.test').ok).toBe(true);
    for (const bad of ['javascript:alert(1)', 'data:text/html,hi', 'ftp://x.test', 'example.com', '', 42]) {
      expect(validateUrl(bad).ok).toBe(false);
    }
  });

  it('adds a link with a default title and refuses an invalid one without writing', () => {
    const doc = new Y.Doc();
    const ok = addResource(doc, { url: 'https://svelte.dev/docs', addedBy: 'u' });
    expect(ok.ok).toBe(true);
    const bad = addResource(doc, { url: 'javascript:alert(1)', addedBy: 'u' });
    expect(bad).toMatchObject({ ok: false });
    expect(readResources(doc)).toEqual([
      { id: ok.ok ? ok.id : '', url: 'https://svelte.dev/docs', title: 'svelte.dev', addedBy: 'u' },
    ]);
    removeResource(doc, ok.ok ? ok.id : '');
    expect(readResources(doc)).toEqual([]);
  });
});
