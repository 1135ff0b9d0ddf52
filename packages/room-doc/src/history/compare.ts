import type * as Y from 'yjs';
import type {
  ActionBrief,
  AgendaBrief,
  CompareResult,
  FieldChange,
  GoalBrief,
  GoalChange,
  GoalField,
  MilestoneBrief,
  MilestoneField,
  ActionField,
} from '@menteo/protocol';
import { readActions, readAgenda, readGoals } from '../read.ts';
import type { ActionItem, AgendaItem, Goal } from '../schema.ts';
import { NO_ATTRIBUTION, type Attribution } from './attribution.ts';
import { diffNotes } from './notes-diff.ts';
import { notesText, type NotesText } from './notes-text.ts';

/** What compare derives from two docs; the service adds the points and the authors. */
export type DocComparison = Omit<CompareResult, 'a' | 'b' | 'authors'>;

export const goalBrief = (g: Goal): GoalBrief => ({
  id: g.id,
  title: g.title,
  status: g.status,
  owner: g.owner,
  due: g.due,
  milestones: g.milestones.map((m) => ({ id: m.id, title: m.title, done: m.done })),
});

const actionBrief = (a: ActionItem): ActionBrief => ({ id: a.id, text: a.text, owner: a.owner, due: a.due, done: a.done });
const agendaBrief = (a: AgendaItem): AgendaBrief => ({ id: a.id, text: a.text, discussed: a.discussed });

function fieldChanges<T, F extends string & keyof T>(a: T, b: T, fields: readonly F[]): FieldChange<F>[] {
  const out: FieldChange<F>[] = [];
  for (const field of fields) {
    const from = a[field];
    const to = b[field];
    if (from !== to) out.push({ field, from: from as FieldChange['from'], to: to as FieldChange['to'] });
  }
  return out;
}

const byId = <T extends { id: string }>(items: readonly T[]): Map<string, T> => new Map(items.map((i) => [i.id, i]));

const GOAL_FIELDS: readonly GoalField[] = ['title', 'status', 'owner', 'due', 'description'];
const MILESTONE_FIELDS: readonly MilestoneField[] = ['title', 'done'];
const ACTION_FIELDS: readonly ActionField[] = ['text', 'owner', 'due'];

/** Goals and milestones of b against a. */
export function compareGoals(a: readonly Goal[], b: readonly Goal[]): DocComparison['goals'] {
  const before = byId(a);
  const after = byId(b);
  const changed: GoalChange[] = [];
  for (const g of b) {
    const old = before.get(g.id);
    if (!old) continue;
    const fields = fieldChanges(old, g, GOAL_FIELDS);
    const oldMs = byId(old.milestones);
    const newMs = byId(g.milestones);
    const brief = (m: Goal['milestones'][number]): MilestoneBrief => ({ id: m.id, title: m.title, done: m.done });
    const milestones: GoalChange['milestones'] = {
      added: g.milestones.filter((m) => !oldMs.has(m.id)).map(brief),
      removed: old.milestones.filter((m) => !newMs.has(m.id)).map(brief),
      changed: [],
    };
    for (const m of g.milestones) {
      const o = oldMs.get(m.id);
      if (!o) continue;
      const f = fieldChanges(o, m, MILESTONE_FIELDS);
      if (f.length > 0) milestones.changed.push({ id: m.id, title: m.title, fields: f });
    }
    const touched = milestones.added.length + milestones.removed.length + milestones.changed.length > 0;
    if (fields.length > 0 || touched) changed.push({ id: g.id, title: g.title, fields, milestones });
  }
  return {
    added: b.filter((g) => !before.has(g.id)).map(goalBrief),
    removed: a.filter((g) => !after.has(g.id)).map(goalBrief),
    changed,
  };
}

export function compareActions(a: readonly ActionItem[], b: readonly ActionItem[]): DocComparison['actions'] {
  const before = byId(a);
  const after = byId(b);
  const out: DocComparison['actions'] = { opened: [], closed: [], removed: [], reopened: [], changed: [] };
  for (const item of b) {
    const old = before.get(item.id);
    if (item.done && (!old || !old.done)) out.closed.push(actionBrief(item));
    else if (!item.done && !old) out.opened.push(actionBrief(item));
    else if (!item.done && old?.done) out.reopened.push(actionBrief(item));
    if (old) {
      const fields = fieldChanges(old, item, ACTION_FIELDS);
      if (fields.length > 0) out.changed.push({ id: item.id, text: item.text, fields });
    }
  }
  out.removed = a.filter((i) => !after.has(i.id)).map(actionBrief);
  return out;
}

export function compareAgenda(a: readonly AgendaItem[], b: readonly AgendaItem[]): DocComparison['agenda'] {
  const before = byId(a);
  const after = byId(b);
  const out: DocComparison['agenda'] = { added: [], removed: [], discussed: [], edited: [] };
  for (const item of b) {
    const old = before.get(item.id);
    if (!old) out.added.push(agendaBrief(item));
    else if (old.text !== item.text) out.edited.push({ id: item.id, from: old.text, to: item.text });
    if (item.discussed && !old?.discussed) out.discussed.push(agendaBrief(item));
  }
  out.removed = a.filter((i) => !after.has(i.id)).map(agendaBrief);
  return out;
}

/** What compare reads from a doc: plain values, so a reading can be kept and reused. */
export interface DocReading {
  goals: Goal[];
  actions: ActionItem[];
  agenda: AgendaItem[];
  notes: NotesText;
}

export function readForCompare(doc: Y.Doc): DocReading {
  return { goals: readGoals(doc), actions: readActions(doc), agenda: readAgenda(doc), notes: notesText(doc) };
}

/** compareDocs on readings (the same doc state always reads the same: a meeting's end can be read once). */
export function compareReadings(a: DocReading, b: DocReading, attribution: Attribution = NO_ATTRIBUTION): DocComparison {
  return {
    goals: compareGoals(a.goals, b.goals),
    actions: compareActions(a.actions, b.actions),
    agenda: compareAgenda(a.agenda, b.agenda),
    notes: diffNotes(a.notes, b.notes, attribution),
  };
}

/**
 * Doc b against doc a: goals and milestones, action items, agenda, and the notes word by word.
 * `attribution` should cover the updates made between a and b; without it every notes change
 * is by an unknown author.
 */
export function compareDocs(a: Y.Doc, b: Y.Doc, attribution: Attribution = NO_ATTRIBUTION): DocComparison {
  return compareReadings(readForCompare(a), readForCompare(b), attribution);
}
