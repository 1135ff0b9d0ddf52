import * as Y from 'yjs';
import { uuidv4 } from 'lib0/random';

/**
 * The room document's top-level names are a public contract (DESIGN.md, "The room
 * document"): other clients read and write them, so they never change.
 */
export const ROOM_TYPES = {
  goals: 'goals',
  notes: 'notes',
  agenda: 'agenda',
  actions: 'actions',
  resources: 'resources',
  agreement: 'agreement',
} as const;

export const GOAL_STATUSES = ['not_started', 'in_progress', 'done', 'dropped'] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

export const OWNERS = ['mentee', 'mentor'] as const;
export type Owner = (typeof OWNERS)[number];

export const STATUS_LABELS: Record<GoalStatus, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  done: 'Done',
  dropped: 'Dropped',
};

export const isGoalStatus = (v: unknown): v is GoalStatus =>
  typeof v === 'string' && (GOAL_STATUSES as readonly string[]).includes(v);
export const isOwner = (v: unknown): v is Owner =>
  typeof v === 'string' && (OWNERS as readonly string[]).includes(v);

export interface Milestone {
  id: string;
  title: string;
  done: boolean;
  /** ISO timestamp of the moment it was ticked, null while open. */
  doneAt: string | null;
}

/** A plain, validated snapshot of one goal (what readers hand to UIs and the server). */
export interface Goal {
  id: string;
  title: string;
  description: string;
  status: GoalStatus;
  owner: Owner;
  /** ISO date `YYYY-MM-DD` or null. */
  due: string | null;
  /** Fractional index; order within a status column is (order, id). */
  order: string;
  milestones: Milestone[];
  createdBy: string;
  createdAt: string;
}

export interface AgendaItem {
  id: string;
  text: string;
  addedBy: string;
  discussed: boolean;
  /**
   * The meeting this open point was carried over from ("Meeting 2"), set when that meeting
   * ended with the point undiscussed; null for points added since. Beyond DESIGN.md's fields.
   */
  carriedFrom: string | null;
}

export interface ActionItem {
  id: string;
  text: string;
  owner: Owner;
  due: string | null;
  done: boolean;
  /** ISO time the item was added (its age), null for items older than this field. Beyond DESIGN.md's fields. */
  createdAt: string | null;
}

export interface Resource {
  id: string;
  url: string;
  title: string;
  addedBy: string;
}

/*
 * The Y types of the doc. Getting them also defines them, which is idempotent.
 *
 * Beyond the fields in DESIGN.md, each Y.Map in `agenda`, `actions` and `resources`
 * carries `order`, a fractional index string (as goals do). Readers show a list by
 * (order, id), then items without a valid order by array position; array position is
 * otherwise meaningless, and a move rewrites only `order` (list-order.ts).
 */
export const goalsMap = (doc: Y.Doc): Y.Map<Y.Map<unknown>> => doc.getMap(ROOM_TYPES.goals);
export const notesFragment = (doc: Y.Doc): Y.XmlFragment => doc.getXmlFragment(ROOM_TYPES.notes);
export const agendaArray = (doc: Y.Doc): Y.Array<Y.Map<unknown>> => doc.getArray(ROOM_TYPES.agenda);
export const actionsArray = (doc: Y.Doc): Y.Array<Y.Map<unknown>> => doc.getArray(ROOM_TYPES.actions);
export const resourcesArray = (doc: Y.Doc): Y.Array<Y.Map<unknown>> => doc.getArray(ROOM_TYPES.resources);
export const agreementMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(ROOM_TYPES.agreement);

/**
 * Ids come from lib0 (crypto.getRandomValues) rather than crypto.randomUUID, which
 * browsers only offer in secure contexts and a dev server on a LAN address is not one.
 */
export const newId = (): string => uuidv4();

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists, or null (empty input from a date field is null). */
export function normalizeDue(value: unknown): string | null {
  if (typeof value !== 'string' || !DATE_RE.test(value)) return null;
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? null : value;
}
