import * as Y from 'yjs';

/*
 * How long a title or text in the room doc may be, the same on every side: the editor
 * refuses more (inputs carry these as maxlength, writers clip), the readers clip what another
 * client left longer, and the server refuses an update that writes more into one field at
 * once (oversizeWrite). A 1,443-character goal title made a 2,000 px card.
 *
 * Limits are by the field's key in its Y.Map, which is what the server can see in an update:
 * `title` (goals, milestones, resources), `description` (goals), `text` (agenda and action
 * items), `url` (resources). Lengths are UTF-16 code units, as Y.Text and <input maxlength>
 * count them.
 */
export const TEXT_LIMITS = {
  title: 200,
  description: 5000,
  text: 500,
  url: 2048,
} as const;

export type LimitedField = keyof typeof TEXT_LIMITS;

export const isLimitedField = (key: unknown): key is LimitedField =>
  typeof key === 'string' && Object.hasOwn(TEXT_LIMITS, key);

/** `s` cut to `max` code units, never splitting a surrogate pair. */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

export interface Oversize {
  field: LimitedField;
  /** Code units the update writes into that one field. */
  length: number;
  limit: number;
}

/** Where an item sits: the item of the type that contains it (null: a root type) and its own map key. */
interface Place {
  container: Y.Item | null;
  /** The container's map key (a Y.Text's field), when the container is known. */
  containerKey: string | null;
  key: string | null;
}

const idKey = (id: Y.ID) => `${id.client}:${id.clock}`;

/**
 * The first field an update writes more into than its limit allows, or null. Counts, per
 * field, the characters the update's own structs insert into one Y.Text kept under a limited
 * key, and each plain string set under such a key. An honest client never exceeds a limit in
 * one update, since its editor refuses to; two members typing at once may together pass it,
 * which this does not refuse (the readers clip that).
 *
 * `structs` are the update's (Y.decodeUpdate). An item names its parent only when it has no
 * neighbour; otherwise the parent is its origin's, found among the update's own structs or
 * in the doc, so a chain of keystrokes is followed to where it is anchored.
 */
export function oversizeWrite(doc: Y.Doc, structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>): Oversize | null {
  const own = new Map<number, Y.Item[]>();
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue;
    let list = own.get(s.id.client);
    if (!list) own.set(s.id.client, (list = []));
    list.push(s);
  }
  const findOwn = (id: Y.ID): Y.Item | null => {
    const list = own.get(id.client);
    if (!list) return null;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const it = list[mid]!;
      if (id.clock < it.id.clock) hi = mid - 1;
      else if (id.clock >= it.id.clock + it.length) lo = mid + 1;
      else return it;
    }
    return null;
  };
  const findStored = (id: Y.ID): Y.Item | null => {
    if (id.clock >= Y.getState(doc.store, id.client)) return null;
    try {
      const s = Y.getItem(doc.store, id) as Y.Item | Y.GC;
      return s instanceof Y.Item ? s : null;
    } catch {
      // A client may send anything; an anchor that cannot be found limits nothing (Yjs decides
      // what to do with such an update when it applies it).
      return null;
    }
  };
  const storedPlace = (it: Y.Item): Place => {
    const parent = it.parent;
    const container = parent instanceof Y.AbstractType ? parent._item : null;
    return { container, containerKey: container?.parentSub ?? null, key: it.parentSub };
  };

  const places = new Map<Y.Item, Place | null>();
  /** Iterative: an update of many keystrokes is a long chain of origins. */
  const placeOf = (start: Y.Item): Place | null => {
    const chain: Y.Item[] = [];
    let cur: Y.Item | null = start;
    let found: Place | null = null;
    while (cur) {
      const known = places.get(cur);
      if (known !== undefined) {
        found = known;
        break;
      }
      if (cur.parent instanceof Y.AbstractType) {
        found = storedPlace(cur);
        break;
      }
      chain.push(cur);
      if (typeof cur.parent === 'string') {
        found = { container: null, containerKey: null, key: cur.parentSub };
        chain.pop();
        places.set(cur, found);
        break;
      }
      if (cur.parent !== null) {
        const containerId: Y.ID = cur.parent;
        const container = findOwn(containerId) ?? findStored(containerId);
        const containerPlace = container ? placeOf(container) : null;
        found = container ? { container, containerKey: containerPlace?.key ?? null, key: cur.parentSub } : null;
        chain.pop();
        places.set(cur, found);
        break;
      }
      const anchor = cur.origin ?? cur.rightOrigin;
      if (!anchor) break;
      const stored = findOwn(anchor) === null ? findStored(anchor) : null;
      if (stored) {
        found = storedPlace(stored);
        break;
      }
      cur = findOwn(anchor);
    }
    // Siblings share their container and (in a map) their key.
    for (const it of chain) places.set(it, found);
    return found;
  };

  const written = new Map<string, number>();
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue;
    const content = s.content;
    if (content instanceof Y.ContentString) {
      const place = placeOf(s);
      if (!place?.container || !isLimitedField(place.containerKey)) continue;
      const key = idKey(place.container.id);
      const total = (written.get(key) ?? 0) + content.str.length;
      written.set(key, total);
      const limit = TEXT_LIMITS[place.containerKey];
      if (total > limit) return { field: place.containerKey, length: total, limit };
    } else if (content instanceof Y.ContentAny) {
      const place = placeOf(s);
      if (!place || !isLimitedField(place.key)) continue;
      const limit = TEXT_LIMITS[place.key];
      for (const v of content.arr) {
        if (typeof v === 'string' && v.length > limit) return { field: place.key, length: v.length, limit };
      }
    }
  }
  return null;
}
