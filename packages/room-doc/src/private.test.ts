import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAgendaItem } from './lists.ts';
import { readAgenda } from './read.ts';
import { moveToSharedAgenda } from './private.ts';

describe('moving a private talking point to the shared agenda', () => {
  it('adds it at the end of the shared agenda and removes it from the private list', () => {
    const priv = new Y.Doc();
    const room = new Y.Doc();
    addAgendaItem(room, { text: 'Shared first', addedBy: 'u2' });
    const keep = addAgendaItem(priv, { text: 'Stays private', addedBy: 'u1' });
    const move = addAgendaItem(priv, { text: 'Ask about the promotion', addedBy: 'u1' });
    const sharedId = moveToSharedAgenda(priv, room, move, 'u1');
    expect(sharedId).toEqual(expect.any(String));
    expect(readAgenda(room).map((i) => [i.text, i.addedBy])).toEqual([
      ['Shared first', 'u2'],
      ['Ask about the promotion', 'u1'],
    ]);
    expect(readAgenda(priv).map((i) => i.id)).toEqual([keep]);
  });

  it('does nothing for a point that is gone', () => {
    const priv = new Y.Doc();
    const room = new Y.Doc();
    expect(moveToSharedAgenda(priv, room, 'missing', 'u1')).toBeNull();
    expect(readAgenda(room)).toEqual([]);
  });
});
