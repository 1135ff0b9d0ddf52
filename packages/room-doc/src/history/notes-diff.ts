import { diffWordsWithSpace, diffLines } from 'diff';
import type { NotesDiff, NotesSegment } from '@menteo/protocol';
import type { Attribution } from './attribution.ts';
import { countWords, runAt, type NotesText } from './notes-text.ts';

/**
 * Past this many characters (either side) the notes are diffed line by line instead of word by
 * word: the word diff is O(N·D) and a pathological pair (everything rewritten) would hold the
 * event loop for seconds.
 */
const WORD_DIFF_MAX_CHARS = 100_000;

type Side = { notes: NotesText; who: (client: number, clock: number) => string | null };

/**
 * Splits characters [from, from+length) of one side into pieces by author: insertions by the
 * client that made the characters, deletions by the update that deleted them.
 */
function byAuthor(side: Side, from: number, length: number, op: 'ins' | 'del', out: NotesSegment[]): void {
  const { text, runs } = side.notes;
  let pieceStart = from;
  let pieceAuthor: string | null | undefined;
  for (let pos = from; pos < from + length; ) {
    const run = runAt(runs, pos);
    // A block separator has no item: it goes with whatever surrounds it.
    const runEnd = run ? run.start + run.length : pos + 1;
    const until = Math.min(runEnd, from + length);
    if (!run) {
      pos = until;
      continue;
    }
    // Within one run the deleter can still change from character to character.
    for (let p = pos; p < until; p++) {
      const author = side.who(run.client, run.clock + (p - run.start));
      if (pieceAuthor === undefined) pieceAuthor = author;
      else if (author !== pieceAuthor) {
        out.push({ op, text: text.slice(pieceStart, p), authorId: pieceAuthor });
        pieceStart = p;
        pieceAuthor = author;
      }
    }
    pos = until;
  }
  if (pieceStart < from + length) out.push({ op, text: text.slice(pieceStart, from + length), authorId: pieceAuthor ?? null });
}

/**
 * The notes of b against a, word by word, with every inserted run attributed to whoever typed it
 * and every deleted run to whoever deleted it (`attribution` covers the updates between a and b).
 */
export function diffNotes(a: NotesText, b: NotesText, attribution: Attribution): NotesDiff {
  // Notes mostly grow at a few places: the unchanged head and tail (whole words) are left out
  // of the word diff, which is then about the changed middle only, not the whole notes.
  const { start, endA, endB } = changedRange(a.text, b.text);
  const midA = a.text.slice(start, endA);
  const midB = b.text.slice(start, endB);
  const coarse = midA.length > WORD_DIFF_MAX_CHARS || midB.length > WORD_DIFF_MAX_CHARS;
  const changes = coarse ? diffLines(midA, midB) : diffWordsWithSpace(midA, midB);
  const sideA: Side = { notes: a, who: (client, clock) => attribution.deleterOf(client, clock) };
  const sideB: Side = { notes: b, who: (client) => attribution.authorOfClient(client) };
  const segments: NotesSegment[] = start > 0 ? [{ op: 'same', text: a.text.slice(0, start), authorId: null }] : [];
  let pa = start;
  let pb = start;
  for (const change of changes) {
    const len = change.value.length;
    if (change.added) {
      byAuthor(sideB, pb, len, 'ins', segments);
      pb += len;
    } else if (change.removed) {
      byAuthor(sideA, pa, len, 'del', segments);
      pa += len;
    } else {
      segments.push({ op: 'same', text: change.value, authorId: null });
      pa += len;
      pb += len;
    }
  }
  if (endA < a.text.length) segments.push({ op: 'same', text: a.text.slice(endA), authorId: null });
  return summarize(mergeAdjacent(segments), coarse);
}

/**
 * The one range where two texts differ, widened to whole words (whitespace boundaries): text
 * before `start` and from `endA` (in a) / `endB` (in b) on is the same in both.
 */
function changedRange(before: string, after: string): { start: number; endA: number; endB: number } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before.charCodeAt(endB - 1) === after.charCodeAt(endA - 1)) {
    endB--;
    endA--;
  }
  const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
  while (start > 0 && !isSpace(before[start - 1])) start--;
  while (endB < before.length && !isSpace(before[endB])) {
    endB++;
    endA++;
  }
  return { start, endA: endB, endB: endA };
}

function mergeAdjacent(segments: NotesSegment[]): NotesSegment[] {
  const out: NotesSegment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && last.op === s.op && last.authorId === s.authorId) last.text += s.text;
    else if (s.text !== '') out.push({ ...s });
  }
  return out;
}

function summarize(segments: NotesSegment[], coarse: boolean): NotesDiff {
  const authors = new Map<string | null, { authorId: string | null; wordsAdded: number; wordsRemoved: number }>();
  let wordsAdded = 0;
  let wordsRemoved = 0;
  for (const s of segments) {
    if (s.op === 'same') continue;
    const words = countWords(s.text);
    let entry = authors.get(s.authorId);
    if (!entry) authors.set(s.authorId, (entry = { authorId: s.authorId, wordsAdded: 0, wordsRemoved: 0 }));
    if (s.op === 'ins') {
      wordsAdded += words;
      entry.wordsAdded += words;
    } else {
      wordsRemoved += words;
      entry.wordsRemoved += words;
    }
  }
  return { segments, wordsAdded, wordsRemoved, byAuthor: [...authors.values()], coarse };
}

/**
 * Words added and removed between two versions of the notes, cheaply: only the one changed range
 * (common prefix and suffix trimmed, widened to whole words) is diffed. For the timeline, which
 * asks this once per group of edits.
 */
export function notesWordDelta(before: string, after: string): { added: number; removed: number } {
  if (before === after) return { added: 0, removed: 0 };
  const { start, endA, endB } = changedRange(before, after);
  const removedText = before.slice(start, endA);
  const addedText = after.slice(start, endB);
  if (removedText.length + addedText.length > WORD_DIFF_MAX_CHARS) {
    return { added: countWords(addedText), removed: countWords(removedText) };
  }
  let added = 0;
  let removed = 0;
  for (const c of diffWordsWithSpace(removedText, addedText)) {
    if (c.added) added += countWords(c.value);
    else if (c.removed) removed += countWords(c.value);
  }
  return { added, removed };
}
