import * as Y from 'yjs';
import {
  goalsMap,
  isGoalStatus,
  newId,
  normalizeDue,
  type GoalStatus,
  type Owner,
} from './schema.ts';
import { readGoals } from './read.ts';
import { placeAt } from './order.ts';
import { clipText, TEXT_LIMITS } from './limits.ts';

/*
 * Writers. Each runs in one doc.transact so a change reaches peers as one update,
 * carrying the caller's origin (STYLE rule 3: the server decides on persistence and
 * fan-out by origin; the client uses it to tell local edits from remote ones).
 */

export interface NewGoal {
  title: string;
  description?: string;
  status?: GoalStatus;
  owner?: Owner;
  due?: string | null;
  createdBy: string;
  /** Position within the status column; the end when omitted. */
  index?: number;
}

export interface GoalPatch {
  title?: string;
  description?: string;
  owner?: Owner;
  due?: string | null;
}

export type TextField = 'title' | 'description';

function column(doc: Y.Doc, status: GoalStatus, exceptId: string) {
  return readGoals(doc).filter((g) => g.status === status && g.id !== exceptId);
}

function writeKeys(doc: Y.Doc, keys: Map<string, string>): void {
  const goals = goalsMap(doc);
  for (const [id, key] of keys) goals.get(id)?.set('order', key);
}

function setText(m: Y.Map<unknown>, field: TextField, input: string): void {
  const value = clipText(input, TEXT_LIMITS[field]);
  const t = m.get(field);
  if (t instanceof Y.Text) {
    t.delete(0, t.length);
    t.insert(0, value);
  } else {
    m.set(field, new Y.Text(value));
  }
}

export function createGoal(doc: Y.Doc, input: NewGoal, origin?: unknown): string {
  const id = newId();
  const status = input.status ?? 'not_started';
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    goalsMap(doc).set(id, m);
    m.set('title', new Y.Text(clipText(input.title, TEXT_LIMITS.title)));
    m.set('description', new Y.Text(clipText(input.description ?? '', TEXT_LIMITS.description)));
    m.set('status', status);
    m.set('owner', input.owner ?? 'mentee');
    m.set('due', normalizeDue(input.due));
    m.set('milestones', new Y.Array<Y.Map<unknown>>());
    m.set('createdBy', input.createdBy);
    m.set('createdAt', new Date().toISOString());
    const col = column(doc, status, id);
    writeKeys(doc, placeAt(col, input.index ?? col.length, id));
  }, origin ?? null);
  return id;
}

/** Replaces whole fields. Live typing goes through `goalText` + `applyTextChange` instead. */
export function updateGoal(doc: Y.Doc, id: string, patch: GoalPatch, origin?: unknown): boolean {
  const m = goalsMap(doc).get(id);
  if (!(m instanceof Y.Map)) return false;
  doc.transact(() => {
    if (patch.title !== undefined) setText(m, 'title', patch.title);
    if (patch.description !== undefined) setText(m, 'description', patch.description);
    if (patch.owner !== undefined) m.set('owner', patch.owner);
    if (patch.due !== undefined) m.set('due', normalizeDue(patch.due));
  }, origin ?? null);
  return true;
}

/**
 * Moves a goal to `index` within the `status` column (counted without the goal
 * itself; the end when omitted). Only the moved goal's `status` and `order` change,
 * so concurrent moves of different goals never conflict, and concurrent moves of the
 * same goal resolve last-writer-wins to one place.
 */
export function moveGoal(
  doc: Y.Doc,
  id: string,
  to: { status: GoalStatus; index?: number },
  origin?: unknown,
): boolean {
  const m = goalsMap(doc).get(id);
  if (!(m instanceof Y.Map) || !isGoalStatus(to.status)) return false;
  const col = column(doc, to.status, id);
  const index = Math.max(0, Math.min(to.index ?? col.length, col.length));
  const current = readGoals(doc).filter((g) => g.status === to.status);
  // Dropping a card where it already is writes nothing: no update, no new key.
  if (m.get('status') === to.status && current[index]?.id === id) return true;
  doc.transact(() => {
    if (m.get('status') !== to.status) m.set('status', to.status);
    writeKeys(doc, placeAt(col, index, id));
  }, origin ?? null);
  return true;
}

export function deleteGoal(doc: Y.Doc, id: string, origin?: unknown): boolean {
  const goals = goalsMap(doc);
  if (!goals.has(id)) return false;
  doc.transact(() => goals.delete(id), origin ?? null);
  return true;
}

/**
 * The goal's title or description Y.Text for live binding. If another client left a
 * plain string there, it is replaced by a Y.Text with the same content first.
 */
export function goalText(doc: Y.Doc, id: string, field: TextField, origin?: unknown): Y.Text | null {
  const m = goalsMap(doc).get(id);
  if (!(m instanceof Y.Map)) return null;
  const t = m.get(field);
  if (t instanceof Y.Text) return t;
  const repaired = new Y.Text(clipText(typeof t === 'string' ? t : '', TEXT_LIMITS[field]));
  doc.transact(() => m.set(field, repaired), origin ?? null);
  return repaired;
}

/* ---- milestones ---- */

function milestonesOf(doc: Y.Doc, goalId: string, origin: unknown): Y.Array<Y.Map<unknown>> | null {
  const m = goalsMap(doc).get(goalId);
  if (!(m instanceof Y.Map)) return null;
  const arr = m.get('milestones');
  if (arr instanceof Y.Array) return arr as Y.Array<Y.Map<unknown>>;
  const fresh = new Y.Array<Y.Map<unknown>>();
  doc.transact(() => m.set('milestones', fresh), origin ?? null);
  return fresh;
}

function findMilestone(arr: Y.Array<Y.Map<unknown>>, id: string): { index: number; m: Y.Map<unknown> } | null {
  const items = arr.toArray();
  for (let i = 0; i < items.length; i++) {
    const m = items[i];
    if (m instanceof Y.Map && m.get('id') === id) return { index: i, m };
  }
  return null;
}

export function addMilestone(doc: Y.Doc, goalId: string, title: string, origin?: unknown): string | null {
  const arr = milestonesOf(doc, goalId, origin);
  if (!arr) return null;
  const id = newId();
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    m.set('id', id);
    m.set('title', clipText(title, TEXT_LIMITS.title));
    m.set('done', false);
    m.set('doneAt', null);
    arr.push([m]);
  }, origin ?? null);
  return id;
}

/** Sets done to `done`, or flips it when omitted. Stamps doneAt when ticked. */
export function toggleMilestone(
  doc: Y.Doc,
  goalId: string,
  milestoneId: string,
  done?: boolean,
  origin?: unknown,
): boolean {
  const arr = milestonesOf(doc, goalId, origin);
  const found = arr && findMilestone(arr, milestoneId);
  if (!found) return false;
  const next = done ?? found.m.get('done') !== true;
  doc.transact(() => {
    found.m.set('done', next);
    found.m.set('doneAt', next ? new Date().toISOString() : null);
  }, origin ?? null);
  return true;
}

export function renameMilestone(
  doc: Y.Doc,
  goalId: string,
  milestoneId: string,
  title: string,
  origin?: unknown,
): boolean {
  const arr = milestonesOf(doc, goalId, origin);
  const found = arr && findMilestone(arr, milestoneId);
  if (!found) return false;
  doc.transact(() => found.m.set('title', clipText(title, TEXT_LIMITS.title)), origin ?? null);
  return true;
}

export function removeMilestone(doc: Y.Doc, goalId: string, milestoneId: string, origin?: unknown): boolean {
  const arr = milestonesOf(doc, goalId, origin);
  const found = arr && findMilestone(arr, milestoneId);
  if (!found) return false;
  doc.transact(() => arr.delete(found.index, 1), origin ?? null);
  return true;
}

