import * as Y from 'yjs';
import { docFromStored } from './stored.ts';

/*
 * A meeting's end state, stored as a chain: the first (and now and then another) end is the
 * whole doc; every other end is only what changed since the previous stored end, so 100
 * meetings of a 0.5 MB doc keep about the doc once instead of 100 times. Reading an end applies
 * the chain's parts in order (a full state, then the differences).
 *
 * A difference is a Yjs update: the structs the doc gained after the base's state vector, and
 * the deletions made since the base (not the doc's whole delete set, which Y.encodeStateAsUpdate
 * repeats in every update: in the history benchmark 62 % of the differences' bytes). To know
 * which deletions are new, the latest stored end keeps its "version" (Y.encodeSnapshot: delete
 * set and state vector), a few KB, on its row.
 */

/** What the next end is stored against: the latest stored end. */
export interface SnapshotBase {
  /** Y.encodeSnapshot of that end (delete set + state vector). */
  version: Uint8Array;
  /** Bytes read to rebuild it: its chain's full state plus the differences up to it. */
  chainBytes: number;
  /** Of those, the full state's. */
  rootBytes: number;
}

/**
 * A chain whose differences add up to more than this many times its full state ends with a
 * new full state instead. Reading any end then costs at most about three full states' worth of
 * updates, whatever the room does (rewriting the notes every week makes long differences), and
 * the full states a growing doc stores add up to about 1.5 times its latest one.
 */
export const MAX_CHAIN_RATIO = 2;

export interface EncodedMeetingEnd {
  /** The doc as one update (`diff` false), or what changed since the base (`diff` true). */
  data: Uint8Array;
  diff: boolean;
  /** This end's version: the base of the next end. */
  version: Uint8Array;
}

const EMPTY_SV = new Map<number, number>();

type DeleteSet = ReturnType<typeof Y.createDeleteSet>;
/** Yjs's DeleteItem (not exported by name): a range of one client's clocks. */
type Range = DeleteSet['clients'] extends Map<number, Array<infer I>> ? I : never;

/** A delete set written as in an update (V1): Y.encodeSnapshot writes it, then the state vector (here empty: one 0 byte). */
function deleteSetBytes(ds: DeleteSet): Uint8Array {
  const s = Y.encodeSnapshot(Y.createSnapshot(ds, EMPTY_SV));
  return s.subarray(0, s.byteLength - 1);
}

const range = (clock: number, len: number): Range => ({ clock, len }) as Range;

/** The ranges of `now` not in `before`, per client (both sorted and merged, as Yjs keeps them). */
export function deletedSince(now: DeleteSet, before: DeleteSet): DeleteSet {
  const out = Y.createDeleteSet();
  for (const [client, ranges] of now.clients) {
    const old: Range[] = [...(before.clients.get(client) ?? [])].sort((a, b) => a.clock - b.clock);
    const kept: Range[] = [];
    let j = 0;
    for (const r of [...ranges].sort((a, b) => a.clock - b.clock)) {
      let clock = r.clock;
      const end = r.clock + r.len;
      while (j < old.length && old[j]!.clock + old[j]!.len <= clock) j++;
      for (let k = j; k < old.length && old[k]!.clock < end && clock < end; k++) {
        const o = old[k]!;
        if (o.clock > clock) kept.push(range(clock, o.clock - clock));
        clock = Math.max(clock, o.clock + o.len);
      }
      if (clock < end) kept.push(range(clock, end - clock));
    }
    if (kept.length > 0) out.clients.set(client, kept);
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/**
 * The doc's end state for storing: the difference from the base, or the whole doc when there
 * is no base or the chain would grow past MAX_CHAIN_RATIO. Reads the doc only (no
 * transaction). Whatever the base holds that this replica lacks (an edit still on its way from
 * another node) stays in the rebuilt state: a difference only adds to its base.
 */
export function encodeMeetingEnd(doc: Y.Doc, base: SnapshotBase | null): EncodedMeetingEnd {
  const ds = Y.createDeleteSetFromStructStore(doc.store);
  const version = Y.encodeSnapshot(Y.createSnapshot(ds, Y.decodeStateVector(Y.encodeStateVector(doc))));
  const full = (): EncodedMeetingEnd => ({ data: Y.encodeStateAsUpdate(doc), diff: false, version });
  if (!base) return full();
  const was = Y.decodeSnapshot(base.version);
  const update = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(was.sv));
  // The update is the structs, then the whole delete set (as `ds` writes it); swap that for the
  // new deletions only. If the tail is not what we expect (a doc with pending updates is encoded
  // through a merge), the whole update is stored: larger, just as correct.
  const all = deleteSetBytes(ds);
  const structsEnd = update.byteLength - all.byteLength;
  const data =
    structsEnd >= 0 && Buffer.from(update.buffer, update.byteOffset + structsEnd, all.byteLength).equals(Buffer.from(all))
      ? concat(update.subarray(0, structsEnd), deleteSetBytes(deletedSince(ds, was.ds)))
      : update;
  if (base.chainBytes - base.rootBytes + data.byteLength > MAX_CHAIN_RATIO * base.rootBytes) return full();
  return { data, diff: true, version };
}

/**
 * An end state as one update, from its chain (a full state first, then differences in order).
 * A chain of one is returned as it is; a part that does not decode is skipped (docFromStored).
 */
export function rebuildMeetingEnd(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const { doc } = docFromStored(parts);
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
