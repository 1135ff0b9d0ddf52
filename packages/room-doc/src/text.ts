import type * as Y from 'yjs';

export interface TextChange {
  index: number;
  remove: number;
  insert: string;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * The single changed range between two strings (common prefix and suffix trimmed).
 * A textarea reports only its new value; applying just this range to the Y.Text
 * keeps a concurrent edit elsewhere in the text intact instead of overwriting it.
 * Never splits a surrogate pair.
 */
export function diffText(before: string, after: string): TextChange {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  if (start > 0 && isHigh(before.charCodeAt(start - 1))) start--;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  if (endB < before.length && isLow(before.charCodeAt(endB))) {
    endB++;
    endA++;
  }
  return { index: start, remove: endB - start, insert: after.slice(start, endA) };
}

/** Applies `next` to the Y.Text as one minimal delete+insert; false when nothing changed. */
export function applyTextChange(ytext: Y.Text, next: string, origin?: unknown): boolean {
  const change = diffText(ytext.toString(), next);
  if (change.remove === 0 && change.insert === '') return false;
  const doc = ytext.doc;
  const run = () => {
    if (change.remove > 0) ytext.delete(change.index, change.remove);
    if (change.insert !== '') ytext.insert(change.index, change.insert);
  };
  if (doc) doc.transact(run, origin ?? null);
  else run();
  return true;
}

export type TextDelta = ReadonlyArray<{ retain?: number; insert?: unknown; delete?: number }>;

/**
 * Where a caret at `index` ends up after a remote change (a Y.Text event delta).
 * Inserts exactly at the caret push it right only when `assoc` is 1, so the local
 * user's caret stays put when the other person types right after it.
 */
export function transformIndex(index: number, delta: TextDelta, assoc: 0 | 1 = 0): number {
  // Walk the delta in the coordinates of the text as it is being rewritten: `pos` is
  // where the next op applies, `caret` the caret shifted by the ops already applied.
  let pos = 0;
  let caret = index;
  for (const op of delta) {
    if (op.retain !== undefined) {
      pos += op.retain;
    } else if (op.insert !== undefined) {
      const len = typeof op.insert === 'string' ? op.insert.length : 1;
      if (pos < caret || (pos === caret && assoc === 1)) caret += len;
      pos += len;
    } else if (op.delete !== undefined && pos < caret) {
      caret -= Math.min(op.delete, caret - pos);
    }
  }
  return caret;
}
