import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  actionsArray,
  agendaArray,
  goalsMap,
  readActions,
  readAgenda,
  readGoals,
  readResources,
  resourcesArray,
} from './index.ts';

/** What a buggy or hostile client might write with nothing but a room token. */
function garbageDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    const goals = goalsMap(doc) as unknown as Y.Map<unknown>;
    goals.set('not-a-map', 42);
    const g = new Y.Map<unknown>();
    goals.set('g1', g);
    g.set('title', 'plain string title');
    g.set('status', 'archived');
    g.set('owner', { who: 'me' });
    g.set('due', 'tomorrow');
    g.set('order', 7);
    const ms = new Y.Array<unknown>();
    g.set('milestones', ms);
    const good = new Y.Map<unknown>();
    good.set('id', 'm1');
    good.set('done', true);
    good.set('doneAt', 'not a date');
    const dup = new Y.Map<unknown>();
    dup.set('id', 'm1');
    ms.push(['loose string', good, dup]);
    goals.set('empty', new Y.Map());

    const agenda = agendaArray(doc) as unknown as Y.Array<unknown>;
    const noId = new Y.Map<unknown>();
    noId.set('text', 'orphan');
    const a = new Y.Map<unknown>();
    a.set('id', 'a1');
    a.set('text', 5);
    a.set('discussed', 'yes');
    agenda.push([null, 'x', noId, a]);

    const act = new Y.Map<unknown>();
    act.set('id', 'x1');
    act.set('owner', 'boss');
    act.set('done', 1);
    (actionsArray(doc) as unknown as Y.Array<unknown>).push([act]);

    const evil = new Y.Map<unknown>();
    evil.set('id', 'r1');
    evil.set('url', 'javascript:alert(document.cookie)');
    const fine = new Y.Map<unknown>();
    fine.set('id', 'r2');
    fine.set('url', 'https://ok.test/');
    resourcesArray(doc).push([evil, fine]);
  });
  return doc;
}

describe('readers', () => {
  it('tolerate wrong-typed and missing fields without throwing', () => {
    const doc = garbageDoc();
    const goals = readGoals(doc);
    expect(goals.map((g) => g.id).sort()).toEqual(['empty', 'g1']);
    const g1 = goals.find((g) => g.id === 'g1')!;
    expect(g1).toMatchObject({
      title: 'plain string title',
      description: '',
      status: 'not_started',
      owner: 'mentee',
      due: null,
      order: '',
    });
    expect(g1.milestones).toEqual([{ id: 'm1', title: '', done: true, doneAt: null }]);
    expect(goals.find((g) => g.id === 'empty')).toMatchObject({ title: '', milestones: [], createdBy: '' });
  });

  it('skip list entries without an id and default the rest', () => {
    const doc = garbageDoc();
    expect(readAgenda(doc)).toEqual([{ id: 'a1', text: '', addedBy: '', discussed: false, carriedFrom: null }]);
    expect(readActions(doc)).toEqual([{ id: 'x1', text: '', owner: 'mentee', due: null, done: false, createdAt: null }]);
  });

  it('never hand out a link that is not http(s)', () => {
    expect(readResources(garbageDoc())).toEqual([{ id: 'r2', url: 'https://ok.test/', title: '', addedBy: '' }]);
  });
});
