/** The points a reader can pick to compare or to bound a timeline: now, each meeting, a few times back. */
import type { HistoryMeeting } from '@menteo/protocol';
import { formatDateTime, meetingLabel } from './format.ts';

export interface PointChoice {
  value: string;
  label: string;
}

const DAY = 86_400_000;

/** Whole minutes, so that the same preset computed twice in a minute is the same point. */
function minute(ms: number): string {
  return new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
}

export function presetPoints(now = Date.now()): PointChoice[] {
  return [
    { value: minute(now - DAY), label: '24 hours ago' },
    { value: minute(now - 7 * DAY), label: '7 days ago' },
    { value: minute(now - 30 * DAY), label: '30 days ago' },
  ];
}

/**
 * Now, the loaded meetings (newest first), the presets, and any point in `selected` that is
 * none of those (an ISO time from a link), so a select always shows what is compared.
 */
export function pointChoices(
  meetings: readonly Pick<HistoryMeeting, 'id' | 'title' | 'startedAt'>[],
  selected: readonly (string | null)[],
  now = Date.now(),
): PointChoice[] {
  const out: PointChoice[] = [{ value: 'now', label: 'Now' }];
  for (const m of meetings) out.push({ value: m.id, label: meetingLabel(m) });
  out.push(...presetPoints(now));
  for (const s of selected) {
    if (s && !out.some((c) => c.value === s)) out.push({ value: s, label: Number.isNaN(Date.parse(s)) ? 'A meeting' : formatDateTime(s) });
  }
  return out;
}
