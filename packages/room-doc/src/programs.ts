import * as Y from 'yjs';
import { AGREEMENT_EXPECTATIONS } from '@menteo/protocol';
import { agendaArray, agreementMap, goalsMap } from './schema.ts';
import { placeInList } from './list-order.ts';
import { MILESTONE_TARGET_PERCENT } from './derive.ts';
import { readGoals } from './read.ts';
import { TEXT_LIMITS, clipText } from './limits.ts';

/*
 * A program's part of a pair's doc (issue 17), and the figures the server derives from it.
 *
 * - The program's milestones are seeded as one goal, "Program milestones", whose milestone
 *   ids are the program's milestone ids. Progress counts those ids wherever they are in the
 *   doc (a pair may move or re-title them); a program milestone removed from the doc counts
 *   as not done; milestones the pair adds do not count toward the program.
 * - The agreement map holds `programText` (a string, the program's expectations, set when
 *   the room is created) and `additions` (a Y.Text the pair co-edits). The agreement's text
 *   is the three expectations, then those two; its hash decides whether an acceptance is
 *   current (the server hashes, this package knows no crypto).
 */

export const PROGRAM_GOAL_TITLE = 'Program milestones';

export interface ProgramSeed {
  programId: string;
  milestones: readonly { id: string; title: string; dueOffsetDays: number }[];
  topics: readonly string[];
  cadenceDays: number;
  expectations: string;
  /** The pairing date, `YYYY-MM-DD`: milestone dues and topic dates count from it. */
  pairedOn: string;
}

const addDays = (isoDate: string, days: number): string => {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/** The goal id of a program's milestones in a pair's doc. */
export const programGoalId = (programId: string): string => `program-${programId}`;

/**
 * Writes a new pair's program content in one transaction: the milestones goal (due at the
 * last milestone's offset), one agenda point per topic labelled with its meeting interval's
 * date, and the program's expectations text. Meant for an empty doc (the server seeds it
 * once, when it creates the room).
 */
export function seedProgramDoc(doc: Y.Doc, seed: ProgramSeed, origin?: unknown): void {
  doc.transact(() => {
    if (seed.milestones.length > 0) {
      const goal = new Y.Map<unknown>();
      goalsMap(doc).set(programGoalId(seed.programId), goal);
      const lastDue = Math.max(...seed.milestones.map((m) => m.dueOffsetDays));
      goal.set('title', new Y.Text(PROGRAM_GOAL_TITLE));
      goal.set(
        'description',
        new Y.Text(
          clipText(seed.milestones.map((m) => `${m.title}: due ${addDays(seed.pairedOn, m.dueOffsetDays)}`).join('\n'), TEXT_LIMITS.description),
        ),
      );
      goal.set('status', 'in_progress');
      goal.set('owner', 'mentee');
      goal.set('due', addDays(seed.pairedOn, lastDue));
      goal.set('order', 'a0');
      const arr = new Y.Array<Y.Map<unknown>>();
      goal.set('milestones', arr);
      arr.push(
        seed.milestones.map((m) => {
          const ym = new Y.Map<unknown>();
          ym.set('id', m.id);
          ym.set('title', m.title);
          ym.set('done', false);
          ym.set('doneAt', null);
          return ym;
        }),
      );
      goal.set('createdBy', 'program');
      goal.set('createdAt', new Date(`${seed.pairedOn}T00:00:00Z`).toISOString());
    }
    const agenda = agendaArray(doc);
    seed.topics.forEach((topic, i) => {
      const m = new Y.Map<unknown>();
      const id = `program-topic-${i + 1}`;
      m.set('id', id);
      m.set('text', new Y.Text(clipText(`Meeting ${i + 1} (from ${addDays(seed.pairedOn, i * seed.cadenceDays)}): ${topic}`, TEXT_LIMITS.text)));
      m.set('addedBy', 'program');
      m.set('discussed', false);
      agenda.push([m]);
      placeInList(agenda, { id, map: m }, Number.MAX_SAFE_INTEGER);
    });
    agreementMap(doc).set('programText', seed.expectations);
    agreementMap(doc).set('additions', new Y.Text(''));
  }, origin ?? null);
}

export interface ProgramProgress {
  done: number;
  total: number;
  /** 0–100, rounded down. */
  percent: number;
}

/** How many of the program's milestones are ticked anywhere in the doc. */
export function programProgress(doc: Y.Doc, milestoneIds: readonly string[]): ProgramProgress {
  const wanted = new Set(milestoneIds);
  const done = new Set<string>();
  for (const g of readGoals(doc)) {
    for (const m of g.milestones) if (m.done && wanted.has(m.id)) done.add(m.id);
  }
  const total = wanted.size;
  return { done: done.size, total, percent: total === 0 ? 0 : Math.floor((done.size / total) * 100) };
}

/** The 80% rule in whole numbers, so exactly 80% counts (4 of 5, 8 of 10) and nothing below does. */
export function meetsCertificateTarget(done: number, total: number): boolean {
  return total > 0 && done * 100 >= total * MILESTONE_TARGET_PERCENT;
}

export interface AgreementContent {
  programText: string;
  additions: string;
}

/** The agreement's parts as stored (missing or wrong-typed fields read as empty). */
export function readAgreement(doc: Y.Doc): AgreementContent {
  const m = agreementMap(doc);
  const text = (v: unknown): string => (v instanceof Y.Text ? v.toString() : typeof v === 'string' ? v : '');
  return { programText: text(m.get('programText')), additions: text(m.get('additions')) };
}

/**
 * The text a member accepts: the three expectations, the program's text, the pair's additions,
 * with trailing whitespace of each part ignored (so a stray newline does not ask both again).
 */
export function agreementText(content: AgreementContent): string {
  return [...AGREEMENT_EXPECTATIONS, content.programText.trim(), content.additions.trim()].join('\n\n');
}
