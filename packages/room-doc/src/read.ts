import * as Y from 'yjs';
import {
  actionsArray,
  agendaArray,
  goalsMap,
  isGoalStatus,
  isOwner,
  normalizeDue,
  resourcesArray,
  type ActionItem,
  type AgendaItem,
  type Goal,
  type Milestone,
  type Resource,
} from './schema.ts';
import { compareOrdered } from './order.ts';
import { listEntries } from './list-order.ts';
import { validateUrl } from './url.ts';
import { clipText, TEXT_LIMITS, type LimitedField } from './limits.ts';

/*
 * Readers turn whatever is in the doc into validated plain values. Any client with a
 * room token can write any shape, so a reader tolerates missing and wrong-typed
 * fields, substitutes defaults, skips what cannot be repaired, and never throws.
 */

/** A Y.Text or plain string under a limited key, clipped to its limit (another client may have written more). */
const text = (v: unknown, field: LimitedField): string =>
  clipText(v instanceof Y.Text ? v.toString() : typeof v === 'string' ? v : '', TEXT_LIMITS[field]);
const strOr = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const isoOrNull = (v: unknown): string | null =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null;

function readMilestones(v: unknown): Milestone[] {
  if (!(v instanceof Y.Array)) return [];
  const seen = new Set<string>();
  const out: Milestone[] = [];
  for (const m of v.toArray()) {
    if (!(m instanceof Y.Map)) continue;
    const id = m.get('id');
    if (typeof id !== 'string' || seen.has(id)) continue;
    seen.add(id);
    const done = m.get('done') === true;
    out.push({ id, title: text(m.get('title'), 'title'), done, doneAt: done ? isoOrNull(m.get('doneAt')) : null });
  }
  return out;
}

export function readGoal(id: string, m: unknown): Goal | null {
  if (!(m instanceof Y.Map)) return null;
  const status = m.get('status');
  const owner = m.get('owner');
  return {
    id,
    title: text(m.get('title'), 'title'),
    description: text(m.get('description'), 'description'),
    status: isGoalStatus(status) ? status : 'not_started',
    owner: isOwner(owner) ? owner : 'mentee',
    due: normalizeDue(m.get('due')),
    order: strOr(m.get('order'), ''),
    milestones: readMilestones(m.get('milestones')),
    createdBy: strOr(m.get('createdBy'), ''),
    createdAt: strOr(m.get('createdAt'), ''),
  };
}

/** All goals, sorted by (order, id); group them with `goalsByStatus`. */
export function readGoals(doc: Y.Doc): Goal[] {
  const out: Goal[] = [];
  goalsMap(doc).forEach((m, id) => {
    const g = readGoal(id, m);
    if (g) out.push(g);
  });
  return out.sort(compareOrdered);
}

export function getGoal(doc: Y.Doc, id: string): Goal | null {
  return readGoal(id, goalsMap(doc).get(id));
}

/** Talking points in the order people see them (list-order.ts). */
export function readAgenda(doc: Y.Doc): AgendaItem[] {
  return listEntries(agendaArray(doc)).map(({ id, map: m }) => ({
    id,
    text: text(m.get('text'), 'text'),
    addedBy: strOr(m.get('addedBy'), ''),
    discussed: m.get('discussed') === true,
    carriedFrom: typeof m.get('carriedFrom') === 'string' ? (m.get('carriedFrom') as string) : null,
  }));
}

export function readActions(doc: Y.Doc): ActionItem[] {
  return listEntries(actionsArray(doc)).map(({ id, map: m }) => {
    const owner = m.get('owner');
    return {
      id,
      text: text(m.get('text'), 'text'),
      owner: isOwner(owner) ? owner : 'mentee',
      due: normalizeDue(m.get('due')),
      done: m.get('done') === true,
      createdAt: isoOrNull(m.get('createdAt')),
    };
  });
}

/** Links whose URL is not http(s) are dropped: a `javascript:` URL must never reach an href. */
export function readResources(doc: Y.Doc): Resource[] {
  const out: Resource[] = [];
  for (const { id, map: m } of listEntries(resourcesArray(doc))) {
    const url = validateUrl(m.get('url'));
    if (!url.ok) continue;
    out.push({ id, url: url.url, title: text(m.get('title'), 'title'), addedBy: strOr(m.get('addedBy'), '') });
  }
  return out;
}
