import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  PROGRAM_GOAL_TITLE,
  agreementText,
  meetsCertificateTarget,
  programGoalId,
  programProgress,
  readAgreement,
  seedProgramDoc,
} from './programs.ts';
import { readAgenda, readGoals } from './read.ts';
import { removeMilestone, toggleMilestone } from './goals.ts';
import { agreementMap } from './schema.ts';

const seed = {
  programId: 'p1',
  milestones: [
    { id: 'm1', title: 'Kick-off', dueOffsetDays: 0 },
    { id: 'm2', title: 'Plan', dueOffsetDays: 14 },
    { id: 'm3', title: 'Build', dueOffsetDays: 30 },
    { id: 'm4', title: 'Ship', dueOffsetDays: 60 },
    { id: 'm5', title: 'Review', dueOffsetDays: 90 },
  ],
  topics: ['Goals', 'Feedback'],
  cadenceDays: 14,
  expectations: 'Meet every two weeks.',
  pairedOn: '2026-01-10',
};

describe('the 80% rule', () => {
  it('counts exactly 80% and nothing below it', () => {
    expect(meetsCertificateTarget(4, 5)).toBe(true);
    expect(meetsCertificateTarget(8, 10)).toBe(true);
    expect(meetsCertificateTarget(7, 10)).toBe(false);
    expect(meetsCertificateTarget(79, 100)).toBe(false);
    expect(meetsCertificateTarget(3, 4)).toBe(false);
    expect(meetsCertificateTarget(5, 5)).toBe(true);
  });
  it('never issues for a program without milestones', () => {
    expect(meetsCertificateTarget(0, 0)).toBe(false);
  });
});

describe('seedProgramDoc', () => {
  it('writes the milestones goal, one dated agenda point per topic and the program text', () => {
    const doc = new Y.Doc();
    seedProgramDoc(doc, seed);
    const [goal] = readGoals(doc);
    expect(goal?.id).toBe(programGoalId('p1'));
    expect(goal?.title).toBe(PROGRAM_GOAL_TITLE);
    expect(goal?.due).toBe('2026-04-10');
    expect(goal?.milestones.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(readAgenda(doc).map((a) => a.text)).toEqual([
      'Meeting 1 (from 2026-01-10): Goals',
      'Meeting 2 (from 2026-01-24): Feedback',
    ]);
    expect(readAgreement(doc)).toEqual({ programText: 'Meet every two weeks.', additions: '' });
  });
});

describe('programProgress', () => {
  it('counts only program milestones, wherever they are ticked', () => {
    const doc = new Y.Doc();
    seedProgramDoc(doc, seed);
    const goalId = programGoalId('p1');
    toggleMilestone(doc, goalId, 'm1', true);
    toggleMilestone(doc, goalId, 'm2', true);
    expect(programProgress(doc, ['m1', 'm2', 'm3', 'm4', 'm5'])).toEqual({ done: 2, total: 5, percent: 40 });
  });
  it('counts a removed program milestone as not done and keeps the total', () => {
    const doc = new Y.Doc();
    seedProgramDoc(doc, seed);
    toggleMilestone(doc, programGoalId('p1'), 'm1', true);
    removeMilestone(doc, programGoalId('p1'), 'm1');
    expect(programProgress(doc, ['m1', 'm2', 'm3', 'm4', 'm5'])).toEqual({ done: 0, total: 5, percent: 0 });
  });
});

describe('agreementText', () => {
  it('changes when the pair edits its additions, not for trailing whitespace', () => {
    const doc = new Y.Doc();
    seedProgramDoc(doc, seed);
    const before = agreementText(readAgreement(doc));
    const additions = agreementMap(doc).get('additions') as Y.Text;
    additions.insert(0, '\n');
    expect(agreementText(readAgreement(doc))).toBe(before);
    additions.insert(0, 'We use chat between meetings.');
    expect(agreementText(readAgreement(doc))).not.toBe(before);
    expect(agreementText(readAgreement(doc))).toContain('Confidentiality');
  });
  it('reads an empty agreement from a doc outside programs', () => {
    expect(readAgreement(new Y.Doc())).toEqual({ programText: '', additions: '' });
  });
});
