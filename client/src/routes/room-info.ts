/** Pure helpers about a room as the REST API returns it. */
import type { Member, Role, Room } from '@menteo/protocol';

/** The other member of a 1:1 room, if they have joined. */
export function partnerOf(room: Room): Member | null {
  return room.members.find((m) => m.role !== room.myRole) ?? null;
}

export function partnerRole(role: Role): Role {
  return role === 'mentor' ? 'mentee' : 'mentor';
}

/** "with Ada Lovelace", or the waiting line when the mentee has not joined yet. */
export function partnerLine(room: Room): string {
  const partner = partnerOf(room);
  if (partner) return `with ${partner.displayName}`;
  return room.myRole === 'mentor' ? 'Waiting for your mentee' : 'Your mentor has left this room';
}

export function roleLabel(role: Role): string {
  return role === 'mentor' ? 'Mentor' : 'Mentee';
}

/** "3 of 4 milestones · 75%", "2 goals · no milestones yet", or "No goals yet". */
export function progressLine(room: Pick<Room, 'progress'>): string {
  const p = room.progress;
  if (p.goals === 0) return 'No goals yet';
  if (p.milestones === 0) return `${p.goals === 1 ? '1 goal' : `${p.goals} goals`} · no milestones yet`;
  return `${p.milestonesDone} of ${p.milestones} ${p.milestones === 1 ? 'milestone' : 'milestones'} · ${p.milestonePercent}%`;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "5 minutes ago", "yesterday", "just now" (under a minute, or a clock slightly ahead of ours). */
export function relativeTime(iso: string, now: Date = new Date()): string {
  // A server clock slightly ahead of ours must not read "in 2 minutes".
  const seconds = Math.min(0, (Date.parse(iso) - now.getTime()) / 1000);
  if (Number.isNaN(seconds)) return 'at an unknown time';
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit); // trunc: 36 hours ago is "yesterday"
  }
  return 'just now';
}

/** "Last activity 5 minutes ago", or "No activity yet" for a doc nobody has written. */
export function activityLine(room: Pick<Room, 'lastActivityAt'>, now: Date = new Date()): string {
  return room.lastActivityAt ? `Last activity ${relativeTime(room.lastActivityAt, now)}` : 'No activity yet';
}
