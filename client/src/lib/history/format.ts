/** How the history pages word dates, durations, people and points. Pure, so tests run in node. */
import type { HistoryAuthor, HistoryMeeting, Role } from '@menteo/protocol';

/** "Thu 4 Dec 2026, 14:05" in the reader's time zone. */
export function formatDateTime(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'an unknown time';
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(d);
}

/** "Thu 4 Dec 2026" */
export function formatDay(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'An unknown day';
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone }).format(d);
}

/** "14:05" */
export function formatTime(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '--:--';
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone }).format(d);
}

/** "1 h 05 min", "25 min", "under a minute"; null (still running, unknown) → "running". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return 'running';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  return `${h} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** "Ana and Ben", "Ana, Ben and Cy", "nobody". */
export function joinNames(names: readonly string[]): string {
  if (names.length === 0) return 'nobody';
  if (names.length === 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function attendeesLine(meeting: Pick<HistoryMeeting, 'attendees'>): string {
  return joinNames(meeting.attendees.map((a) => a.name));
}

/** The reader's own name reads "you". */
export function authorName(author: Pick<HistoryAuthor, 'id' | 'name'> | null | undefined, meId?: string): string {
  if (!author) return 'Someone';
  if (meId && author.id === meId) return 'You';
  return author.name.trim() || 'Someone';
}

export function roleWord(role: Role | null): string {
  return role === 'mentor' ? 'mentor' : role === 'mentee' ? 'mentee' : 'former member';
}

/** "Kick-off (Thu 4 Dec 2026, 14:05)". */
export function meetingLabel(m: Pick<HistoryMeeting, 'title' | 'startedAt'>): string {
  return `${m.title || 'Meeting'} (${formatDateTime(m.startedAt)})`;
}

/** What a point names, for headings: "now", a meeting's date, or a time. */
export function pointLabel(point: string, meetings: readonly Pick<HistoryMeeting, 'id' | 'title' | 'startedAt'>[] = []): string {
  if (point === 'now') return 'now';
  const m = meetings.find((x) => x.id === point);
  if (m) return `${meetingLabel(m)}`;
  if (!Number.isNaN(Date.parse(point))) return formatDateTime(point);
  return 'that meeting';
}
