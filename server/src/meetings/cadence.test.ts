import { describe, expect, it } from 'vitest';
import { addPeriod, nextDueAt } from './cadence.ts';

const d = (s: string) => new Date(s);

describe('cadence', () => {
  it('adds a week, two weeks, N days and a calendar month (clamped to the month’s end)', () => {
    expect(addPeriod(d('2026-01-01T10:00:00Z'), 'weekly', null)).toEqual(d('2026-01-08T10:00:00Z'));
    expect(addPeriod(d('2026-01-01T10:00:00Z'), 'biweekly', null)).toEqual(d('2026-01-15T10:00:00Z'));
    expect(addPeriod(d('2026-01-01T10:00:00Z'), 'every_n_days', 3)).toEqual(d('2026-01-04T10:00:00Z'));
    expect(addPeriod(d('2026-01-31T10:00:00Z'), 'monthly', null)).toEqual(d('2026-02-28T10:00:00Z'));
  });

  it('is due one period after the last meeting, or at the date a member set if none started since', () => {
    const base = { kind: 'weekly' as const, everyDays: null, updatedAt: d('2026-01-01T00:00:00Z') };
    expect(nextDueAt(null, d('2026-01-01T00:00:00Z'))).toBeNull();
    expect(nextDueAt({ ...base, nextAt: null }, null)).toEqual(d('2026-01-08T00:00:00Z'));
    expect(nextDueAt({ ...base, nextAt: null }, d('2026-01-05T09:00:00Z'))).toEqual(d('2026-01-12T09:00:00Z'));
    expect(nextDueAt({ ...base, nextAt: d('2026-01-20T15:00:00Z') }, d('2026-01-05T09:00:00Z'))).toEqual(d('2026-01-20T15:00:00Z'));
    // The set date passed with a meeting after it: back to the cadence.
    expect(nextDueAt({ ...base, nextAt: d('2026-01-03T15:00:00Z') }, d('2026-01-05T09:00:00Z'))).toEqual(d('2026-01-12T09:00:00Z'));
  });
});
