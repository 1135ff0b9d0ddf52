import * as Y from 'yjs';

/**
 * A typing session: one goal created, then `updates - 1` single-character inserts into its
 * description, each its own update — the longest log a room can get for its size.
 * Keep `doc` to type on (see `type`): later rows are what the same person typing on would log.
 */
export function typingLog(updates: number): { rows: Uint8Array[]; goalId: string; text: string; doc: Y.Doc } {
  const doc = new Y.Doc();
  const rows: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => rows.push(u));
  const goalId = `goal-${doc.clientID}`;
  doc.transact(() => {
    const goal = new Y.Map<unknown>();
    goal.set('title', new Y.Text('Learn to give a conference talk'));
    goal.set('description', new Y.Text());
    goal.set('status', 'in_progress');
    goal.set('owner', 'mentee');
    goal.set('order', 'a0');
    doc.getMap('goals').set(goalId, goal);
  });
  type(doc, goalId, updates - 1);
  return { rows, goalId, text: descriptionOf(doc, goalId)!, doc };
}

const ALPHABET = 'the quick brown fox jumps over the lazy dog ';

/** Appends `count` characters to the goal's description, one transaction (one update) each. */
export function type(doc: Y.Doc, goalId: string, count: number): void {
  const description = (doc.getMap('goals').get(goalId) as Y.Map<unknown>).get('description') as Y.Text;
  for (let i = 0; i < count; i++) {
    const at = description.length;
    description.insert(at, ALPHABET[at % ALPHABET.length]!);
  }
}

export function descriptionOf(doc: Y.Doc, goalId: string): string | undefined {
  const goal = doc.getMap('goals').get(goalId) as Y.Map<unknown> | undefined;
  return (goal?.get('description') as Y.Text | undefined)?.toString();
}
