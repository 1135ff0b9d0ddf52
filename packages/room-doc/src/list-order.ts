import * as Y from 'yjs';
import { generateNKeysBetween } from 'fractional-indexing';
import { compareOrdered, isValidKey, placeAt } from './order.ts';

/*
 * Order of the array lists (agenda, action items, resources). The Y.Array stays the
 * container, because other clients read it (DESIGN contract), but each item Y.Map also
 * carries a fractional `order` key, as goals do. A move rewrites only that key: Y.Array
 * has no move, and the old delete + re-insert lost an edit the other person made to the
 * item meanwhile and left two copies when both moved it at once. Map keys are
 * last-writer-wins per key, so a concurrent edit (another key) survives and two
 * concurrent moves end in one place.
 *
 * Items without a valid key (written by an older or another client) sort after the keyed
 * ones, by array position: such clients append, so the end is where their author expects
 * the item. The first local move or add keys them in the order readers show them.
 */

export type List = Y.Array<Y.Map<unknown>>;

export interface ListEntry {
  id: string;
  map: Y.Map<unknown>;
  /** The item's fractional key, or '' when it has no valid one. */
  order: string;
}

/** Maps with a usable id, first occurrence wins: older clients could leave two copies of one item. */
function uniqueEntries(arr: List): ListEntry[] {
  const seen = new Set<string>();
  const out: ListEntry[] = [];
  for (const map of arr.toArray()) {
    if (!(map instanceof Y.Map)) continue;
    const id = map.get('id');
    if (typeof id !== 'string' || id === '' || seen.has(id)) continue;
    seen.add(id);
    const order = map.get('order');
    out.push({ id, map, order: typeof order === 'string' && isValidKey(order) ? order : '' });
  }
  return out;
}

/** The entries of a list in the order readers show them: keyed by (order, id), then unkeyed by array position. */
export function listEntries(arr: List): ListEntry[] {
  const all = uniqueEntries(arr);
  const keyed = all.filter((e) => e.order !== '').sort(compareOrdered);
  return keyed.concat(all.filter((e) => e.order === ''));
}

/** The map readers show for `id` (the first copy), or null. */
export function findListItem(arr: List, id: string): Y.Map<unknown> | null {
  return uniqueEntries(arr).find((e) => e.id === id)?.map ?? null;
}

/**
 * Writes the `order` keys that put `item` at `index` of the list as readers show it
 * without the item. Unkeyed items are keyed first, after the keyed ones and in the
 * order readers show them, so placing one item moves nobody else. Run it inside the
 * caller's transaction.
 */
export function placeInList(arr: List, item: { id: string; map: Y.Map<unknown> }, index: number): void {
  const others = listEntries(arr).filter((e) => e.id !== item.id);
  const firstUnkeyed = others.findIndex((e) => e.order === '');
  if (firstUnkeyed !== -1) {
    const after = others[firstUnkeyed - 1]?.order ?? null;
    const keys = generateNKeysBetween(after, null, others.length - firstUnkeyed);
    others.slice(firstUnkeyed).forEach((e, k) => {
      e.order = keys[k] as string;
      e.map.set('order', e.order);
    });
  }
  const maps = new Map(others.map((e) => [e.id, e.map]));
  maps.set(item.id, item.map);
  for (const [id, key] of placeAt(others, index, item.id)) maps.get(id)?.set('order', key);
}

/**
 * Moves the item `id` to `toIndex` of the list as readers show it without the item
 * (clamped). Writes nothing when it is already there. False when there is no such item.
 */
export function moveInList(doc: Y.Doc, arr: List, id: string, toIndex: number, origin: unknown): boolean {
  const entries = listEntries(arr);
  const from = entries.findIndex((e) => e.id === id);
  const entry = entries[from];
  if (!entry) return false;
  const index = Math.max(0, Math.min(toIndex, entries.length - 1));
  if (index === from) return true;
  doc.transact(() => placeInList(arr, entry, index), origin ?? null);
  return true;
}
