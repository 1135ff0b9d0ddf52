import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAgendaItem,
  addMilestone,
  agendaArray,
  editAgendaItem,
  markDiscussed,
  applyTextChange,
  createGoal,
  getGoal,
  goalText,
  goalsByStatus,
  moveGoal,
  readAgenda,
  readGoals,
  reorderAgendaItem,
  toggleMilestone,
} from './index.ts';

/** Two peers that edit offline, then exchange their full state both ways. */
function merge(a: Y.Doc, b: Y.Doc): void {
  const ua = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
  const ub = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
  Y.applyUpdate(b, ua, 'remote');
  Y.applyUpdate(a, ub, 'remote');
}

function pair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  return [a, b];
}

const board = (doc: Y.Doc) => {
  const cols = goalsByStatus(readGoals(doc));
  return Object.fromEntries(Object.entries(cols).map(([s, gs]) => [s, gs.map((g) => g.title)]));
};

describe('two clients editing the same room', () => {
  it('agree on one order after both insert a goal at the same position', () => {
    const [a, b] = pair();
    createGoal(a, { title: 'first', createdBy: 'x' });
    createGoal(a, { title: 'last', createdBy: 'x' });
    merge(a, b);
    createGoal(a, { title: 'from A', createdBy: 'a', index: 1 });
    createGoal(b, { title: 'from B', createdBy: 'b', index: 1 });
    merge(a, b);
    const col = board(a).not_started!;
    expect(col).toHaveLength(4);
    expect(col[0]).toBe('first');
    expect(col[3]).toBe('last');
    expect(board(b)).toEqual(board(a));
  });

  it('can still insert between two goals whose keys tied', () => {
    const [a, b] = pair();
    createGoal(a, { title: 'first', createdBy: 'x' });
    merge(a, b);
    createGoal(a, { title: 'A', createdBy: 'a' });
    createGoal(b, { title: 'B', createdBy: 'b' });
    merge(a, b);
    const tied = board(a).not_started!;
    createGoal(a, { title: 'between', createdBy: 'a', index: 2 });
    merge(a, b);
    expect(board(a).not_started).toEqual([tied[0], tied[1], 'between', tied[2]]);
    expect(board(b)).toEqual(board(a));
  });

  it('keep both goals when each moves a different goal to the same spot', () => {
    const [a, b] = pair();
    const g1 = createGoal(a, { title: 'one', createdBy: 'x' });
    const g2 = createGoal(a, { title: 'two', createdBy: 'x' });
    createGoal(a, { title: 'anchor', createdBy: 'x', status: 'done' });
    merge(a, b);
    moveGoal(a, g1, { status: 'done', index: 0 });
    moveGoal(b, g2, { status: 'done', index: 0 });
    merge(a, b);
    expect(board(a).not_started).toEqual([]);
    expect(board(a).done).toHaveLength(3);
    expect(board(a).done![2]).toBe('anchor');
    expect(board(b)).toEqual(board(a));
  });

  it('end with the same goal in one place when both move it to different columns', () => {
    const [a, b] = pair();
    const g = createGoal(a, { title: 'contested', createdBy: 'x' });
    merge(a, b);
    moveGoal(a, g, { status: 'done' });
    moveGoal(b, g, { status: 'dropped' });
    merge(a, b);
    expect(readGoals(a)).toHaveLength(1);
    expect(getGoal(a, g)!.status).toBe(getGoal(b, g)!.status);
    expect(board(b)).toEqual(board(a));
  });

  it('keep both milestone ticks when each ticks a different milestone', () => {
    const [a, b] = pair();
    const g = createGoal(a, { title: 'g', createdBy: 'x' });
    const m1 = addMilestone(a, g, 'one')!;
    const m2 = addMilestone(a, g, 'two')!;
    merge(a, b);
    toggleMilestone(a, g, m1, true);
    toggleMilestone(b, g, m2, true);
    merge(a, b);
    expect(getGoal(a, g)!.milestones.map((m) => m.done)).toEqual([true, true]);
    expect(getGoal(b, g)).toEqual(getGoal(a, g));
  });

  it('converge when both tick and untick the same milestone', () => {
    const [a, b] = pair();
    const g = createGoal(a, { title: 'g', createdBy: 'x' });
    const m = addMilestone(a, g, 'one')!;
    merge(a, b);
    toggleMilestone(a, g, m, true);
    toggleMilestone(b, g, m, false);
    merge(a, b);
    expect(getGoal(b, g)).toEqual(getGoal(a, g));
  });

  it('merge typing in the same goal title instead of overwriting it', () => {
    const [a, b] = pair();
    const g = createGoal(a, { title: 'Learn Go', createdBy: 'x' });
    merge(a, b);
    applyTextChange(goalText(a, g, 'title')!, 'Learn Go well');
    applyTextChange(goalText(b, g, 'title')!, 'Really Learn Go');
    merge(a, b);
    expect(getGoal(a, g)!.title).toBe('Really Learn Go well');
    expect(getGoal(b, g)!.title).toBe('Really Learn Go well');
  });

  it("keep the other member's edit to a talking point that one of them moves at the same time", () => {
    const [a, b] = pair();
    const ids = ['one', 'two', 'three'].map((text) => addAgendaItem(a, { text, addedBy: 'x' }));
    merge(a, b);
    reorderAgendaItem(a, ids[2]!, 0);
    editAgendaItem(b, ids[2]!, 'three, reworded');
    markDiscussed(b, ids[2]!, true);
    merge(a, b);
    expect(readAgenda(a).map((x) => x.text)).toEqual(['three, reworded', 'one', 'two']);
    expect(readAgenda(a)[0]!.discussed).toBe(true);
    expect(readAgenda(b)).toEqual(readAgenda(a));
  });

  it('show a talking point exactly once when both reorder it at the same time', () => {
    const [a, b] = pair();
    const ids = ['one', 'two', 'three'].map((text) => addAgendaItem(a, { text, addedBy: 'x' }));
    merge(a, b);
    reorderAgendaItem(a, ids[2]!, 0);
    reorderAgendaItem(b, ids[2]!, 1);
    merge(a, b);
    const texts = readAgenda(a).map((x) => x.text);
    expect(texts.filter((t) => t === 'three')).toHaveLength(1);
    expect([...texts].sort()).toEqual(['one', 'three', 'two']);
    // Other clients read the array itself (DESIGN contract): it must hold the point once too.
    expect(agendaArray(a).toArray().filter((m) => m.get('id') === ids[2])).toHaveLength(1);
    expect(readAgenda(b)).toEqual(readAgenda(a));
  });

  it('keep both moves when each member moves a different talking point', () => {
    const [a, b] = pair();
    const ids = ['one', 'two', 'three', 'four'].map((text) => addAgendaItem(a, { text, addedBy: 'x' }));
    merge(a, b);
    reorderAgendaItem(a, ids[3]!, 0);
    reorderAgendaItem(b, ids[0]!, 3);
    merge(a, b);
    expect(readAgenda(a).map((x) => x.text)).toEqual(['four', 'two', 'three', 'one']);
    expect(readAgenda(b)).toEqual(readAgenda(a));
  });
});
