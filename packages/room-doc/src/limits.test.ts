import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAgendaItem,
  addMilestone,
  clipText,
  createGoal,
  getGoal,
  goalsMap,
  oversizeWrite,
  readAgenda,
  TEXT_LIMITS,
  updateGoal,
} from './index.ts';

/** The structs of everything `edit` writes to `doc`, as the server decodes a client's update. */
function structsOf(doc: Y.Doc, edit: () => void) {
  const before = Y.encodeStateVector(doc);
  edit();
  return Y.decodeUpdate(Y.encodeStateAsUpdate(doc, before)).structs;
}

/** A server-side copy that has seen everything but the edit. */
function serverOf(doc: Y.Doc): Y.Doc {
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
  return server;
}

const long = (n: number) => 'x'.repeat(n);

describe('text limits', () => {
  it('clips without splitting a surrogate pair', () => {
    expect(clipText('abc', 5)).toBe('abc');
    expect(clipText('abcdef', 3)).toBe('abc');
    expect(clipText('ab😀', 3)).toBe('ab');
  });

  it('writers clip and readers clip what another client stored longer', () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: long(1443), createdBy: 'u' });
    expect(getGoal(doc, id)!.title).toHaveLength(TEXT_LIMITS.title);
    (goalsMap(doc).get(id)!.get('title') as Y.Text).insert(0, long(50));
    expect(getGoal(doc, id)!.title).toHaveLength(TEXT_LIMITS.title);
    const a = addAgendaItem(doc, { text: long(TEXT_LIMITS.text + 10), addedBy: 'u' });
    expect(readAgenda(doc).find((x) => x.id === a)!.text).toHaveLength(TEXT_LIMITS.text);
  });

  it('lets an update through that keeps every field within its limit', () => {
    const doc = new Y.Doc();
    const server = serverOf(doc);
    const structs = structsOf(doc, () => {
      const id = createGoal(doc, { title: long(TEXT_LIMITS.title), description: long(100), createdBy: 'u' });
      addMilestone(doc, id, 'a step');
    });
    expect(oversizeWrite(server, structs)).toBeNull();
  });

  it('finds a goal title written past its limit in a new goal', () => {
    const doc = new Y.Doc();
    const server = serverOf(doc);
    const structs = structsOf(doc, () => {
      const m = new Y.Map<unknown>();
      goalsMap(doc).set('g', m);
      m.set('title', new Y.Text(long(TEXT_LIMITS.title + 1)));
    });
    expect(oversizeWrite(server, structs)).toMatchObject({ field: 'title', length: TEXT_LIMITS.title + 1 });
  });

  it('finds an insert into an existing title that is anchored in the doc, typed as many keystrokes', () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Ship', createdBy: 'u' });
    const server = serverOf(doc);
    const t = goalsMap(doc).get(id)!.get('title') as Y.Text;
    const fine = structsOf(doc, () => {
      for (let i = 0; i < 50; i++) t.insert(t.length, 'y');
    });
    expect(oversizeWrite(server, fine)).toBeNull();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    const over = structsOf(doc, () => {
      for (let i = 0; i < TEXT_LIMITS.title + 1; i++) t.insert(i % 2 === 0 ? t.length : 0, 'z');
    });
    expect(oversizeWrite(server, over)).toMatchObject({ field: 'title' });
  });

  it('finds a plain string past its limit, and ignores the notes', () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Ship', createdBy: 'u' });
    const server = serverOf(doc);
    const plain = structsOf(doc, () => goalsMap(doc).get(id)!.set('description', long(TEXT_LIMITS.description + 1)));
    expect(oversizeWrite(server, plain)).toMatchObject({ field: 'description' });
    const notes = structsOf(doc, () => {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText(long(20_000))]);
      doc.getXmlFragment('notes').insert(0, [p]);
    });
    expect(oversizeWrite(server, notes)).toBeNull();
    const replaced = structsOf(doc, () => updateGoal(doc, id, { title: 'Ship it' }));
    expect(oversizeWrite(server, replaced)).toBeNull();
  });
});
