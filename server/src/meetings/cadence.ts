import type { CadenceKind } from '@menteo/protocol';

export interface Cadence {
  kind: CadenceKind;
  everyDays: number | null;
  nextAt: Date | null;
  /** When the cadence was set: the base of the first due date of a room that never met. */
  updatedAt: Date;
}

const DAY_MS = 86_400_000;

/** `from` plus one period of the cadence (a month is a calendar month, clamped to its last day). */
export function addPeriod(from: Date, kind: CadenceKind, everyDays: number | null): Date {
  switch (kind) {
    case 'weekly':
      return new Date(from.getTime() + 7 * DAY_MS);
    case 'biweekly':
      return new Date(from.getTime() + 14 * DAY_MS);
    case 'every_n_days':
      return new Date(from.getTime() + Math.max(1, everyDays ?? 1) * DAY_MS);
    case 'monthly': {
      const d = new Date(from.getTime());
      const day = d.getUTCDate();
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() + 1);
      const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      d.setUTCDate(Math.min(day, last));
      return d;
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * When the next meeting is due: the date a member set, unless a meeting has started since;
 * otherwise one period after the last meeting (or after the cadence was set, for a room that
 * never met). Null without a cadence.
 */
export function nextDueAt(cadence: Cadence | null, lastMetAt: Date | null): Date | null {
  if (!cadence) return null;
  if (cadence.nextAt && (!lastMetAt || cadence.nextAt > lastMetAt)) return cadence.nextAt;
  return addPeriod(lastMetAt ?? cadence.updatedAt, cadence.kind, cadence.everyDays);
}
