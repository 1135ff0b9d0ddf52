import { z } from 'zod';

/*
 * A roadmap is a curated learning path: a few goals, each with milestones, that a pair
 * applies to its board in one edit. The library is data (library.ts), checked against this
 * schema when the module loads, so a bad entry fails every test and the build, not a user.
 */

const Title = z.string().trim().min(1).max(200);

export const RoadmapGoalSchema = z.strictObject({
  title: Title,
  description: z.string().max(2000).default(''),
  owner: z.enum(['mentee', 'mentor']).default('mentee'),
  milestones: z.array(Title).min(1).max(20),
});

export const RoadmapSchema = z.strictObject({
  /** Stable: programs store it (`roadmapId`), goals record it. Lowercase words and dashes. */
  id: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
    .max(100),
  title: Title,
  summary: z.string().trim().min(1).max(400),
  /** Who it suits, shown in the picker. */
  audience: z.string().trim().min(1).max(120),
  goals: z.array(RoadmapGoalSchema).min(1).max(12),
});

export const RoadmapLibrarySchema = z
  .array(RoadmapSchema)
  .min(1)
  .refine((list) => new Set(list.map((r) => r.id)).size === list.length, 'roadmap ids must be unique');

export type RoadmapGoal = z.infer<typeof RoadmapGoalSchema>;
export type Roadmap = z.infer<typeof RoadmapSchema>;
/** What library.ts writes (defaults may be left out). */
export type RoadmapInput = z.input<typeof RoadmapSchema>;
