import { describe, expect, it } from 'vitest';
import { parseMilestoneLines, parseTopicLines } from './program-form.ts';

describe('program form parsing', () => {
  it('reads milestones as title | days, defaulting to 0 days', () => {
    expect(parseMilestoneLines('Kick-off | 0\n\n Plan |14\nShip')).toEqual({
      ok: true,
      milestones: [
        { title: 'Kick-off', dueOffsetDays: 0 },
        { title: 'Plan', dueOffsetDays: 14 },
        { title: 'Ship', dueOffsetDays: 0 },
      ],
    });
  });
  it('names the line of a bad milestone', () => {
    expect(parseMilestoneLines('A | 1\nB | soon')).toEqual({ ok: false, error: 'Milestone line 2: "soon" is not a number of days (0–3650).' });
    expect(parseMilestoneLines(' | 3')).toEqual({ ok: false, error: 'Milestone line 1 has no title.' });
  });
  it('keeps topics one per line', () => {
    expect(parseTopicLines(' Goals \n\nFeedback\n')).toEqual(['Goals', 'Feedback']);
  });
});
