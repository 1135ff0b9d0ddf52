import * as Y from 'yjs';
import { notesFragment } from '../schema.ts';

/**
 * A run of notes characters that one Yjs item holds: characters [start, start+length) of the
 * plain text are the item's clocks [clock, clock+length). The id says who typed them (the
 * client that made the item) and lets a delete set say who removed them.
 */
export interface TextRun {
  start: number;
  length: number;
  client: number;
  clock: number;
}

/** The notes as plain text, blocks separated by "\n", with the Yjs item behind every character. */
export interface NotesText {
  text: string;
  runs: TextRun[];
}

/**
 * Walks the notes fragment (a ProseMirror tree: paragraph, heading, lists…) in document order.
 * Every block that holds text ends with "\n" (never two in a row), so a word diff of two
 * versions lines up paragraph by paragraph. Only string content counts: formatting marks and
 * embeds do not change the words.
 */
export function notesText(doc: Y.Doc): NotesText {
  const parts: string[] = [];
  const runs: TextRun[] = [];
  let length = 0;
  const newline = () => {
    if (length > 0 && parts[parts.length - 1]?.endsWith('\n') !== true) {
      parts.push('\n');
      length += 1;
    }
  };
  const walk = (node: Y.XmlFragment | Y.XmlElement) => {
    for (const child of node.toArray()) {
      if (child instanceof Y.XmlText) {
        for (let item = child._start; item !== null; item = item.right) {
          if (item.deleted || !(item.content instanceof Y.ContentString)) continue;
          const str = item.content.str;
          runs.push({ start: length, length: str.length, client: item.id.client, clock: item.id.clock });
          parts.push(str);
          length += str.length;
        }
      } else if (child instanceof Y.XmlElement) {
        walk(child);
        newline();
      }
    }
  };
  walk(notesFragment(doc));
  return { text: parts.join(''), runs };
}

/** The run holding character `pos` (runs are sorted by start), or null for a separator. */
export function runAt(runs: readonly TextRun[], pos: number): TextRun | null {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const run = runs[mid];
    if (run === undefined) return null;
    if (pos < run.start) hi = mid - 1;
    else if (pos >= run.start + run.length) lo = mid + 1;
    else return run;
  }
  return null;
}

/** Words in a piece of text (anything between whitespace). */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}
