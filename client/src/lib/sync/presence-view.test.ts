import { describe, expect, it } from 'vitest';
import type { Role } from '@menteo/protocol';
import { colorForUser } from '@menteo/room-doc';
import { describeFocus, initials, memberColor, presenceEntries } from './presence-view.ts';

type Person = { userId: string; displayName: string; role: Role };
const mentor: Person = { userId: 'u-mentor', displayName: 'Grace Hopper', role: 'mentor' };
const mentee: Person = { userId: 'u-mentee', displayName: 'Ada Lovelace', role: 'mentee' };
const aw = (m: Person, extra: Record<string, unknown> = {}) => ({
  user: { userId: m.userId, name: m.displayName, color: colorForUser(m.userId), role: m.role },
  focus: null,
  ...extra,
});

describe('presence view', () => {
  it('makes up to two initials', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  ada  ')).toBe('A');
    expect(initials('Jean Luc Picard')).toBe('JP');
    expect(initials('')).toBe('?');
  });

  it('never gives the mentee the same colour as the mentor', () => {
    // Find a mentee id whose own colour collides with the mentor's.
    let clash = '';
    for (let i = 0; !clash; i++) if (colorForUser(`m${i}`) === colorForUser(mentor.userId)) clash = `m${i}`;
    const members = [mentor, { userId: clash, displayName: 'Clash', role: 'mentee' as const }];
    expect(memberColor(mentor.userId, members)).toBe(colorForUser(mentor.userId));
    expect(memberColor(clash, members)).not.toBe(memberColor(mentor.userId, members));
    // No collision: everyone keeps their own colour.
    expect(memberColor(mentee.userId, [mentor, mentee])).toBe(colorForUser(mentee.userId));
  });

  it('describes what a member is doing', () => {
    expect(describeFocus({ kind: 'notes', label: 'Notes' })).toBe('in notes');
    expect(describeFocus({ kind: 'goal', id: 'g', label: 'Ship v1' })).toBe('editing goal “Ship v1”');
    expect(describeFocus(null)).toBeNull();
  });

  it('lists both members, mentor first, the absent one away', () => {
    const entries = presenceEntries({ roster: [{ ...mentor, connections: 1 }], members: [mentee, mentor], awareness: [], meId: mentor.userId });
    expect(entries.map((e) => [e.displayName, e.online, e.isMe])).toEqual([
      ['Grace Hopper', true, true],
      ['Ada Lovelace', false, false],
    ]);
    expect(entries[0]?.color).toBe(colorForUser(mentor.userId));
  });

  it("shows a present member's activity from awareness, and their hidden cursor", () => {
    const entries = presenceEntries({
      roster: [
        { ...mentor, connections: 1 },
        { ...mentee, connections: 2 },
      ],
      members: [mentor, mentee],
      awareness: [aw(mentor), aw(mentee, { focus: { kind: 'goal', id: 'g1', label: 'Learn Rust' }, cursorHidden: true })],
      meId: mentor.userId,
    });
    const ada = entries.find((e) => e.userId === mentee.userId);
    expect(ada?.activity).toBe('editing goal “Learn Rust”');
    expect(ada?.cursorHidden).toBe(true);
  });

  it('ignores malformed awareness states from remote clients', () => {
    const entries = presenceEntries({
      roster: [],
      members: [mentor],
      awareness: [null, 7, { user: 'x' }, { user: { userId: mentor.userId, name: 1 } }],
      meId: 'someone-else',
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.online).toBe(false);
  });

  it('shows the others as unknown, not online or away, while this member is offline', () => {
    const input = {
      roster: [
        { ...mentor, connections: 1 },
        { ...mentee, connections: 1 },
      ],
      members: [mentor, mentee],
      awareness: [aw(mentor), aw(mentee)],
      meId: mentee.userId,
    };
    expect(presenceEntries(input).map((e) => e.presence)).toEqual(['online', 'online']);
    const offline = presenceEntries({ ...input, live: false });
    expect(offline.map((e) => [e.displayName, e.presence, e.online])).toEqual([
      ['Grace Hopper', 'unknown', false],
      ['Ada Lovelace', 'online', true],
    ]);
    expect(offline[0]?.activity).toBeNull();
  });

  it('counts a member present from a y-websocket awareness state alone (a non-browser client, no socket.io)', () => {
    const entries = presenceEntries({ roster: [], members: [mentor, mentee], awareness: [{ user: { userId: mentee.userId, name: 'mentee', role: 'mentee' } }], meId: mentor.userId });
    expect(entries.find((e) => e.userId === mentee.userId)).toMatchObject({ online: true, presence: 'online', activity: null });
  });
});
