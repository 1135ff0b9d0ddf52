import * as Y from 'yjs';
import {
  actionsArray,
  agendaArray,
  newId,
  normalizeDue,
  resourcesArray,
  type Owner,
} from './schema.ts';
import { findListItem, moveInList, placeInList, type List } from './list-order.ts';
import { validateUrl } from './url.ts';
import { clipText, TEXT_LIMITS } from './limits.ts';
import { applyTextChange } from './text.ts';

/*
 * Agenda, action items and resources are Y.Arrays of Y.Maps, each map carrying a
 * fractional `order` key (list-order.ts explains why). Every writer addresses an item
 * by id (never by index, which a concurrent insert shifts) and runs in one transaction
 * with the caller's origin.
 *
 * An agenda point's and an action item's `text` is a Y.Text, like a goal's title, so two
 * people editing one item merge instead of the last Enter overwriting the other's change.
 * Docs written before (and other clients) may hold a plain string there: readers take
 * both, and the first edit replaces the string by a Y.Text with the same content.
 */

/** Indexes of every entry with this id, highest first so deleting them in order is safe. */
function indexesOf(arr: List, id: string): number[] {
  const out: number[] = [];
  arr.toArray().forEach((m, i) => {
    if (m instanceof Y.Map && m.get('id') === id) out.push(i);
  });
  return out.reverse();
}

/** Appends an item below the ones readers show, keyed after them. */
function pushMap(doc: Y.Doc, arr: List, fields: Record<string, unknown> & { id: string }, origin: unknown): void {
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    for (const [k, v] of Object.entries(fields)) m.set(k, v);
    arr.push([m]);
    placeInList(arr, { id: fields.id, map: m }, Number.MAX_SAFE_INTEGER);
  }, origin ?? null);
}

/**
 * The item's `text` as a Y.Text for live binding, replacing a plain string (an older doc's,
 * or another client's) by a Y.Text with the same content first. Null when there is no such item.
 */
function itemText(doc: Y.Doc, arr: List, id: string, origin: unknown): Y.Text | null {
  const m = findListItem(arr, id);
  if (!m) return null;
  const t = m.get('text');
  if (t instanceof Y.Text) return t;
  const upgraded = new Y.Text(clipText(typeof t === 'string' ? t : '', TEXT_LIMITS.text));
  doc.transact(() => m.set('text', upgraded), origin ?? null);
  return upgraded;
}

/** Rewrites only the changed range of the item's text (see diffText), clipped to its limit. */
function editText(doc: Y.Doc, arr: List, id: string, text: string, origin: unknown): boolean {
  if (!findListItem(arr, id)) return false;
  doc.transact(() => {
    const t = itemText(doc, arr, id, origin);
    if (t) applyTextChange(t, clipText(text, TEXT_LIMITS.text), origin);
  }, origin ?? null);
  return true;
}

function setFields(doc: Y.Doc, arr: List, id: string, fields: Record<string, unknown>, origin: unknown): boolean {
  const m = findListItem(arr, id);
  if (!m) return false;
  doc.transact(() => {
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) m.set(k, v);
  }, origin ?? null);
  return true;
}

function removeAll(doc: Y.Doc, arr: List, id: string, origin: unknown): boolean {
  const idx = indexesOf(arr, id);
  if (idx.length === 0) return false;
  doc.transact(() => idx.forEach((i) => arr.delete(i, 1)), origin ?? null);
  return true;
}

/* ---- agenda ---- */

export function addAgendaItem(doc: Y.Doc, input: { text: string; addedBy: string }, origin?: unknown): string {
  const id = newId();
  const text = new Y.Text(clipText(input.text, TEXT_LIMITS.text));
  pushMap(doc, agendaArray(doc), { id, text, addedBy: input.addedBy, discussed: false }, origin);
  return id;
}

export function editAgendaItem(doc: Y.Doc, id: string, text: string, origin?: unknown): boolean {
  return editText(doc, agendaArray(doc), id, text, origin);
}

/** A talking point's text for live binding (upgraded from a plain string on first use). */
export function agendaItemText(doc: Y.Doc, id: string, origin?: unknown): Y.Text | null {
  return itemText(doc, agendaArray(doc), id, origin);
}

export function markDiscussed(doc: Y.Doc, id: string, discussed: boolean, origin?: unknown): boolean {
  return setFields(doc, agendaArray(doc), id, { discussed }, origin);
}

/**
 * Moves a talking point to `toIndex` of the list as readers show it without the point.
 * Only its `order` changes, so an edit the other person makes to it meanwhile survives.
 */
export function reorderAgendaItem(doc: Y.Doc, id: string, toIndex: number, origin?: unknown): boolean {
  return moveInList(doc, agendaArray(doc), id, toIndex, origin);
}

export function removeAgendaItem(doc: Y.Doc, id: string, origin?: unknown): boolean {
  return removeAll(doc, agendaArray(doc), id, origin);
}

/* ---- action items ---- */

export interface NewAction {
  text: string;
  owner?: Owner;
  due?: string | null;
  /** The moment it is added (tests); its age shows from `createdAt`. */
  now?: Date;
}

export function addAction(doc: Y.Doc, input: NewAction, origin?: unknown): string {
  const id = newId();
  pushMap(
    doc,
    actionsArray(doc),
    {
      id,
      text: new Y.Text(clipText(input.text, TEXT_LIMITS.text)),
      owner: input.owner ?? 'mentee',
      due: normalizeDue(input.due),
      done: false,
      createdAt: (input.now ?? new Date()).toISOString(),
    },
    origin,
  );
  return id;
}

export function editAction(
  doc: Y.Doc,
  id: string,
  patch: { text?: string; owner?: Owner; due?: string | null },
  origin?: unknown,
): boolean {
  const due = patch.due === undefined ? undefined : normalizeDue(patch.due);
  const arr = actionsArray(doc);
  if (!findListItem(arr, id)) return false;
  doc.transact(() => {
    if (patch.text !== undefined) editText(doc, arr, id, patch.text, origin);
    setFields(doc, arr, id, { owner: patch.owner, due }, origin);
  }, origin ?? null);
  return true;
}

/** An action item's text for live binding (upgraded from a plain string on first use). */
export function actionText(doc: Y.Doc, id: string, origin?: unknown): Y.Text | null {
  return itemText(doc, actionsArray(doc), id, origin);
}

/** Sets done to `done`, or flips it when omitted. */
export function toggleAction(doc: Y.Doc, id: string, done?: boolean, origin?: unknown): boolean {
  const m = findListItem(actionsArray(doc), id);
  if (!m) return false;
  return setFields(doc, actionsArray(doc), id, { done: done ?? m.get('done') !== true }, origin);
}

export function removeAction(doc: Y.Doc, id: string, origin?: unknown): boolean {
  return removeAll(doc, actionsArray(doc), id, origin);
}

/* ---- resources ---- */

export type AddResourceResult = { ok: true; id: string } | { ok: false; error: string };

/** Refuses anything but an http(s) URL; the title defaults to the URL's host. */
export function addResource(
  doc: Y.Doc,
  input: { url: string; title?: string; addedBy: string },
  origin?: unknown,
): AddResourceResult {
  const check = validateUrl(input.url);
  if (!check.ok) return check;
  const id = newId();
  const title = clipText(input.title?.trim() || new URL(check.url).hostname, TEXT_LIMITS.title);
  pushMap(doc, resourcesArray(doc), { id, url: check.url, title, addedBy: input.addedBy }, origin);
  return { ok: true, id };
}

export function removeResource(doc: Y.Doc, id: string, origin?: unknown): boolean {
  return removeAll(doc, resourcesArray(doc), id, origin);
}
