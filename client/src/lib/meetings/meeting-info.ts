/** Pure helpers for meetings as the API and socket.io send them: timer, cadence lines, ages. */
import type { CadenceKind, MeetingSummary, Room } from '@menteo/protocol';

const DAY_MS = 86_400_000;

/** "4:05" under an hour, "1:02:03" beyond; negative spans (clock skew) read as 0:00. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
/** Whole calendar days from `a` to `b` in local time (b later → positive). */
const calendarDays = (a: Date, b: Date) => Math.round((startOfDay(b) - startOfDay(a)) / DAY_MS);

/** "today", "yesterday", "12 days ago" (calendar days, local time). */
export function daysAgo(iso: string, now: Date = new Date()): string {
  const days = calendarDays(new Date(iso), now);
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  return `${days} days ago`;
}

/** "today", "tomorrow", "Friday" within a week, else "12 Mar"; for a date already passed, "12 Mar" too. */
export function dueLabel(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const days = calendarDays(now, at);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days > 1 && days < 7) return at.toLocaleDateString('en', { weekday: 'long' });
  return at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
}

/** Overdue: the due moment passed (a meeting later that day would have moved it). */
export function isMeetingOverdue(room: Pick<Room, 'nextDueAt'>, now: Date = new Date()): boolean {
  return room.nextDueAt !== null && Date.parse(room.nextDueAt) < now.getTime();
}

/** "Last met 12 days ago · next due Friday", "Never met · next due tomorrow", "Last met today", or null with neither. */
export function meetingLine(room: Pick<Room, 'lastMetAt' | 'nextDueAt'>, now: Date = new Date()): string | null {
  const parts: string[] = [];
  if (room.lastMetAt) parts.push(`Last met ${daysAgo(room.lastMetAt, now)}`);
  else if (room.nextDueAt) parts.push('Not met yet');
  if (room.nextDueAt) {
    parts.push(isMeetingOverdue(room, now) ? `next was due ${dueLabel(room.nextDueAt, now)}` : `next due ${dueLabel(room.nextDueAt, now)}`);
  }
  return parts.length > 0 ? parts.join(' · ') : null;
}

/** "added today", "added 3 days ago": an open action item's age. */
export function ageLine(createdAt: string | null, now: Date = new Date()): string | null {
  return createdAt ? `added ${daysAgo(createdAt, now)}` : null;
}

export const CADENCE_LABELS: Record<CadenceKind, string> = {
  weekly: 'Every week',
  biweekly: 'Every two weeks',
  monthly: 'Every month',
  every_n_days: 'Every N days',
};

/** The summary as short lines for the card ("2 milestones done"); empty categories are left out. */
export function summaryLines(s: MeetingSummary): Array<{ label: string; items: string[] }> {
  const lines: Array<{ label: string; items: string[] }> = [
    { label: 'Goals added', items: s.goals.added.map((g) => g.title) },
    { label: 'Goals completed', items: s.goals.completed.map((g) => g.title) },
    {
      label: 'Goals moved',
      items: s.goals.statusChanged.filter((g) => g.to !== 'done' && g.to !== 'dropped').map((g) => `${g.title} (${g.to.replace('_', ' ')})`),
    },
    { label: 'Goals dropped', items: s.goals.dropped.map((g) => g.title) },
    { label: 'Milestones done', items: s.milestones.done.map((m) => `${m.title} (${m.goalTitle})`) },
    { label: 'Action items added', items: s.actions.added.map((a) => a.text) },
    { label: 'Action items closed', items: s.actions.closed.map((a) => a.text) },
    { label: 'Agenda points discussed', items: s.agenda.discussed.map((a) => a.text) },
    { label: 'Carried over to next time', items: s.agenda.carriedOver.map((a) => a.text) },
  ];
  return lines.filter((l) => l.items.length > 0);
}

/** "Notes: +120 words, −4 words", or null when the notes did not change. */
export function notesLine(s: MeetingSummary): string | null {
  const { wordsAdded, wordsRemoved } = s.notes;
  if (wordsAdded === 0 && wordsRemoved === 0) return null;
  const w = (n: number) => `${n} ${n === 1 ? 'word' : 'words'}`;
  return `Notes: +${w(wordsAdded)}, −${w(wordsRemoved)}`;
}
