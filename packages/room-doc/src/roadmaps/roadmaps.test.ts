import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readGoals } from '../read.ts';
import { goalsMap } from '../schema.ts';
import { ROADMAP_LIBRARY } from './library.ts';
import { RoadmapLibrarySchema } from './schema.ts';
import { ROADMAPS, appliedRoadmaps, applyRoadmap, getRoadmap } from './index.ts';

describe('the roadmap library', () => {
  it('ships at least five valid roadmaps, including the ones the issue names', () => {
    expect(RoadmapLibrarySchema.parse(ROADMAP_LIBRARY)).toEqual(ROADMAPS);
    expect(ROADMAPS.length).toBeGreaterThanOrEqual(5);
    const titles = ROADMAPS.map((r) => r.title);
    expect(titles).toEqual(expect.arrayContaining(['First open-source contribution', 'Become a tech lead', 'Public speaking']));
    for (const r of ROADMAPS) {
      expect(r.goals.length).toBeGreaterThan(0);
      for (const g of r.goals) expect(g.milestones.length).toBeGreaterThan(0);
    }
  });

  it('refuses duplicate ids, empty milestones and unknown fields', () => {
    const first = ROADMAP_LIBRARY[0];
    if (!first) throw new Error('empty library');
    expect(RoadmapLibrarySchema.safeParse([first, first]).success).toBe(false);
    expect(RoadmapLibrarySchema.safeParse([{ ...first, goals: [{ title: 'x', milestones: [] }] }]).success).toBe(false);
    expect(RoadmapLibrarySchema.safeParse([{ ...first, colour: 'red' }]).success).toBe(false);
    expect(RoadmapLibrarySchema.safeParse([{ ...first, id: 'Has Spaces' }]).success).toBe(false);
  });
});

describe('applyRoadmap', () => {
  it('adds every goal and milestone in one update, tagged with the roadmap', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const ids = applyRoadmap(doc, 'public-speaking', { createdBy: 'user-1', origin: 'ui' });
    const roadmap = getRoadmap('public-speaking');
    expect(updates).toHaveLength(1);
    expect(ids).toHaveLength(roadmap?.goals.length ?? -1);
    const goals = readGoals(doc);
    expect(goals.map((g) => g.title).sort()).toEqual(roadmap?.goals.map((g) => g.title).sort());
    expect(goals.every((g) => g.status === 'not_started' && g.createdBy === 'user-1')).toBe(true);
    expect(goals.flatMap((g) => g.milestones).length).toBe(roadmap?.goals.flatMap((g) => g.milestones).length);
    expect(appliedRoadmaps(doc)).toEqual(['public-speaking']);
  });

  it('is undone in one step by an undo manager on its origin', () => {
    const doc = new Y.Doc();
    const origin = { undoable: true };
    const undo = new Y.UndoManager(goalsMap(doc), { trackedOrigins: new Set([origin]), captureTimeout: 0 });
    applyRoadmap(doc, 'become-a-tech-lead', { origin });
    expect(readGoals(doc).length).toBeGreaterThan(0);
    expect(undo.undoStack).toHaveLength(1);
    undo.undo();
    expect(readGoals(doc)).toEqual([]);
    undo.redo();
    expect(readGoals(doc).length).toBe(getRoadmap('become-a-tech-lead')?.goals.length);
  });

  it('writes nothing for an unknown roadmap', () => {
    const doc = new Y.Doc();
    let updates = 0;
    doc.on('update', () => updates++);
    expect(applyRoadmap(doc, 'no-such-roadmap')).toBeNull();
    expect(updates).toBe(0);
  });

  it('merges with a concurrent edit on another client', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    applyRoadmap(a, 'first-open-source-contribution');
    applyRoadmap(b, 'writing-for-engineers');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(readGoals(a)).toEqual(readGoals(b));
    expect(appliedRoadmaps(a).sort()).toEqual(['first-open-source-contribution', 'writing-for-engineers']);
  });
});
