import * as Y from 'yjs';
import { goalsMap } from '../schema.ts';
import { addMilestone, createGoal } from '../goals.ts';
import { ROADMAP_LIBRARY } from './library.ts';
import type { Roadmap, RoadmapInput } from './schema.ts';

export type { Roadmap, RoadmapGoal } from './schema.ts';
// The zod schema (schema.ts) is not re-exported: building a zod object schema probes for
// `new Function` at once, which the browser's CSP refuses, and the client loads this module.

/** The schema's defaults, filled in by hand: see ROADMAPS. */
const withDefaults = (r: RoadmapInput): Roadmap => ({
  ...r,
  goals: r.goals.map((g) => ({ title: g.title, description: g.description ?? '', owner: g.owner ?? 'mentee', milestones: g.milestones })),
});

/**
 * The library. It is checked against `RoadmapLibrarySchema` by the tests (roadmaps.test.ts:
 * the parse must succeed and equal this), not at load: zod's first object parse probes for
 * `new Function`, which the browser's Content-Security-Policy blocks and reports.
 */
export const ROADMAPS: readonly Roadmap[] = ROADMAP_LIBRARY.map(withDefaults);

export function getRoadmap(id: string): Roadmap | null {
  return ROADMAPS.find((r) => r.id === id) ?? null;
}

/** Who created the goals when nobody in particular did (a program seeding a new pair). */
export const ROADMAP_AUTHOR = 'roadmap';

export interface ApplyRoadmapOptions {
  /** The member applying it; `ROADMAP_AUTHOR` when omitted. */
  createdBy?: string;
  /** The transaction origin (an undo manager tracks the UI's). */
  origin?: unknown;
}

/**
 * Adds a roadmap's goals, with their milestones, to the board's "Not started" column in ONE
 * transaction, so peers get one update and an undo manager tracking `origin` undoes it in one
 * step. Each goal records the roadmap in `roadmap` (an extra key; readers ignore it). Applying
 * the same roadmap twice adds its goals twice (the picker says so). Returns the new goal ids, or
 * null for an unknown roadmap id (nothing written).
 */
export function applyRoadmap(doc: Y.Doc, roadmapId: string, opts: ApplyRoadmapOptions = {}): string[] | null {
  const roadmap = getRoadmap(roadmapId);
  if (!roadmap) return null;
  const createdBy = opts.createdBy ?? ROADMAP_AUTHOR;
  const origin = opts.origin ?? null;
  const ids: string[] = [];
  doc.transact(() => {
    for (const goal of roadmap.goals) {
      const id = createGoal(doc, { title: goal.title, description: goal.description, owner: goal.owner, createdBy }, origin);
      goalsMap(doc).get(id)?.set('roadmap', roadmap.id);
      for (const title of goal.milestones) addMilestone(doc, id, title, origin);
      ids.push(id);
    }
  }, origin);
  return ids;
}

/** Ids of the roadmaps whose goals are on the board (any of them still there). */
export function appliedRoadmaps(doc: Y.Doc): string[] {
  const found = new Set<string>();
  goalsMap(doc).forEach((m) => {
    const r = m instanceof Y.Map ? m.get('roadmap') : undefined;
    if (typeof r === 'string') found.add(r);
  });
  return [...found];
}
