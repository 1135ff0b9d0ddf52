import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  actionText,
  addAction,
  addAgendaItem,
  agendaArray,
  agendaItemText,
  applyTextChange,
  editAction,
  editAgendaItem,
  readActions,
  readAgenda,
} from './index.ts';

/** Two members' docs; `sync` exchanges what each lacks, as the server would on reconnect. */
function pair() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const sync = () => {
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  };
  return { a, b, sync };
}

describe('agenda and action item texts are collaborative', () => {
  it('stores new texts as Y.Text', () => {
    const doc = new Y.Doc();
    addAgendaItem(doc, { text: 'Career', addedBy: 'u' });
    addAction(doc, { text: 'Draft CV' });
    expect(agendaArray(doc).get(0).get('text')).toBeInstanceOf(Y.Text);
    expect(doc.getArray<Y.Map<unknown>>('actions').get(0).get('text')).toBeInstanceOf(Y.Text);
  });

  it("merges two members' concurrent edits of one talking point instead of keeping the last", () => {
    const { a, b, sync } = pair();
    const id = addAgendaItem(a, { text: 'Career goals', addedBy: 'u' });
    sync();
    editAgendaItem(a, id, 'Career goals for 2027');
    editAgendaItem(b, id, 'My career goals');
    sync();
    expect(readAgenda(a)[0]!.text).toBe('My career goals for 2027');
    expect(readAgenda(b)[0]!.text).toBe('My career goals for 2027');
  });

  it("merges concurrent edits of one action item's text, and keeps an owner change made meanwhile", () => {
    const { a, b, sync } = pair();
    const id = addAction(a, { text: 'Draft CV', owner: 'mentee' });
    sync();
    editAction(a, id, { text: 'Draft CV v2' });
    editAction(b, id, { text: 'Draft a CV', owner: 'mentor' });
    sync();
    expect(readActions(a)[0]).toMatchObject({ text: 'Draft a CV v2', owner: 'mentor' });
    expect(readActions(b)).toEqual(readActions(a));
  });

  it('reads a doc that holds plain strings, and upgrades the text to a Y.Text on the first edit', () => {
    const { a, b, sync } = pair();
    const m = new Y.Map<unknown>();
    m.set('id', 'old');
    m.set('text', 'Written by an older client');
    m.set('addedBy', 'u');
    agendaArray(a).push([m]);
    const act = new Y.Map<unknown>();
    act.set('id', 'old-action');
    act.set('text', 'Old action');
    a.getArray('actions').push([act]);
    sync();
    expect(readAgenda(b).map((x) => x.text)).toEqual(['Written by an older client']);
    expect(readActions(b).map((x) => x.text)).toEqual(['Old action']);

    const t = agendaItemText(b, 'old')!;
    expect(t).toBeInstanceOf(Y.Text);
    expect(t.toString()).toBe('Written by an older client');
    applyTextChange(t, 'Written by an older client, edited');
    editAction(b, 'old-action', { text: 'Old action, edited' });
    sync();
    expect(readAgenda(a)[0]!.text).toBe('Written by an older client, edited');
    expect(readActions(a)[0]!.text).toBe('Old action, edited');
    expect(actionText(a, 'old-action')).toBeInstanceOf(Y.Text);
    expect(agendaItemText(a, 'missing')).toBeNull();
  });
});
