/**
 * Pure helpers for the presence bar: who to show, with what colour, initials and activity.
 */
import type { PresenceMember, Role } from '@menteo/protocol';
import { colorForUser, parsePresence, PRESENCE_COLORS, type PresenceFocus } from '@menteo/room-doc';

export interface PresenceEntry {
  userId: string;
  displayName: string;
  role: Role;
  color: string;
  initials: string;
  online: boolean;
  /**
   * online, away, or unknown: while this member's own connection is down, nothing says
   * whether the others are still here, so they are neither shown online nor away.
   */
  presence: 'online' | 'away' | 'unknown';
  isMe: boolean;
  /** "editing goal “Ship v1”", "in notes", or null when idle. */
  activity: string | null;
  cursorHidden: boolean;
}

/** Up to two initials: "Ada Lovelace" → "AL", "ada" → "A". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = [...(words[0] ?? '')][0] ?? '';
  const last = words.length > 1 ? ([...(words[words.length - 1] ?? '')][0] ?? '') : '';
  return (first + last).toUpperCase();
}

/**
 * A member's colour in this room: colorForUser, except that a mentee whose colour hashes
 * to the mentor's takes the next one, so the two people in a 1:1 room never share a colour.
 * Every client computes the same answer from the same member list.
 */
export function memberColor(userId: string, members: readonly { userId: string; role: Role }[]): string {
  const own = colorForUser(userId);
  const me = members.find((m) => m.userId === userId);
  const mentor = members.find((m) => m.role === 'mentor');
  if (!me || me.role === 'mentor' || !mentor) return own;
  const taken = colorForUser(mentor.userId);
  if (own !== taken) return own;
  const i = PRESENCE_COLORS.indexOf(own as (typeof PRESENCE_COLORS)[number]);
  return PRESENCE_COLORS[(i + 1) % PRESENCE_COLORS.length] ?? own;
}

export function describeFocus(focus: PresenceFocus | null): string | null {
  if (!focus) return null;
  const label = focus.label.trim();
  switch (focus.kind) {
    case 'notes':
      return 'in notes';
    case 'goal':
      return label ? `editing goal “${label}”` : 'editing a goal';
    case 'agenda':
      return 'editing the agenda';
    case 'action':
      return 'editing action items';
    case 'resource':
      return 'editing resources';
    default: {
      const never: never = focus.kind;
      return String(never);
    }
  }
}

export interface RosterInput {
  /** Members from the socket.io roster. */
  roster: readonly PresenceMember[];
  /** The room's members from the REST API (so an absent partner still shows, offline). */
  members: readonly { userId: string; displayName: string; role: Role }[];
  /**
   * Awareness states (any shape: remote clients may publish anything). The server stamps
   * each with its connection's authenticated member, so a non-browser y-websocket client
   * shows here as who it is.
   */
  awareness: Iterable<unknown>;
  meId: string;
  /** This member's own doc connection is up; false: the others' presence is unknown. Default true. */
  live?: boolean;
}

/**
 * Everyone to show: the room's members (mentor first), online when in the roster or seen in
 * awareness; activity from the most recent awareness state of that user that has a focus.
 */
export function presenceEntries({ roster, members, awareness, meId, live = true }: RosterInput): PresenceEntry[] {
  const byUser = new Map<string, { focus: PresenceFocus | null; cursorHidden: boolean; seen: boolean }>();
  for (const raw of awareness) {
    const p = parsePresence(raw);
    if (!p) continue;
    const prev = byUser.get(p.user.userId);
    // A member with two tabs: whichever tab has a focus says what they are doing.
    byUser.set(p.user.userId, {
      focus: p.focus ?? prev?.focus ?? null,
      cursorHidden: (prev?.cursorHidden ?? false) || p.cursorHidden === true,
      seen: true,
    });
  }
  const online = new Set(roster.filter((m) => m.connections > 0).map((m) => m.userId));
  const people = new Map<string, { userId: string; displayName: string; role: Role }>();
  for (const m of members) people.set(m.userId, m);
  for (const m of roster) if (!people.has(m.userId)) people.set(m.userId, m);
  const entries = [...people.values()].map((m): PresenceEntry => {
    const aw = byUser.get(m.userId);
    const isMe = m.userId === meId;
    const isOnline = isMe || (live && (online.has(m.userId) || aw?.seen === true));
    return {
      userId: m.userId,
      displayName: m.displayName,
      role: m.role,
      color: memberColor(m.userId, members),
      initials: initials(m.displayName),
      online: isOnline,
      presence: isOnline ? 'online' : live ? 'away' : 'unknown',
      isMe,
      activity: isOnline ? describeFocus(aw?.focus ?? null) : null,
      cursorHidden: aw?.cursorHidden ?? false,
    };
  });
  const rank = (r: Role) => (r === 'mentor' ? 0 : 1);
  return entries.sort((a, b) => rank(a.role) - rank(b.role) || a.displayName.localeCompare(b.displayName));
}
