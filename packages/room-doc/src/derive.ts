import { GOAL_STATUSES, type Goal, type GoalStatus } from './schema.ts';
import { compareOrdered } from './order.ts';

/** The mentorship program asks that 80% of milestones be met. */
export const MILESTONE_TARGET_PERCENT = 80;

/** A goal's progress 0–100: done milestones over milestones; a goal marked done is 100. */
export function goalProgress(goal: Pick<Goal, 'status' | 'milestones'>): number {
  if (goal.status === 'done') return 100;
  const total = goal.milestones.length;
  if (total === 0) return 0;
  return Math.round((goal.milestones.filter((m) => m.done).length / total) * 100);
}

/** Mean goal progress over goals that are not dropped; 0 with no such goals. */
export function overallProgress(goals: readonly Goal[]): number {
  const live = goals.filter((g) => g.status !== 'dropped');
  if (live.length === 0) return 0;
  return Math.round(live.reduce((sum, g) => sum + goalProgress(g), 0) / live.length);
}

export interface MilestoneCompletion {
  done: number;
  total: number;
  /** 0–100, rounded down so "80%" is never shown before the target is really met. */
  percent: number;
  meetsTarget: boolean;
}

/** Milestones ticked across goals that are not dropped (the program's 80% rule). */
export function milestoneCompletion(goals: readonly Goal[]): MilestoneCompletion {
  let done = 0;
  let total = 0;
  for (const g of goals) {
    if (g.status === 'dropped') continue;
    total += g.milestones.length;
    done += g.milestones.filter((m) => m.done).length;
  }
  const percent = total === 0 ? 0 : Math.floor((done / total) * 100);
  return { done, total, percent, meetsTarget: total > 0 && done * 100 >= total * MILESTONE_TARGET_PERCENT };
}

export function countByStatus(goals: readonly Goal[]): Record<GoalStatus, number> {
  const out = Object.fromEntries(GOAL_STATUSES.map((s) => [s, 0])) as Record<GoalStatus, number>;
  for (const g of goals) out[g.status] += 1;
  return out;
}

/** Board columns: goals of each status sorted by (order, id). */
export function goalsByStatus(goals: readonly Goal[]): Record<GoalStatus, Goal[]> {
  const out = Object.fromEntries(GOAL_STATUSES.map((s) => [s, [] as Goal[]])) as Record<GoalStatus, Goal[]>;
  for (const g of goals) out[g.status].push(g);
  for (const s of GOAL_STATUSES) out[s].sort(compareOrdered);
  return out;
}

/** Every milestone of the goal is ticked (and it has at least one). */
export function allMilestonesDone(goal: Pick<Goal, 'milestones'>): boolean {
  return goal.milestones.length > 0 && goal.milestones.every((m) => m.done);
}

/**
 * A goal whose milestones are all ticked but that still sits in another column: the board
 * offers "Move to Done" rather than moving it itself (the member may want to add a step).
 */
export function readyForDone(goal: Pick<Goal, 'status' | 'milestones'>): boolean {
  return (goal.status === 'not_started' || goal.status === 'in_progress') && allMilestonesDone(goal);
}

/**
 * Past its due date and still open. A done or dropped goal is never overdue, and neither is
 * one at 100 % of its milestones: the work is done, only the column lags behind.
 * `today` is the viewer's calendar day, `YYYY-MM-DD`.
 */
export function isGoalOverdue(goal: Pick<Goal, 'status' | 'milestones' | 'due'>, today: string): boolean {
  if (!goal.due || goal.status === 'done' || goal.status === 'dropped') return false;
  if (allMilestonesDone(goal)) return false;
  return goal.due < today;
}
