import * as Y from 'yjs';
import type { MeetingSummary } from '@menteo/protocol';
import { agendaArray, notesFragment, type Goal } from './schema.ts';
import { readActions, readAgenda, readGoals } from './read.ts';

/*
 * A meeting's derivations: what changed between the doc at its start and at its end, and the
 * agenda carry-over applied when it ends. Pure: they read docs (and carryOverAgenda edits the
 * one it is given, in one transaction with the caller's origin); the server stores the results.
 */

/** Words of the shared notes, in reading order (block boundaries separate words). */
export function notesWords(doc: Y.Doc): string[] {
  const parts: string[] = [];
  const walk = (node: Y.XmlElement | Y.XmlFragment | Y.XmlText | Y.XmlHook): void => {
    if (node instanceof Y.XmlText) {
      for (const op of node.toDelta() as Array<{ insert?: unknown }>) if (typeof op.insert === 'string') parts.push(op.insert);
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

/** Words added and removed as multisets: moving a sentence counts as neither. */
function wordChanges(before: readonly string[], after: readonly string[]): { wordsAdded: number; wordsRemoved: number } {
  const counts = new Map<string, number>();
  for (const w of before) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const w of after) counts.set(w, (counts.get(w) ?? 0) - 1);
  let wordsAdded = 0;
  let wordsRemoved = 0;
  for (const n of counts.values()) {
    if (n > 0) wordsRemoved += n;
    else wordsAdded -= n;
  }
  return { wordsAdded, wordsRemoved };
}

const ref = (g: Goal) => ({ id: g.id, title: g.title });

/**
 * What a meeting changed, from the doc as it was at its start and as it is at its end.
 * Agenda points discussed at the end (whenever they were ticked) are the meeting's; the
 * undiscussed ones are what carryOverAgenda keeps on the live agenda.
 */
export function summarizeMeeting(start: Y.Doc, end: Y.Doc): MeetingSummary {
  const before = new Map(readGoals(start).map((g) => [g.id, g]));
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
    const wasDone = new Set(was?.milestones.filter((m) => m.done).map((m) => m.id));
    for (const m of g.milestones) {
      if (m.done && !wasDone.has(m.id)) milestonesDone.push({ goalId: g.id, goalTitle: g.title, id: m.id, title: m.title });
    }
  }
  for (const g of before.values()) if (!afterIds.has(g.id)) goals.removed.push(ref(g));

  const actionsBefore = new Map(readActions(start).map((a) => [a.id, a]));
  const actions: MeetingSummary['actions'] = { added: [], closed: [] };
  for (const a of readActions(end)) {
    const was = actionsBefore.get(a.id);
    if (!was) actions.added.push({ id: a.id, text: a.text });
    if (a.done && !was?.done) actions.closed.push({ id: a.id, text: a.text });
  }

  const agendaBefore = new Set(readAgenda(start).map((a) => a.id));
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
    notes: wordChanges(notesWords(start), notesWords(end)),
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
