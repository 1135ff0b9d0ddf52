import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { MAX_CHAIN_RATIO, deletedSince, encodeMeetingEnd, rebuildMeetingEnd } from './meeting-snapshots.ts';
import { addAction, addAgendaItem, removeAgendaItem } from './lists.ts';
import { createGoal, moveGoal } from './goals.ts';
import { carryOverAgenda, markDiscussed } from './index.ts';
import { notesFragment } from './schema.ts';

/** Two replicas editing in turns, as two members do (each edit reaches the other at once). */
function pair() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(b, u, 'peer'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(a, u, 'peer'));
  return { a, b };
}

function type(doc: Y.Doc, text: string, backspaces: number): void {
  const frag = notesFragment(doc);
  let last = frag.length > 0 ? frag.get(frag.length - 1) : null;
  if (!(last instanceof Y.XmlElement)) {
    last = new Y.XmlElement('paragraph');
    last.insert(0, [new Y.XmlText('')]);
    frag.push([last]);
  }
  const t = (last as Y.XmlElement).get(0) as Y.XmlText;
  for (const c of text) t.insert(t.length, c);
  for (let i = 0; i < backspaces && t.length > 0; i++) t.delete(t.length - 1, 1);
}

const same = (x: Uint8Array, y: Uint8Array) => {
  const dx = new Y.Doc();
  const dy = new Y.Doc();
  Y.applyUpdate(dx, x);
  Y.applyUpdate(dy, y);
  return {
    json: JSON.stringify(dx.toJSON()) === JSON.stringify(dy.toJSON()),
    sv: Buffer.from(Y.encodeStateVector(dx)).equals(Buffer.from(Y.encodeStateVector(dy))),
    ds: Y.equalDeleteSets(Y.createDeleteSetFromStructStore(dx.store), Y.createDeleteSetFromStructStore(dy.store)),
  };
};

describe('meeting end snapshots as a chain', () => {
  it('rebuilds every meeting end exactly from the first full state and the differences, and stores far less', () => {
    const { a, b } = pair();
    const parts: Uint8Array[] = [];
    let version: Uint8Array | null = null;
    let fullBytes = 0;
    let chainBytes = 0;
    const goal = createGoal(a, { title: 'Ship it', createdBy: 'a' });
    for (let m = 0; m < 12; m++) {
      // A meeting: both type (and delete), tick, add and discuss; then the carry-over.
      type(a, `meeting ${m} notes by a `.repeat(5), 7);
      type(b, `and b adds more ${m} `.repeat(4), 3);
      moveGoal(b, goal, { status: m % 2 === 0 ? 'done' : 'in_progress' });
      const point = addAgendaItem(a, { text: `Point ${m}`, addedBy: 'a' });
      addAction(b, { text: `Action ${m}` });
      if (m % 3 === 0) removeAgendaItem(b, point);
      else markDiscussed(a, point, true);
      const end = encodeMeetingEnd(a, version === null ? null : { version, chainBytes: 0, rootBytes: 1e9 });
      expect(end.diff).toBe(version !== null);
      parts.push(end.data);
      version = end.version;
      const full = Y.encodeStateAsUpdate(a);
      fullBytes += full.byteLength;
      chainBytes += end.data.byteLength;
      expect(same(rebuildMeetingEnd(parts), full)).toEqual({ json: true, sv: true, ds: true });
      carryOverAgenda(a, `Meeting ${m + 1}`);
    }
    expect(chainBytes).toBeLessThan(fullBytes / 3);
  });

  it('a difference holds only the deletions made since its base', () => {
    const { a } = pair();
    type(a, 'x'.repeat(200), 0);
    const t = (notesFragment(a).get(0) as Y.XmlElement).get(0) as Y.XmlText;
    for (let i = 0; i < 100; i += 2) t.delete(i / 2, 1); // 50 scattered deletions
    const first = encodeMeetingEnd(a, null);
    type(a, 'y', 0);
    const second = encodeMeetingEnd(a, { version: first.version, chainBytes: 0, rootBytes: 1e9 });
    const whole = Y.encodeStateAsUpdate(a, Y.encodeStateVector(Y.decodeSnapshot(first.version).sv) as Uint8Array);
    expect(second.data.byteLength).toBeLessThan(whole.byteLength);
    expect(Y.decodeUpdate(second.data).ds.clients.size).toBe(0);
    expect(same(rebuildMeetingEnd([first.data, second.data]), Y.encodeStateAsUpdate(a)).json).toBe(true);
  });

  it('starts a new full state once the differences add up to more than MAX_CHAIN_RATIO times the full one', () => {
    const doc = new Y.Doc();
    type(doc, 'start ', 0);
    const root = encodeMeetingEnd(doc, null);
    let base = { version: root.version, chainBytes: root.data.byteLength, rootBytes: root.data.byteLength };
    const kinds: boolean[] = [];
    for (let m = 0; m < 6; m++) {
      // Rewrite the notes each meeting: long differences, a doc that stays small.
      const t = (notesFragment(doc).get(0) as Y.XmlElement).get(0) as Y.XmlText;
      t.delete(0, t.length);
      type(doc, `meeting ${m} `, 0);
      const end = encodeMeetingEnd(doc, base);
      kinds.push(end.diff);
      expect(base.chainBytes - base.rootBytes + (end.diff ? end.data.byteLength : 0)).toBeLessThanOrEqual(MAX_CHAIN_RATIO * base.rootBytes);
      base = end.diff
        ? { version: end.version, chainBytes: base.chainBytes + end.data.byteLength, rootBytes: base.rootBytes }
        : { version: end.version, chainBytes: end.data.byteLength, rootBytes: end.data.byteLength };
    }
    expect(kinds).toContain(false);
    expect(kinds).toContain(true);
  });

  it('subtracts delete ranges that overlap in every way', () => {
    const ds = (ranges: Array<[number, number]>) => {
      const s = Y.createDeleteSet();
      s.clients.set(1, ranges.map(([clock, len]) => ({ clock, len })) as never);
      return s;
    };
    const left = deletedSince(ds([[0, 10], [20, 10], [40, 5]]), ds([[2, 3], [8, 14], [25, 1], [40, 5]]));
    expect(left.clients.get(1)!.map((r) => [r.clock, r.len])).toEqual([
      [0, 2],
      [5, 3],
      [22, 3],
      [26, 4],
    ]);
    expect(deletedSince(ds([[0, 5]]), Y.createDeleteSet()).clients.get(1)!.map((r) => [r.clock, r.len])).toEqual([[0, 5]]);
    expect(deletedSince(ds([[0, 5]]), ds([[0, 5]])).clients.has(1)).toBe(false);
  });

  it('a replica that lacks part of the base still rebuilds to the base plus its own edits', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    type(a, 'shared ', 0);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    // An edit only `a` has when it takes the base (still on its way to b), then b ends the next meeting.
    type(a, 'only-a', 0);
    const base = encodeMeetingEnd(a, null);
    createGoal(b, { title: 'From b', createdBy: 'b' });
    const next = encodeMeetingEnd(b, { version: base.version, chainBytes: 0, rootBytes: 1e9 });
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, rebuildMeetingEnd([base.data, next.data]));
    expect(rebuilt.getMap('goals').size).toBe(1);
    expect(notesFragment(rebuilt).toString()).toContain('shared only-a');
  });
});
