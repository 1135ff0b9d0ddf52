import * as Y from 'yjs';
import { actionsArray, agendaArray, goalsMap, notesFragment } from '../schema.ts';
import { findListItem, type List } from '../list-order.ts';

/*
 * Restoring (issue 16, item 5) is always ONE new edit of the live doc, in one transaction with
 * the caller's origin: history is never rewritten, the other member receives it like any edit,
 * and undoing it is another edit. The restored thing keeps its id, so restoring twice, or
 * restoring something that was never deleted, finds it present and changes nothing.
 */

export type RestoreOutcome = { restored: true } | { restored: false; reason: 'still_exists' | 'unchanged' | 'not_in_past' };

/** Copies of the Y types in the past doc, ready to insert into another doc. */
function cloneMap(map: Y.Map<unknown>): Y.Map<unknown> {
  return map.clone() as Y.Map<unknown>;
}

/** A deleted goal, with its milestones, description and place on the board, from `past` into `live`. */
export function restoreGoal(live: Y.Doc, past: Y.Doc, goalId: string, origin: unknown): RestoreOutcome {
  if (goalsMap(live).has(goalId)) return { restored: false, reason: 'still_exists' };
  const old = goalsMap(past).get(goalId);
  if (!(old instanceof Y.Map)) return { restored: false, reason: 'not_in_past' };
  live.transact(() => goalsMap(live).set(goalId, cloneMap(old)), origin);
  return { restored: true };
}

function restoreListItem(live: Y.Doc, liveList: List, pastList: List, itemId: string, origin: unknown): RestoreOutcome {
  if (findListItem(liveList, itemId)) return { restored: false, reason: 'still_exists' };
  const old = findListItem(pastList, itemId);
  if (!old) return { restored: false, reason: 'not_in_past' };
  // The item keeps its fractional `order`, so it reappears where it was.
  live.transact(() => liveList.push([cloneMap(old)]), origin);
  return { restored: true };
}

export const restoreAgendaItem = (live: Y.Doc, past: Y.Doc, itemId: string, origin: unknown): RestoreOutcome =>
  restoreListItem(live, agendaArray(live), agendaArray(past), itemId, origin);

export const restoreActionItem = (live: Y.Doc, past: Y.Doc, itemId: string, origin: unknown): RestoreOutcome =>
  restoreListItem(live, actionsArray(live), actionsArray(past), itemId, origin);

/** Whether the thing is in the doc (for finding the last point at which a deleted one existed). */
export function hasItem(doc: Y.Doc, kind: 'goal' | 'agenda' | 'action', id: string): boolean {
  switch (kind) {
    case 'goal':
      return goalsMap(doc).get(id) instanceof Y.Map;
    case 'agenda':
      return findListItem(agendaArray(doc), id) !== null;
    case 'action':
      return findListItem(actionsArray(doc), id) !== null;
    default: {
      const never: never = kind;
      throw new Error(`unknown kind ${String(never)}`);
    }
  }
}

/**
 * The notes as they were in `past`, replacing the live notes in one edit (the old blocks are
 * deleted, copies of the past ones inserted). Unchanged notes are left alone.
 */
export function restoreNotes(live: Y.Doc, past: Y.Doc, origin: unknown): RestoreOutcome {
  const target = notesFragment(live);
  const source = notesFragment(past);
  if (target.toString() === source.toString()) return { restored: false, reason: 'unchanged' };
  live.transact(() => {
    if (target.length > 0) target.delete(0, target.length);
    const copies = source
      .toArray()
      .filter((node): node is Y.XmlElement | Y.XmlText => !(node instanceof Y.XmlHook))
      .map((node) => node.clone());
    if (copies.length > 0) target.insert(0, copies);
  }, origin);
  return { restored: true };
}
