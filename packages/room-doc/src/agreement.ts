import * as Y from 'yjs';
import { agreementMap } from './schema.ts';

/*
 * The pair's own additions to the expectations agreement: a Y.Text at `agreement.additions`
 * that both co-edit live (programs.ts reads it into the agreement's text). A program's room is
 * seeded with it; any other room gets it when a member first edits it.
 */

/** The additions Y.Text if it exists (a plain string left by another client is not one). */
export function existingAgreementAdditions(doc: Y.Doc): Y.Text | null {
  const t = agreementMap(doc).get('additions');
  return t instanceof Y.Text ? t : null;
}

/**
 * The additions Y.Text for live binding, created (keeping any plain string's content) when
 * missing. Call it once the doc is synced and the member starts editing: two members creating
 * it in the same instant would each set their own, and the map keeps one.
 */
export function agreementAdditions(doc: Y.Doc, origin?: unknown): Y.Text {
  const existing = existingAgreementAdditions(doc);
  if (existing) return existing;
  const m = agreementMap(doc);
  const prior = m.get('additions');
  const t = new Y.Text(typeof prior === 'string' ? prior : '');
  doc.transact(() => m.set('additions', t), origin ?? null);
  return t;
}
