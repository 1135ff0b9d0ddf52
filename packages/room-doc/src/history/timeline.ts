import * as Y from 'yjs';
import type { HistoryAuthor, TimelineGroup, TimelineStep } from '@menteo/protocol';
import { readActions, readAgenda, readGoals, readResources } from '../read.ts';
import { agreementMap, ROOM_TYPES, STATUS_LABELS, type ActionItem, type AgendaItem, type Goal, type Resource } from '../schema.ts';
import { applyStoredUpdates } from '../stored.ts';
import { notesWordDelta } from './notes-diff.ts';
import { notesText } from './notes-text.ts';

/** A stored stretch of history (packages/db HistoryRow without the db). */
export interface TimelineRow {
  data: Uint8Array;
  authorId: string | null;
  firstAt: Date;
  lastAt: Date;
  updates: number;
  /** The whole doc as of lastAt (history before it is not kept row by row): applied, never narrated. */
  baseline: boolean;
}

/** The parts of a doc the timeline narrates, read only when a change touched them. */
interface Parts {
  goals: Map<string, Goal>;
  agenda: Map<string, AgendaItem>;
  actions: Map<string, ActionItem>;
  resources: Map<string, Resource>;
  notes: string;
  agreement: string;
}

type Area = keyof Parts;
const AREAS: readonly Area[] = ['goals', 'agenda', 'actions', 'resources', 'notes', 'agreement'];
const AREA_OF: Record<string, Area> = {
  [ROOM_TYPES.goals]: 'goals',
  [ROOM_TYPES.agenda]: 'agenda',
  [ROOM_TYPES.actions]: 'actions',
  [ROOM_TYPES.resources]: 'resources',
  [ROOM_TYPES.notes]: 'notes',
  [ROOM_TYPES.agreement]: 'agreement',
};

const mapOf = <T extends { id: string }>(items: readonly T[]) => new Map(items.map((i) => [i.id, i]));

function readArea(doc: Y.Doc, area: Area): Parts[Area] {
  switch (area) {
    case 'goals':
      return mapOf(readGoals(doc));
    case 'agenda':
      return mapOf(readAgenda(doc));
    case 'actions':
      return mapOf(readActions(doc));
    case 'resources':
      return mapOf(readResources(doc));
    case 'notes':
      return notesText(doc).text;
    case 'agreement':
      return JSON.stringify(agreementMap(doc).toJSON());
    default: {
      const never: never = area;
      throw new Error(`unknown area ${String(never)}`);
    }
  }
}

function readParts(doc: Y.Doc): Parts {
  return {
    goals: mapOf(readGoals(doc)),
    agenda: mapOf(readAgenda(doc)),
    actions: mapOf(readActions(doc)),
    resources: mapOf(readResources(doc)),
    notes: notesText(doc).text,
    agreement: JSON.stringify(agreementMap(doc).toJSON()),
  };
}

/** Titles in sentences: quoted, one line, at most 60 characters. */
export function quote(title: string): string {
  const line = title.replace(/\s+/g, ' ').trim();
  if (line === '') return '(untitled)';
  return `'${line.length > 60 ? `${line.slice(0, 59)}…` : line}'`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The readable steps from one state of the parts to the next, as `who` did them. */
export function describeChanges(before: Parts, after: Parts, who: string, touched: ReadonlySet<Area> = new Set(AREAS)): TimelineStep[] {
  const steps: TimelineStep[] = [];
  const step = (kind: TimelineStep['kind'], text: string, targetId?: string) =>
    steps.push(targetId === undefined ? { kind, text: `${who} ${text}` } : { kind, text: `${who} ${text}`, targetId });

  if (touched.has('goals')) {
    let reordered = false;
    for (const [id, g] of after.goals) {
      const old = before.goals.get(id);
      if (!old) {
        step('goal.added', `added the goal ${quote(g.title)}`, id);
        for (const m of g.milestones) step('milestone.added', `added the milestone ${quote(m.title)} to ${quote(g.title)}`, id);
        continue;
      }
      const t = quote(g.title);
      if (old.title !== g.title) step('goal.renamed', `renamed ${quote(old.title)} to ${t}`, id);
      if (old.status !== g.status) step('goal.status', `moved ${t} to ${STATUS_LABELS[g.status]}`, id);
      if (old.owner !== g.owner) step('goal.owner', `made the ${g.owner} the owner of ${t}`, id);
      if (old.due !== g.due) step('goal.due', g.due ? `set ${t} due on ${g.due}` : `cleared the due date of ${t}`, id);
      if (old.description !== g.description) step('goal.description', `edited the description of ${t}`, id);
      if (old.order !== g.order && old.status === g.status) reordered = true;
      const oldMs = mapOf(old.milestones);
      const newMs = mapOf(g.milestones);
      for (const m of g.milestones) {
        const o = oldMs.get(m.id);
        if (!o) step('milestone.added', `added the milestone ${quote(m.title)} to ${t}`, id);
        else {
          if (o.title !== m.title) step('milestone.renamed', `renamed the milestone ${quote(o.title)} of ${t} to ${quote(m.title)}`, id);
          if (o.done !== m.done) step(m.done ? 'milestone.done' : 'milestone.reopened', `${m.done ? 'ticked off' : 'reopened'} ${quote(m.title)} in ${t}`, id);
        }
      }
      for (const m of old.milestones) if (!newMs.has(m.id)) step('milestone.removed', `removed the milestone ${quote(m.title)} from ${t}`, id);
    }
    for (const [id, g] of before.goals) if (!after.goals.has(id)) step('goal.removed', `deleted the goal ${quote(g.title)}`, id);
    if (reordered && steps.length === 0) step('other', 'reordered the goals');
  }

  if (touched.has('agenda')) {
    for (const [id, item] of after.agenda) {
      const old = before.agenda.get(id);
      if (!old) step('agenda.added', `added ${quote(item.text)} to the agenda`, id);
      else {
        if (old.text !== item.text) step('agenda.edited', `changed the agenda point ${quote(old.text)} to ${quote(item.text)}`, id);
        if (old.discussed !== item.discussed)
          step(item.discussed ? 'agenda.discussed' : 'agenda.undiscussed', `marked ${quote(item.text)} as ${item.discussed ? 'discussed' : 'not discussed'}`, id);
      }
    }
    for (const [id, item] of before.agenda) if (!after.agenda.has(id)) step('agenda.removed', `removed ${quote(item.text)} from the agenda`, id);
  }

  if (touched.has('actions')) {
    for (const [id, item] of after.actions) {
      const old = before.actions.get(id);
      const t = quote(item.text);
      if (!old) {
        step(item.done ? 'action.done' : 'action.added', `${item.done ? 'added and closed' : 'added'} the action item ${t}`, id);
        continue;
      }
      if (old.text !== item.text) step('action.edited', `changed the action item ${quote(old.text)} to ${t}`, id);
      if (old.done !== item.done) step(item.done ? 'action.done' : 'action.reopened', `${item.done ? 'closed' : 'reopened'} the action item ${t}`, id);
      if (old.owner !== item.owner) step('action.owner', `gave the action item ${t} to the ${item.owner}`, id);
      if (old.due !== item.due) step('action.due', item.due ? `set the action item ${t} due on ${item.due}` : `cleared the due date of the action item ${t}`, id);
    }
    for (const [id, item] of before.actions) if (!after.actions.has(id)) step('action.removed', `deleted the action item ${quote(item.text)}`, id);
  }

  if (touched.has('resources')) {
    for (const [id, r] of after.resources) if (!before.resources.has(id)) step('resource.added', `shared the link ${quote(r.title || r.url)}`, id);
    for (const [id, r] of before.resources) if (!after.resources.has(id)) step('resource.removed', `removed the link ${quote(r.title || r.url)}`, id);
  }

  if (touched.has('notes') && before.notes !== after.notes) {
    const { added, removed } = notesWordDelta(before.notes, after.notes);
    const text =
      added > 0 && removed > 0
        ? `added ${plural(added, 'word', 'words')} to the notes and removed ${removed}`
        : added > 0
          ? `added ${plural(added, 'word', 'words')} to the notes`
          : removed > 0
            ? `removed ${plural(removed, 'word', 'words')} from the notes`
            : 'edited the notes';
    steps.push({ kind: 'notes.edited', text: `${who} ${text}`, wordsAdded: added, wordsRemoved: removed });
  }

  if (touched.has('agreement') && before.agreement !== after.agreement) step('agreement.changed', 'updated the agreement');
  return steps;
}

export interface TimelineOptions {
  /** Who an author id is (members, former members; null: not kept). */
  authorOf: (authorId: string | null) => HistoryAuthor;
  /** Stop after this many groups; the answer then says where the rest starts. */
  maxGroups?: number;
}

export interface Timeline {
  groups: TimelineGroup[];
  /** When maxGroups was reached: the first time not covered. */
  nextFrom: Date | null;
}

const MINUTE = 60_000;
const minuteOf = (d: Date) => Math.floor(d.getTime() / MINUTE) * MINUTE;

/**
 * Readable steps of history, grouped per minute and author. `doc` is the state just before the
 * first row (empty, or the doc as of the range's start) and is advanced row by row; the caller
 * owns and destroys it. Rows must be in time order (oldest first). A group is a run of
 * consecutive rows of one author that started in one minute; a group whose changes cancel out
 * (typed and deleted) is left out.
 */
export function timeline(doc: Y.Doc, rows: readonly TimelineRow[], options: TimelineOptions): Timeline {
  const names = new Map<object, Area>();
  for (const [name, type] of doc.share) {
    const area = AREA_OF[name];
    if (area) names.set(type, area);
  }
  let touched = new Set<Area>();
  const onTransaction = (tr: Y.Transaction) => {
    for (const type of tr.changedParentTypes.keys()) {
      if (type._item !== null) continue;
      let area = names.get(type);
      if (!area) {
        // A root type first defined by this update (the doc was empty until now).
        for (const [name, t] of doc.share) if (t === type) area = AREA_OF[name];
        if (area) names.set(type, area);
      }
      if (area) touched.add(area);
    }
  };
  doc.on('afterTransaction', onTransaction);
  const groups: TimelineGroup[] = [];
  let parts = readParts(doc);
  try {
    let i = 0;
    while (i < rows.length) {
      const first = rows[i];
      if (!first) break;
      if (first.baseline) {
        applyStoredUpdates(doc, [first.data], 'history');
        parts = readParts(doc);
        i++;
        continue;
      }
      if (options.maxGroups !== undefined && groups.length >= options.maxGroups) return { groups, nextFrom: first.firstAt };
      const minute = minuteOf(first.firstAt);
      let j = i;
      let updates = 0;
      let lastAt = first.lastAt;
      touched = new Set();
      doc.transact(() => {
        for (; j < rows.length; j++) {
          const row = rows[j];
          if (!row || row.baseline || row.authorId !== first.authorId || minuteOf(row.firstAt) !== minute) break;
          applyStoredUpdates(doc, [row.data], 'history');
          updates += row.updates;
          if (row.lastAt > lastAt) lastAt = row.lastAt;
        }
      }, 'history');
      const next = { ...parts };
      for (const area of touched) (next as Record<Area, unknown>)[area] = readArea(doc, area);
      const author = options.authorOf(first.authorId);
      const steps = describeChanges(parts, next, author.name, touched);
      parts = next;
      if (steps.length > 0) {
        groups.push({
          id: `${first.firstAt.toISOString()}|${first.authorId ?? '-'}`,
          minute: new Date(minute).toISOString(),
          firstAt: first.firstAt.toISOString(),
          lastAt: lastAt.toISOString(),
          author,
          updates,
          steps,
        });
      }
      i = j;
    }
    return { groups, nextFrom: null };
  } finally {
    doc.off('afterTransaction', onTransaction);
  }
}
