import { describe, expect, it } from 'vitest';
import { parseDocName, privateDocName, storedDocName } from './doc-names.ts';

const room = '0b9d2d2e-2f4e-4a43-9d7e-1f0f3c2b1a00';
const user = '5a1b6c7d-0000-4000-8000-000000000001';
const other = '5a1b6c7d-0000-4000-8000-000000000002';

describe('doc names', () => {
  it('names a member’s private doc per user, and parses it back', () => {
    const name = privateDocName(room, user);
    expect(name).toBe(`${room}~private~${user}`);
    expect(parseDocName(name)).toEqual({ kind: 'private', roomId: room, ownerId: user });
    expect(privateDocName(room, user)).not.toBe(privateDocName(room, other));
  });

  it('reads a plain room id as the shared doc', () => {
    expect(parseDocName(room)).toEqual({ kind: 'room', roomId: room });
  });

  it('reads the legacy `<roomId>~private` as the caller’s own private doc, stored under the per-user name', () => {
    const legacy = parseDocName(`${room}~private`);
    expect(legacy).toEqual({ kind: 'private', roomId: room, ownerId: null });
    expect(legacy && storedDocName(legacy, user)).toBe(privateDocName(room, user));
    const perUser = parseDocName(privateDocName(room, user));
    expect(perUser && storedDocName(perUser, user)).toBe(privateDocName(room, user));
    // The stored name follows the owner in the name, not the caller (the server refuses a mismatch first).
    expect(perUser && storedDocName(perUser, other)).toBe(privateDocName(room, user));
    expect(storedDocName({ kind: 'room', roomId: room }, user)).toBe(room);
  });

  it.each(['', '~private', `${room}~privat`, `${room}~private~`, `${room}~privatex`, `${room}~private~a~b`, `${room}~other`, `a~b~private`])(
    'refuses the malformed name %j',
    (name) => {
      expect(parseDocName(name)).toBeNull();
    },
  );
});
