import * as Y from 'yjs';
import type { HistoryAuthor, TimelineGroup, TimelineStep } from '@menteo/protocol';
import { readActions, readAgenda, readGoal, readGoals, readResources } from '../read.ts';
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
export interface Parts {
  goals: Map<string, Goal>;
  agenda: Map<string, AgendaItem>;
  actions: Map<string, ActionItem>;
  resources: Map<string, Resource>;
  notes: string;
  agreement: string;
}

/** What one group of edits changed, as far as the narration needs to know. */
export interface Touched {
  areas: ReadonlySet<Area>;
  /** Goals whose entry or content changed; undefined: look at every goal. */
  goalIds?: ReadonlySet<string>;
  /** Words added to and removed from the notes, when already counted (else from `notes` of both parts). */
  notesWords?: { added: number; removed: number };
}

export type Area = keyof Parts;
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
export function describeChanges(before: Parts, after: Parts, who: string, changes: Touched = { areas: new Set(AREAS) }): TimelineStep[] {
  const touched = changes.areas;
  const steps: TimelineStep[] = [];
  const step = (kind: TimelineStep['kind'], text: string, targetId?: string) =>
    steps.push(targetId === undefined ? { kind, text: `${who} ${text}` } : { kind, text: `${who} ${text}`, targetId });

  if (touched.has('goals')) {
    let reordered = false;
    const ids = changes.goalIds ?? new Set([...before.goals.keys(), ...after.goals.keys()]);
    for (const id of ids) {
      const g = after.goals.get(id);
      if (!g) continue;
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
    for (const id of ids) {
      const g = before.goals.get(id);
      if (g && !after.goals.has(id)) step('goal.removed', `deleted the goal ${quote(g.title)}`, id);
    }
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

  if (touched.has('notes') && (changes.notesWords ? changes.notesWords.added + changes.notesWords.removed > 0 || before.notes !== after.notes : before.notes !== after.notes)) {
    const { added, removed } = changes.notesWords ?? notesWordDelta(before.notes, after.notes);
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

/** The plain text of one notes text node (marks and embeds left out). */
function plainText(t: Y.XmlText): string {
  let out = '';
  for (let item = t._start; item !== null; item = item.right) {
    if (!item.deleted && item.content instanceof Y.ContentString) out += item.content.str;
  }
  return out;
}

/** Every text node of the notes, in document order. */
function textNodes(doc: Y.Doc): Y.XmlText[] {
  const out: Y.XmlText[] = [];
  const walk = (node: Y.XmlFragment | Y.XmlElement) => {
    for (const child of node.toArray()) {
      if (child instanceof Y.XmlText) out.push(child);
      else if (child instanceof Y.XmlElement) walk(child);
    }
  };
  walk(doc.getXmlFragment(ROOM_TYPES.notes));
  return out;
}

/**
 * Readable steps of history, grouped per minute and author. `doc` is the state just before the
 * first row (empty, or the doc as of the range's start) and is advanced row by row; the caller
 * owns and destroys it. Rows must be in time order (oldest first). A group is a run of
 * consecutive rows of one author that started in one minute; a group whose changes cancel out
 * (typed and deleted) is left out.
 *
 * Only what a group touched is read again (Yjs says which types changed): the goals it changed,
 * the lists it changed, the notes paragraphs it changed. A month of a busy room has hundreds of
 * groups and the board hundreds of goals; re-reading everything per group cost seconds.
 */
export function timeline(doc: Y.Doc, rows: readonly TimelineRow[], options: TimelineOptions): Timeline {
  const goalsRoot = doc.getMap(ROOM_TYPES.goals);
  const names = new Map<object, Area>();
  const areaOf = (root: object): Area | undefined => {
    let area = names.get(root);
    if (area === undefined) {
      for (const [name, t] of doc.share) if (t === root) area = AREA_OF[name];
      if (area) names.set(root, area);
    }
    return area;
  };
  /** What the current group's transaction changed (reset per group). */
  const seen = { touched: new Set<Area>(), goalIds: new Set<string>(), texts: new Set<Y.XmlText>(), notesStructure: false };
  const onTransaction = (tr: Y.Transaction) => {
    for (const [type, keys] of tr.changed) {
      type Node = { _item: Y.Item | null };
      let root: Node = type;
      let below: Node | null = null;
      while (root._item !== null) {
        below = root;
        root = root._item.parent as Node;
      }
      const area = areaOf(root);
      if (!area) continue;
      seen.touched.add(area);
      if (area === 'goals') {
        if (below === null) for (const k of keys) if (k !== null) seen.goalIds.add(k);
        const key = below?._item?.parentSub;
        if (typeof key === 'string') seen.goalIds.add(key);
      } else if (area === 'notes') {
        if (type instanceof Y.XmlText) seen.texts.add(type);
        else seen.notesStructure = true;
      }
    }
  };
  doc.on('afterTransaction', onTransaction);
  const groups: TimelineGroup[] = [];
  let parts = readParts(doc);
  let texts = new Map<Y.XmlText, string>(textNodes(doc).map((t) => [t, plainText(t)]));
  const reset = () => {
    parts = readParts(doc);
    texts = new Map(textNodes(doc).map((t) => [t, plainText(t)]));
  };
  try {
    let i = 0;
    while (i < rows.length) {
      const first = rows[i];
      if (!first) break;
      if (first.baseline) {
        applyStoredUpdates(doc, [first.data], 'history');
        reset();
        i++;
        continue;
      }
      if (options.maxGroups !== undefined && groups.length >= options.maxGroups) return { groups, nextFrom: first.firstAt };
      const minute = minuteOf(first.firstAt);
      let j = i;
      let updates = 0;
      let lastAt = first.lastAt;
      seen.touched = new Set();
      seen.goalIds = new Set();
      seen.texts = new Set();
      seen.notesStructure = false;
      doc.transact(() => {
        for (; j < rows.length; j++) {
          const row = rows[j];
          if (!row || row.baseline || row.authorId !== first.authorId || minuteOf(row.firstAt) !== minute) break;
          applyStoredUpdates(doc, [row.data], 'history');
          updates += row.updates;
          if (row.lastAt > lastAt) lastAt = row.lastAt;
        }
      }, 'history');
      const { touched, goalIds, texts: changedTexts, notesStructure } = seen;
      const next: Parts = { ...parts };
      if (touched.has('goals')) {
        next.goals = new Map(parts.goals);
        for (const id of goalIds) {
          const g = readGoal(id, goalsRoot.get(id));
          if (g) next.goals.set(id, g);
          else next.goals.delete(id);
        }
      }
      for (const area of ['agenda', 'actions', 'resources', 'agreement'] as const) {
        if (touched.has(area)) (next as Record<Area, unknown>)[area] = readArea(doc, area);
      }
      let notesWords: { added: number; removed: number } | undefined;
      if (touched.has('notes')) {
        notesWords = { added: 0, removed: 0 };
        const count = (before: string, after: string) => {
          const d = notesWordDelta(before, after);
          notesWords!.added += d.added;
          notesWords!.removed += d.removed;
        };
        if (notesStructure) {
          const now = new Map(textNodes(doc).map((t) => [t, ''] as [Y.XmlText, string]));
          for (const [t, old] of texts) if (!now.has(t)) count(old, '');
          for (const t of now.keys()) {
            const old = texts.get(t);
            if (old === undefined || changedTexts.has(t)) now.set(t, plainText(t));
            else now.set(t, old);
            if (old === undefined) count('', now.get(t) ?? '');
            else if (changedTexts.has(t)) count(old, now.get(t) ?? '');
          }
          texts = now;
        } else {
          for (const t of changedTexts) {
            const old = texts.get(t);
            if (old === undefined) continue;
            const now = plainText(t);
            count(old, now);
            texts.set(t, now);
          }
        }
        // `notes` in the parts stands for "changed" only; the counts above are the narration.
        next.notes = notesWords.added + notesWords.removed > 0 ? `${parts.notes}\u0000` : parts.notes;
      }
      const author = options.authorOf(first.authorId);
      const steps = describeChanges(parts, next, author.name, { areas: touched, goalIds, ...(notesWords ? { notesWords } : {}) });
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
