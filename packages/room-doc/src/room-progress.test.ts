import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { addMilestone, createGoal, roomProgress, toggleMilestone } from './index.ts';

describe('room progress', () => {
  it('counts goals and milestones that are not dropped, and rounds the milestone percent down', () => {
    const doc = new Y.Doc();
    const a = createGoal(doc, { title: 'ship', status: 'done', createdBy: 'u1' });
    const b = createGoal(doc, { title: 'learn', createdBy: 'u1' });
    const c = createGoal(doc, { title: 'gone', status: 'dropped', createdBy: 'u1' });
    toggleMilestone(doc, a, addMilestone(doc, a, 'one')!, true);
    addMilestone(doc, b, 'two');
    addMilestone(doc, b, 'three');
    toggleMilestone(doc, c, addMilestone(doc, c, 'ignored')!, true);
    expect(roomProgress(doc)).toEqual({ goals: 2, goalsDone: 1, milestones: 3, milestonesDone: 1, milestonePercent: 33 });
  });

  it('is all zeros for an empty doc', () => {
    expect(roomProgress(new Y.Doc())).toEqual({ goals: 0, goalsDone: 0, milestones: 0, milestonesDone: 0, milestonePercent: 0 });
  });
});
