import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAction,
  addAgendaItem,
  addResource,
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
      { id: a, text: 'Career goals for 2027', addedBy: 'u1', discussed: false },
      { id: b, text: 'Feedback', addedBy: 'u2', discussed: true },
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

describe('action items', () => {
  it('adds, edits, toggles and removes action items', () => {
    const doc = new Y.Doc();
    const id = addAction(doc, { text: 'Draft CV', owner: 'mentee', due: '2026-12-24' });
    editAction(doc, id, { owner: 'mentor', due: '' });
    toggleAction(doc, id);
    expect(readActions(doc)).toEqual([{ id, text: 'Draft CV', owner: 'mentor', due: null, done: true }]);
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
