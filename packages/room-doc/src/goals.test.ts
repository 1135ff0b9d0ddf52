import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addMilestone,
  createGoal,
  deleteGoal,
  getGoal,
  goalText,
  goalsByStatus,
  goalsMap,
  moveGoal,
  readGoals,
  removeMilestone,
  renameMilestone,
  toggleMilestone,
  updateGoal,
} from './index.ts';

const titles = (doc: Y.Doc, status: 'not_started' | 'in_progress' | 'done' | 'dropped') =>
  goalsByStatus(readGoals(doc))[status].map((g) => g.title);

describe('goals', () => {
  it('creates a goal with the contract fields as Y types', () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'Ship a side project', owner: 'mentee', due: '2026-12-01', createdBy: 'u1' });
    const m = goalsMap(doc).get(id)!;
    expect(m.get('title')).toBeInstanceOf(Y.Text);
    expect(m.get('description')).toBeInstanceOf(Y.Text);
    expect(m.get('milestones')).toBeInstanceOf(Y.Array);
    expect(getGoal(doc, id)).toMatchObject({
      id,
      title: 'Ship a side project',
      status: 'not_started',
      owner: 'mentee',
      due: '2026-12-01',
      createdBy: 'u1',
      milestones: [],
    });
  });

  it('appends new goals at the end of their column unless an index is given', () => {
    const doc = new Y.Doc();
    createGoal(doc, { title: 'A', createdBy: 'u' });
    createGoal(doc, { title: 'B', createdBy: 'u' });
    createGoal(doc, { title: 'first', createdBy: 'u', index: 0 });
    createGoal(doc, { title: 'mid', createdBy: 'u', index: 2 });
    expect(titles(doc, 'not_started')).toEqual(['first', 'A', 'mid', 'B']);
  });

  it('runs every write in one transaction carrying the caller origin', () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    const me = { kind: 'local' };
    const id = createGoal(doc, { title: 'x', createdBy: 'u' }, me);
    updateGoal(doc, id, { title: 'y', owner: 'mentor' }, me);
    moveGoal(doc, id, { status: 'done' }, me);
    expect(origins).toEqual([me, me, me]);
  });

  it('updates fields, normalising a bad due date to null', () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'x', createdBy: 'u' });
    updateGoal(doc, id, { title: 'Learn Rust', description: 'ownership', owner: 'mentor', due: '2026-02-30' });
    expect(getGoal(doc, id)).toMatchObject({ title: 'Learn Rust', description: 'ownership', owner: 'mentor', due: null });
    expect(updateGoal(doc, 'missing', { title: 'z' })).toBe(false);
  });

  it('moves a goal between columns and to a position within one', () => {
    const doc = new Y.Doc();
    const a = createGoal(doc, { title: 'A', createdBy: 'u' });
    createGoal(doc, { title: 'B', createdBy: 'u' });
    createGoal(doc, { title: 'C', createdBy: 'u', status: 'in_progress' });
    moveGoal(doc, a, { status: 'in_progress', index: 0 });
    expect(titles(doc, 'not_started')).toEqual(['B']);
    expect(titles(doc, 'in_progress')).toEqual(['A', 'C']);
    moveGoal(doc, a, { status: 'in_progress', index: 1 });
    expect(titles(doc, 'in_progress')).toEqual(['C', 'A']);
    expect(moveGoal(doc, 'nope', { status: 'done' })).toBe(false);
  });

  it('deletes a goal', () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'x', createdBy: 'u' });
    expect(deleteGoal(doc, id)).toBe(true);
    expect(readGoals(doc)).toEqual([]);
    expect(deleteGoal(doc, id)).toBe(false);
  });

  it('repairs a title another client stored as a plain string before binding it', () => {
    const doc = new Y.Doc();
    const id = createGoal(doc, { title: 'x', createdBy: 'u' });
    goalsMap(doc).get(id)!.set('title', 'plain');
    const t = goalText(doc, id, 'title')!;
    expect(t).toBeInstanceOf(Y.Text);
    expect(t.toString()).toBe('plain');
    expect(goalText(doc, id, 'title')).toBe(t);
  });
});

describe('milestones', () => {
  it('adds, ticks with a timestamp, renames, unticks and removes milestones', () => {
    const doc = new Y.Doc();
    const g = createGoal(doc, { title: 'x', createdBy: 'u' });
    const m1 = addMilestone(doc, g, 'Read the book')!;
    const m2 = addMilestone(doc, g, 'Build the thing')!;
    expect(toggleMilestone(doc, g, m1)).toBe(true);
    let ms = getGoal(doc, g)!.milestones;
    expect(ms.map((m) => [m.title, m.done])).toEqual([['Read the book', true], ['Build the thing', false]]);
    expect(Date.parse(ms[0]!.doneAt!)).not.toBeNaN();
    renameMilestone(doc, g, m2, 'Ship the thing');
    toggleMilestone(doc, g, m1, false);
    ms = getGoal(doc, g)!.milestones;
    expect(ms[0]).toMatchObject({ done: false, doneAt: null });
    expect(ms[1]!.title).toBe('Ship the thing');
    removeMilestone(doc, g, m1);
    expect(getGoal(doc, g)!.milestones.map((m) => m.id)).toEqual([m2]);
  });

  it('refuses milestone writes for a goal or milestone that does not exist', () => {
    const doc = new Y.Doc();
    const g = createGoal(doc, { title: 'x', createdBy: 'u' });
    expect(addMilestone(doc, 'nope', 'x')).toBeNull();
    expect(toggleMilestone(doc, g, 'nope')).toBe(false);
    expect(removeMilestone(doc, g, 'nope')).toBe(false);
  });
});
