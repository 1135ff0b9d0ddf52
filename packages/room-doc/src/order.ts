import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';

/** Anything placed by a fractional key; ties (two clients inserting at the same spot) fall back to id. */
export interface Ordered {
  id: string;
  order: string;
}

export function compareOrdered(a: Ordered, b: Ordered): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function isValidKey(key: string): boolean {
  if (key.length === 0) return false;
  try {
    generateKeyBetween(key, null);
    return true;
  } catch (err) {
    // generateKeyBetween validates its input; a throw is the library's "not a key" answer.
    void err;
    return false;
  }
}

/**
 * New keys for inserting `id` at `index` of the sorted list `items` (which must not
 * contain `id`). Usually one write: a key strictly between the neighbours. When the
 * neighbours tie (concurrent inserts) or hold garbage written by another client, no
 * key fits between them, so the whole list is re-keyed in one go.
 */
export function placeAt(items: readonly Ordered[], index: number, id: string): Map<string, string> {
  const i = Math.max(0, Math.min(index, items.length));
  const prev = items[i - 1]?.order ?? null;
  const next = items[i]?.order ?? null;
  const fits =
    (prev === null || isValidKey(prev)) &&
    (next === null || isValidKey(next)) &&
    (prev === null || next === null || prev < next);
  if (fits) return new Map([[id, generateKeyBetween(prev, next)]]);
  const ids = items.map((it) => it.id);
  ids.splice(i, 0, id);
  const keys = generateNKeysBetween(null, null, ids.length);
  return new Map(ids.map((x, k) => [x, keys[k] as string]));
}
