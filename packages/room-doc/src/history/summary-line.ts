import { MeetingSummary } from '@menteo/protocol';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A meeting's summary in one line for the history page: "2 goals added, 1 goal completed,
 * 3 milestones done, 1 action item closed, 2 points discussed, notes +120 −4 words". A stored
 * summary that does not parse (an older shape) gives ''.
 */
export function summaryLine(stored: unknown): string {
  const parsed = MeetingSummary.safeParse(stored);
  if (!parsed.success) return '';
  const s = parsed.data;
  const parts: string[] = [];
  if (s.goals.added.length > 0) parts.push(`${count(s.goals.added.length, 'goal')} added`);
  if (s.goals.completed.length > 0) parts.push(`${count(s.goals.completed.length, 'goal')} completed`);
  const moved = s.goals.statusChanged.length - s.goals.completed.length - s.goals.dropped.length;
  if (moved > 0) parts.push(`${count(moved, 'goal')} moved`);
  if (s.goals.dropped.length > 0) parts.push(`${count(s.goals.dropped.length, 'goal')} dropped`);
  if (s.goals.removed.length > 0) parts.push(`${count(s.goals.removed.length, 'goal')} removed`);
  if (s.milestones.done.length > 0) parts.push(`${count(s.milestones.done.length, 'milestone')} done`);
  if (s.actions.added.length > 0) parts.push(`${count(s.actions.added.length, 'action item')} added`);
  if (s.actions.closed.length > 0) parts.push(`${count(s.actions.closed.length, 'action item')} closed`);
  if (s.agenda.discussed.length > 0) parts.push(`${count(s.agenda.discussed.length, 'point')} discussed`);
  if (s.notes.wordsAdded + s.notes.wordsRemoved > 0) parts.push(`notes +${s.notes.wordsAdded} −${s.notes.wordsRemoved} words`);
  return parts.length === 0 ? 'No changes.' : `${parts.join(', ')}.`.replace(/^./, (c) => c.toUpperCase());
}

/** Agenda point ids a stored summary says were discussed (empty when it does not parse). */
export function discussedIds(stored: unknown): string[] {
  const parsed = MeetingSummary.safeParse(stored);
  return parsed.success ? parsed.data.agenda.discussed.map((i) => i.id) : [];
}
