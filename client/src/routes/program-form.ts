import type { PairFigures, ProgramMilestoneInput } from '@menteo/protocol';

/** Topics typed one per line; blank lines dropped. */
export function parseTopicLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Milestones typed one per line as `title | days after pairing` (days default to 0). */
export function parseMilestoneLines(text: string): { ok: true; milestones: ProgramMilestoneInput[] } | { ok: false; error: string } {
  const milestones: ProgramMilestoneInput[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const bar = line.lastIndexOf('|');
    const title = (bar === -1 ? line : line.slice(0, bar)).trim();
    const daysText = bar === -1 ? '0' : line.slice(bar + 1).trim();
    const days = Number(daysText);
    if (!title) return { ok: false, error: `Milestone line ${i + 1} has no title.` };
    if (!/^\d+$/.test(daysText) || days > 3650) {
      return { ok: false, error: `Milestone line ${i + 1}: "${daysText}" is not a number of days (0–3650).` };
    }
    milestones.push({ title, dueOffsetDays: days });
  }
  return { ok: true, milestones };
}

/** "3 days ago / overdue" style line for a pair's meetings; unknown while meetings are not recorded. */
export function meetingLine(p: PairFigures, cadenceDays: number): string {
  if (p.meetingsHeld === null) return 'unknown';
  const held = `${p.meetingsHeld} held`;
  if (p.daysSinceLastMeeting === null) return held;
  const since = p.lastMeetingAt ? `last ${p.daysSinceLastMeeting} d ago` : `none in ${p.daysSinceLastMeeting} d`;
  return `${held}, ${since}${p.overdue ? ` (over ${cadenceDays} d)` : ''}`;
}
