import { describe, expect, it } from 'vitest';
import { ageLine, daysAgo, dueLabel, formatElapsed, meetingLine } from './meeting-info.ts';

const now = new Date(2026, 2, 10, 15, 0, 0); // Tuesday 10 March 2026, 15:00 local

describe('meeting-info', () => {
  it('formats the running timer', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(65_000)).toBe('1:05');
    expect(formatElapsed(3_723_000)).toBe('1:02:03');
    expect(formatElapsed(-5000)).toBe('0:00');
  });

  it('says when they last met and when the next meeting is due', () => {
    const iso = (d: Date) => d.toISOString();
    expect(daysAgo(iso(new Date(2026, 2, 10, 9)), now)).toBe('today');
    expect(daysAgo(iso(new Date(2026, 1, 26, 9)), now)).toBe('12 days ago');
    expect(dueLabel(iso(new Date(2026, 2, 13, 9)), now)).toBe('Friday');
    expect(dueLabel(iso(new Date(2026, 2, 11, 9)), now)).toBe('tomorrow');
    expect(meetingLine({ lastMetAt: iso(new Date(2026, 1, 26, 9)), nextDueAt: iso(new Date(2026, 2, 13, 9)) }, now)).toBe(
      'Last met 12 days ago · next due Friday',
    );
    expect(meetingLine({ lastMetAt: iso(new Date(2026, 2, 10, 9)), nextDueAt: null }, now)).toBe('Last met today');
    expect(meetingLine({ lastMetAt: null, nextDueAt: null }, now)).toBeNull();
    expect(meetingLine({ lastMetAt: iso(new Date(2026, 1, 1, 9)), nextDueAt: iso(new Date(2026, 1, 8, 9)) }, now)).toBe(
      'Last met 37 days ago · next was due 8 Feb',
    );
  });

  it('shows an action item’s age, or nothing for items older than the field', () => {
    expect(ageLine(new Date(2026, 2, 7, 9).toISOString(), now)).toBe('added 3 days ago');
    expect(ageLine(null, now)).toBeNull();
  });
});
