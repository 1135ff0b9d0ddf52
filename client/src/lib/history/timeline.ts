/** The timeline page's pure parts: which point each slider position shows, and the ranges on offer. */
import type { HistoryMeeting, TimelineGroup, TimelineResponse } from '@menteo/protocol';
import { formatDateTime, meetingLabel } from './format.ts';

/**
 * Slider position i: 0 is the range's start, i > 0 is the end of group i - 1 (its last stored
 * edit). Postgres keeps microseconds and the wire milliseconds, so a group's `lastAt` is its
 * last edit's time rounded down: as of that very instant the last edit (e.g. the goal the step
 * names) would be missing. The point is the end of that millisecond.
 */
export function stepPoint(data: Pick<TimelineResponse, 'from'>, groups: readonly Pick<TimelineGroup, 'lastAt'>[], i: number): string {
  if (i <= 0) return data.from;
  const last = groups[Math.min(i, groups.length) - 1]?.lastAt;
  if (!last) return data.from;
  const t = Date.parse(last);
  return Number.isNaN(t) ? last : new Date(t + 1).toISOString();
}

export interface RangeChoice {
  value: string;
  label: string;
  from: string | null;
  to: string | null;
}

const DAY = 86_400_000;

function minute(ms: number): string {
  return new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
}

/**
 * The last 7 days (the API's default: no bounds), the last 24 hours and 30 days, each meeting
 * loaded, and the range in the URL when it is none of these.
 */
export function rangeChoices(
  meetings: readonly Pick<HistoryMeeting, 'id' | 'title' | 'startedAt' | 'endedAt'>[],
  from: string | null,
  to: string | null,
  now = Date.now(),
): RangeChoice[] {
  const out: RangeChoice[] = [
    { value: 'last-7d', label: 'Last 7 days', from: null, to: null },
    { value: 'last-1d', label: 'Last 24 hours', from: minute(now - DAY), to: null },
    { value: 'last-30d', label: 'Last 30 days', from: minute(now - 30 * DAY), to: null },
  ];
  for (const m of meetings) {
    out.push({ value: `m:${m.id}`, label: `During ${meetingLabel(m)}`, from: m.startedAt, to: m.endedAt });
  }
  if ((from || to) && !out.some((c) => c.from === from && c.to === to)) {
    out.push({
      value: 'custom',
      label: `${from ? formatDateTime(from) : '7 days before'} – ${to ? formatDateTime(to) : 'now'}`,
      from,
      to,
    });
  }
  return out;
}

/** The time to print beside group i: with the date when the day differs from the group before. */
export function groupWhen(groups: readonly Pick<TimelineGroup, 'minute'>[], i: number, timeZone?: string): { withDate: boolean } {
  const day = (iso: string | undefined) =>
    iso ? new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(new Date(iso)) : '';
  return { withDate: i === 0 || day(groups[i]?.minute) !== day(groups[i - 1]?.minute) };
}
