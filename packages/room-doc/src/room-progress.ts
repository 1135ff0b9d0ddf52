import type * as Y from 'yjs';
import type { RoomProgress } from '@menteo/protocol';
import { countByStatus, milestoneCompletion } from './derive.ts';
import { readGoals } from './read.ts';

/** The figures a rooms list shows for one room's doc; dropped goals count nowhere. */
export function roomProgress(doc: Y.Doc): RoomProgress {
  const goals = readGoals(doc).filter((g) => g.status !== 'dropped');
  const milestones = milestoneCompletion(goals);
  return {
    goals: goals.length,
    goalsDone: countByStatus(goals).done,
    milestones: milestones.total,
    milestonesDone: milestones.done,
    milestonePercent: milestones.percent,
  };
}
