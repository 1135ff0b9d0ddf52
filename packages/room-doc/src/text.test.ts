import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyTextChange, colorForUser, diffText, parsePresence, PRESENCE_COLORS, transformIndex } from './index.ts';

describe('text diff', () => {
  it('finds the single changed range', () => {
    expect(diffText('hello world', 'hello brave world')).toEqual({ index: 6, remove: 0, insert: 'brave ' });
    expect(diffText('abc', 'ac')).toEqual({ index: 1, remove: 1, insert: '' });
    expect(diffText('aaa', 'aaaa')).toEqual({ index: 3, remove: 0, insert: 'a' });
    expect(diffText('same', 'same')).toEqual({ index: 4, remove: 0, insert: '' });
  });

  it('does not split an emoji surrogate pair', () => {
    const change = diffText('a😀b', 'a😃b');
    expect(change).toEqual({ index: 1, remove: 2, insert: '😃' });
  });

  it('applies only the change to the Y.Text in one transaction with the origin', () => {
    const doc = new Y.Doc();
    const t = doc.getText('t');
    t.insert(0, 'hello world');
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    expect(applyTextChange(t, 'hello there world', 'me')).toBe(true);
    expect(applyTextChange(t, 'hello there world', 'me')).toBe(false);
    expect(t.toString()).toBe('hello there world');
    expect(origins).toEqual(['me']);
  });

  it('moves a caret through a remote change', () => {
    expect(transformIndex(5, [{ insert: 'ab' }])).toBe(7);
    expect(transformIndex(5, [{ retain: 5 }, { insert: 'ab' }])).toBe(5);
    expect(transformIndex(5, [{ retain: 5 }, { insert: 'ab' }], 1)).toBe(7);
    expect(transformIndex(5, [{ retain: 1 }, { delete: 2 }])).toBe(3);
    expect(transformIndex(5, [{ retain: 3 }, { delete: 10 }])).toBe(3);
    expect(transformIndex(5, [{ retain: 8 }, { delete: 1 }])).toBe(5);
  });
});

describe('presence', () => {
  it('gives a user the same colour every time, from the palette', () => {
    expect(colorForUser('user-1')).toBe(colorForUser('user-1'));
    expect(PRESENCE_COLORS).toContain(colorForUser('user-2'));
    const spread = new Set(Array.from({ length: 50 }, (_, i) => colorForUser(`u${i}`)));
    expect(spread.size).toBeGreaterThan(5);
  });

  it('validates a remote awareness state', () => {
    expect(parsePresence(null)).toBeNull();
    expect(parsePresence({ user: { userId: 'u', name: 'Ann', role: 'boss' } })).toBeNull();
    expect(
      parsePresence({
        user: { userId: 'u', name: 'Ann', role: 'mentor', color: 'red;background:url(x)' },
        focus: { kind: 'goal', id: 'g', label: 'Learn Go' },
      }),
    ).toEqual({
      user: { userId: 'u', name: 'Ann', role: 'mentor', color: colorForUser('u') },
      focus: { kind: 'goal', id: 'g', label: 'Learn Go' },
      cursorHidden: false,
    });
    expect(parsePresence({ user: { userId: 'u', name: 'A', role: 'mentee' }, focus: { kind: 'x' } })!.focus).toBeNull();
  });
});
