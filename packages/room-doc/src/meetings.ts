import * as Y from 'yjs';
import type { MeetingSummary } from '@menteo/protocol';
import { agendaArray, notesFragment, type Goal } from './schema.ts';
import { readActions, readAgenda, readGoals } from './read.ts';

/*
 * A meeting's derivations: what changed between the doc at its start and at its end, and the
 * agenda carry-over applied when it ends. Pure: they read docs (and carryOverAgenda edits the
 * one it is given, in one transaction with the caller's origin); the server stores the results.
 */

/**
 * The text of one XmlText without its formatting, read off its items: toDelta() builds an
 * attribute object per run and was most of the cost of reading a 1 MB doc's notes.
 */
function plainText(t: Y.XmlText): string {
  let out = '';
  for (let item = t._start; item !== null; item = item.right) {
    if (!item.deleted && item.content instanceof Y.ContentString) out += item.content.str;
  }
  return out;
}

/** Words of the shared notes, in reading order (block boundaries separate words). */
export function notesWords(doc: Y.Doc): string[] {
  const parts: string[] = [];
  const walk = (node: Y.XmlElement | Y.XmlFragment | Y.XmlText | Y.XmlHook): void => {
    if (node instanceof Y.XmlText) {
      parts.push(plainText(node));
      return;
    }
    if (node instanceof Y.XmlElement || node instanceof Y.XmlFragment) {
      for (const child of node.toArray()) walk(child);
      parts.push('\n');
    }
  };
  walk(notesFragment(doc));
  return parts.join('').split(/\s+/u).filter((w) => w.length > 0);
}

const addWords = (counts: Map<string, number>, text: string, by: 1 | -1): void => {
  for (const w of text.split(/\s+/u)) {
    if (w.length === 0) continue;
    const n = (counts.get(w) ?? 0) + by;
    if (n === 0) counts.delete(w);
    else counts.set(w, n);
  }
};

/**
 * How often each word occurs in a doc's shared notes, kept between calls. A text node is read
 * again only after a transaction changed it (`Transaction.changed`, which Yjs fills for every
 * edit whether or not anything observes the doc), so the summary at a meeting's end reads the
 * paragraphs edited since the last count instead of all 66,000 words of a long room's notes
 * (7 ms and most of the garbage of ending a meeting of a 1 MB doc). Memory: the notes' plain
 * text once more, and the counts.
 */
class NotesWordCounts {
  /** The text last read of each live text node. */
  private readonly texts = new Map<Y.XmlText, string>();
  private readonly counts = new Map<string, number>();
  /** Read nodes a transaction changed since. */
  private readonly changed = new Set<Y.XmlText>();
  /**
   * Nodes read while a transaction was open. One created in that transaction is not in its
   * `changed` (Yjs leaves out types created in the same transaction), so all of them are read
   * again after it.
   */
  private readonly readInTransaction = new Set<Y.XmlText>();

  constructor(private readonly doc: Y.Doc) {
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      for (const type of tr.changed.keys()) if (type instanceof Y.XmlText && this.texts.has(type)) this.changed.add(type);
      for (const t of this.readInTransaction) this.changed.add(t);
      this.readInTransaction.clear();
    });
  }

  current(): ReadonlyMap<string, number> {
    const live = new Set<Y.XmlText>();
    const walk = (node: Y.XmlElement | Y.XmlFragment | Y.XmlText | Y.XmlHook): void => {
      if (node instanceof Y.XmlText) live.add(node);
      else if (node instanceof Y.XmlElement || node instanceof Y.XmlFragment) for (const child of node.toArray()) walk(child);
    };
    walk(notesFragment(this.doc));
    for (const [t, text] of this.texts) {
      if (live.has(t)) continue;
      addWords(this.counts, text, -1);
      this.texts.delete(t);
    }
    const inTransaction = this.doc._transaction !== null;
    for (const t of live) {
      const known = this.texts.get(t);
      if (known !== undefined && !this.changed.has(t)) continue;
      const text = plainText(t);
      if (known !== text) {
        if (known !== undefined) addWords(this.counts, known, -1);
        addWords(this.counts, text, 1);
        this.texts.set(t, text);
      }
      if (inTransaction) this.readInTransaction.add(t);
    }
    this.changed.clear();
    return this.counts;
  }
}

const notesCounts = new WeakMap<Y.Doc, NotesWordCounts>();

/** How often each word occurs in the notes now (NotesWordCounts; do not keep the map). */
function wordCounts(doc: Y.Doc): ReadonlyMap<string, number> {
  let counts = notesCounts.get(doc);
  if (!counts) notesCounts.set(doc, (counts = new NotesWordCounts(doc)));
  return counts.current();
}

/** Words added and removed as multisets: moving a sentence counts as neither. */
function wordChanges(before: Readonly<Record<string, number>>, after: ReadonlyMap<string, number>): { wordsAdded: number; wordsRemoved: number } {
  let wordsAdded = 0;
  let wordsRemoved = 0;
  for (const [w, n] of after) {
    const d = n - (Object.hasOwn(before, w) ? before[w]! : 0);
    if (d > 0) wordsAdded += d;
  }
  for (const [w, n] of Object.entries(before)) {
    const d = n - (after.get(w) ?? 0);
    if (d > 0) wordsRemoved += d;
  }
  return { wordsAdded, wordsRemoved };
}

const ref = (g: Goal) => ({ id: g.id, title: g.title });

/**
 * What summarizeMeeting needs of the doc at a meeting's start, as plain JSON: small enough to
 * store with the meeting, so ending it never decodes the whole start state again (that was
 * 250 ms of a 1 MB doc's 350).
 */
export interface MeetingDigest {
  goals: Array<{ id: string; title: string; status: string; milestonesDone: string[] }>;
  actions: Array<{ id: string; done: boolean }>;
  agenda: string[];
  /** Word → occurrences in the notes. */
  notes: Record<string, number>;
}

export function meetingDigest(doc: Y.Doc): MeetingDigest {
  return {
    goals: readGoals(doc).map((g) => ({ id: g.id, title: g.title, status: g.status, milestonesDone: g.milestones.filter((m) => m.done).map((m) => m.id) })),
    actions: readActions(doc).map((a) => ({ id: a.id, done: a.done })),
    agenda: readAgenda(doc).map((a) => a.id),
    notes: Object.fromEntries(wordCounts(doc)),
  };
}

/** A stored digest as it came back from JSON, or null when it does not have the digest's shape. */
export function asMeetingDigest(v: unknown): MeetingDigest | null {
  if (typeof v !== 'object' || v === null) return null;
  const d = v as Partial<MeetingDigest>;
  return Array.isArray(d.goals) && Array.isArray(d.actions) && Array.isArray(d.agenda) && typeof d.notes === 'object' && d.notes !== null
    ? (d as MeetingDigest)
    : null;
}

/**
 * What a meeting changed, from the doc as it was at its start and as it is at its end.
 * Agenda points discussed at the end (whenever they were ticked) are the meeting's; the
 * undiscussed ones are what carryOverAgenda keeps on the live agenda.
 */
export function summarizeMeeting(start: Y.Doc, end: Y.Doc): MeetingSummary {
  return summarizeFromDigest(meetingDigest(start), end);
}

/** summarizeMeeting from the start's digest (meetingDigest), as the server does. */
export function summarizeFromDigest(start: MeetingDigest, end: Y.Doc): MeetingSummary {
  const before = new Map(start.goals.map((g) => [g.id, g]));
  const after = readGoals(end);
  const afterIds = new Set(after.map((g) => g.id));
  const goals: MeetingSummary['goals'] = { added: [], completed: [], statusChanged: [], dropped: [], removed: [] };
  const milestonesDone: MeetingSummary['milestones']['done'] = [];
  for (const g of after) {
    const was = before.get(g.id);
    if (!was) goals.added.push(ref(g));
    else if (was.status !== g.status) goals.statusChanged.push({ ...ref(g), from: was.status, to: g.status });
    if (g.status === 'done' && was?.status !== 'done') goals.completed.push(ref(g));
    if (g.status === 'dropped' && was?.status !== 'dropped') goals.dropped.push(ref(g));
    const wasDone = new Set(was?.milestonesDone);
    for (const m of g.milestones) {
      if (m.done && !wasDone.has(m.id)) milestonesDone.push({ goalId: g.id, goalTitle: g.title, id: m.id, title: m.title });
    }
  }
  for (const g of before.values()) if (!afterIds.has(g.id)) goals.removed.push({ id: g.id, title: g.title });

  const actionsBefore = new Map(start.actions.map((a) => [a.id, a]));
  const actions: MeetingSummary['actions'] = { added: [], closed: [] };
  for (const a of readActions(end)) {
    const was = actionsBefore.get(a.id);
    if (!was) actions.added.push({ id: a.id, text: a.text });
    if (a.done && !was?.done) actions.closed.push({ id: a.id, text: a.text });
  }

  const agendaBefore = new Set(start.agenda);
  const agenda: MeetingSummary['agenda'] = { discussed: [], added: [], carriedOver: [] };
  for (const a of readAgenda(end)) {
    const item = { id: a.id, text: a.text };
    if (!agendaBefore.has(a.id)) agenda.added.push(item);
    (a.discussed ? agenda.discussed : agenda.carriedOver).push(item);
  }

  return {
    goals,
    milestones: { done: milestonesDone },
    actions,
    agenda,
    notes: wordChanges(start.notes, wordCounts(end)),
  };
}

/**
 * Ends a meeting on the live agenda, as one transaction: discussed points leave it (they stay
 * in the meeting's summary and end snapshot); each undiscussed point that does not say where
 * it came from yet gets `carriedFrom: meetingTitle`, so it shows "carried over from Meeting 2"
 * from the first meeting that left it open. Open action items are left as they are: they show
 * their age from `createdAt`. Returns how many points were removed and marked.
 */
export function carryOverAgenda(doc: Y.Doc, meetingTitle: string, origin?: unknown): { removed: number; carried: number } {
  const arr = agendaArray(doc);
  let removed = 0;
  let carried = 0;
  doc.transact(() => {
    const items = arr.toArray();
    // From the end, so deleting an index leaves the ones still to visit in place.
    for (let i = items.length - 1; i >= 0; i--) {
      const m = items[i];
      if (!(m instanceof Y.Map)) continue;
      if (m.get('discussed') === true) {
        arr.delete(i, 1);
        removed++;
      } else if (typeof m.get('carriedFrom') !== 'string') {
        m.set('carriedFrom', meetingTitle);
        carried++;
      }
    }
  }, origin ?? null);
  return { removed, carried };
}

/** An action item's age in whole days at `now`, or null when it has no (valid) `createdAt`. */
export function ageInDays(createdAt: string | null, now: Date): number | null {
  if (!createdAt) return null;
  const t = Date.parse(createdAt);
  return Number.isNaN(t) ? null : Math.max(0, Math.floor((now.getTime() - t) / 86_400_000));
}
