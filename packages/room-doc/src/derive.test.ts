import { describe, expect, it } from 'vitest';
import {
  countByStatus,
  goalProgress,
  goalsByStatus,
  isGoalOverdue,
  milestoneCompletion,
  readyForDone,
  overallProgress,
  type Goal,
  type GoalStatus,
} from './index.ts';

let n = 0;
function goal(status: GoalStatus, ticks: boolean[], order = 'a0'): Goal {
  n++;
  return {
    id: `g${n}`,
    title: `goal ${n}`,
    description: '',
    status,
    owner: 'mentee',
    due: null,
    order,
    milestones: ticks.map((done, i) => ({ id: `m${i}`, title: '', done, doneAt: null })),
    createdBy: '',
    createdAt: '',
  };
}

describe('derivations', () => {
  it('measures a goal by its ticked milestones, and a done goal as complete', () => {
    expect(goalProgress(goal('in_progress', [true, false, false]))).toBe(33);
    expect(goalProgress(goal('in_progress', []))).toBe(0);
    expect(goalProgress(goal('done', [false]))).toBe(100);
  });

  it('averages progress over goals that are not dropped', () => {
    expect(overallProgress([goal('done', []), goal('in_progress', [false, false]), goal('dropped', [])])).toBe(50);
    expect(overallProgress([])).toBe(0);
  });

  it('reports milestone completion against the 80% target, rounding down', () => {
    const goals = [goal('in_progress', [true, true, true, false]), goal('dropped', [false, false])];
    expect(milestoneCompletion(goals)).toEqual({ done: 3, total: 4, percent: 75, meetsTarget: false });
    const five = [goal('in_progress', [true, true, true, true, false])];
    expect(milestoneCompletion(five)).toMatchObject({ percent: 80, meetsTarget: true });
    const almost = [goal('in_progress', [...Array(199).fill(true), ...Array(51).fill(false)])];
    expect(milestoneCompletion(almost)).toMatchObject({ percent: 79, meetsTarget: false });
  });

  it('counts and groups goals by status in (order, id) order', () => {
    const b = goal('done', [], 'a1');
    const a = goal('done', [], 'a0');
    const goals = [b, goal('in_progress', []), a];
    expect(countByStatus(goals)).toEqual({ not_started: 0, in_progress: 1, done: 2, dropped: 0 });
    expect(goalsByStatus(goals).done.map((g) => g.id)).toEqual([a.id, b.id]);
  });

  it('offers Done for an open goal whose every milestone is ticked', () => {
    expect(readyForDone(goal('in_progress', [true, true]))).toBe(true);
    expect(readyForDone(goal('not_started', [true]))).toBe(true);
    expect(readyForDone(goal('in_progress', [true, false]))).toBe(false);
    expect(readyForDone(goal('in_progress', []))).toBe(false);
    expect(readyForDone(goal('done', [true]))).toBe(false);
    expect(readyForDone(goal('dropped', [true]))).toBe(false);
  });

  it('never calls a done, dropped or fully ticked goal overdue', () => {
    const due = (g: Goal, d: string | null) => ({ ...g, due: d });
    const today = '2026-03-10';
    expect(isGoalOverdue(due(goal('in_progress', [true, false]), '2026-03-09'), today)).toBe(true);
    expect(isGoalOverdue(due(goal('in_progress', []), '2026-03-10'), today)).toBe(false);
    expect(isGoalOverdue(due(goal('in_progress', [true, true]), '2026-01-01'), today)).toBe(false);
    expect(isGoalOverdue(due(goal('done', [false]), '2026-01-01'), today)).toBe(false);
    expect(isGoalOverdue(due(goal('dropped', []), '2026-01-01'), today)).toBe(false);
    expect(isGoalOverdue(due(goal('not_started', []), null), today)).toBe(false);
  });
});
