import { describe, expect, it } from 'vitest';
import type { RoomProgress } from '@menteo/protocol';
import { activityLine, progressLine, relativeTime } from './room-info.ts';

const progress = (p: Partial<RoomProgress>): { progress: RoomProgress } => ({
  progress: { goals: 0, goalsDone: 0, milestones: 0, milestonesDone: 0, milestonePercent: 0, ...p },
});

describe('room figures on My rooms', () => {
  it('says how many milestones are done out of how many, with the percentage', () => {
    expect(progressLine(progress({ goals: 2, milestones: 4, milestonesDone: 3, milestonePercent: 75 }))).toBe('3 of 4 milestones · 75%');
    expect(progressLine(progress({ goals: 1, milestones: 1, milestonesDone: 0 }))).toBe('0 of 1 milestone · 0%');
  });

  it('says there are no goals yet, or goals without milestones', () => {
    expect(progressLine(progress({}))).toBe('No goals yet');
    expect(progressLine(progress({ goals: 1 }))).toBe('1 goal · no milestones yet');
    expect(progressLine(progress({ goals: 3 }))).toBe('3 goals · no milestones yet');
  });

  it('tells the last activity in relative words, or that there was none', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    expect(activityLine({ lastActivityAt: null }, now)).toBe('No activity yet');
    expect(activityLine({ lastActivityAt: '2026-05-10T11:55:00Z' }, now)).toBe('Last activity 5 minutes ago');
    expect(relativeTime('2026-05-10T11:59:30Z', now)).toBe('just now');
    expect(relativeTime('2026-05-09T00:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-04-20T12:00:00Z', now)).toBe('2 weeks ago');
    expect(relativeTime('2025-01-01T00:00:00Z', now)).toBe('last year');
  });

  it('never speaks of the future when the server clock runs slightly ahead', () => {
    expect(relativeTime('2026-05-10T12:03:00Z', new Date('2026-05-10T12:00:00Z'))).toBe('just now');
  });
});
