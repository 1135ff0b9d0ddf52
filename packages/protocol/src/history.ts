import { z } from 'zod';
import { Id, Role } from './ids.ts';

/*
 * Session history (issue 16): the REST shapes of the timeline, compare, a point's state,
 * restore, exports and the history page's meeting list. Additions are fine; the fields here
 * are what the client builds against, so they are not renamed or removed.
 *
 * Times are ISO 8601 strings with an offset (`2026-12-05T07:10:00.000Z`).
 */

/** Errors the history routes answer with (besides validation_failed, not_found). */
export const HistoryErrorCode = {
  /** `from` is after `to` (400). */
  FromAfterTo: 'from_after_to',
  /** The range asked for is longer than HISTORY_MAX_RANGE_DAYS (400); page with `from`/`to`. */
  RangeTooLarge: 'range_too_large',
  /** A point is neither `now`, an ISO time nor a meeting id (400). */
  BadPoint: 'bad_point',
  /** The point precedes the kept history (pruned, or compacted before history was kept) (409). */
  HistoryNotKept: 'history_not_kept',
  /** The thing to restore is not in the doc at the given point (404). */
  NotInHistory: 'not_in_history',
} as const;
export type HistoryErrorCode = (typeof HistoryErrorCode)[keyof typeof HistoryErrorCode];

/** Longest `from`..`to` span of one timeline request. */
export const HISTORY_MAX_RANGE_DAYS = 31;
/** Most timeline groups in one answer; the rest come with `next`. */
export const HISTORY_PAGE_GROUPS = 500;
/** Most entries (meetings + activity lines) in one page of the history list. */
export const HISTORY_MEETINGS_PAGE = 20;

const IsoTime = z.iso.datetime({ offset: true });

/**
 * A point in a room's past, as a query parameter: `now`, an ISO time, or a meeting id (the
 * meeting's end snapshot; a meeting without one is the doc as of its end).
 */
export const HistoryPoint = z.union([z.literal('now'), IsoTime, Id]);
export type HistoryPoint = z.infer<typeof HistoryPoint>;

/** A point as the server understood it. */
export interface ResolvedPoint {
  kind: 'now' | 'time' | 'meeting';
  /** The time the state is taken at (a meeting: its end). */
  at: string;
  /** Set when kind is 'meeting'. */
  meetingId?: string;
}

/** Someone who appears in history: a member, a former member, or unknown (null id: no author kept). */
export interface HistoryAuthor {
  id: string | null;
  name: string;
  role: Role | null;
}

// ── Timeline: GET /api/rooms/:id/history?from&to ──────────────────────────────

/** `from` defaults to `to` minus 7 days, `to` to now. */
export const HistoryQuery = z.strictObject({
  from: IsoTime.optional(),
  to: IsoTime.optional(),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const TimelineStepKind = z.enum([
  'goal.added',
  'goal.removed',
  'goal.renamed',
  'goal.status',
  'goal.owner',
  'goal.due',
  'goal.description',
  'milestone.added',
  'milestone.removed',
  'milestone.renamed',
  'milestone.done',
  'milestone.reopened',
  'agenda.added',
  'agenda.removed',
  'agenda.edited',
  'agenda.discussed',
  'agenda.undiscussed',
  'action.added',
  'action.removed',
  'action.edited',
  'action.done',
  'action.reopened',
  'action.owner',
  'action.due',
  'notes.edited',
  'resource.added',
  'resource.removed',
  'agreement.changed',
  /** A change that none of the above describes (e.g. only a reorder). */
  'other',
]);
export type TimelineStepKind = z.infer<typeof TimelineStepKind>;

/** One readable change: "Ana moved 'Ship the portfolio' to Done". */
export interface TimelineStep {
  kind: TimelineStepKind;
  /** The sentence, author first. */
  text: string;
  /** The goal, milestone's goal, agenda point, action item or resource it is about. */
  targetId?: string;
  /** notes.edited: words added and removed. */
  wordsAdded?: number;
  wordsRemoved?: number;
}

/** The steps of one author within one minute. */
export interface TimelineGroup {
  /** Stable within a room's history: `${firstAt}|${authorId ?? '-'}`. */
  id: string;
  /** Start of the minute. */
  minute: string;
  /** First and last stored edit in the group. The slider shows the state as of `lastAt`. */
  firstAt: string;
  lastAt: string;
  author: HistoryAuthor;
  /** Logged updates it stands for. */
  updates: number;
  steps: TimelineStep[];
}

export interface TimelineResponse {
  from: string;
  to: string;
  groups: TimelineGroup[];
  /** Set when the range held more than HISTORY_PAGE_GROUPS groups: ask again with these. */
  next: { from: string; to: string } | null;
  /** Set when `from` precedes the kept history: steps start at this time. */
  historyStartsAt: string | null;
}

// ── A point's state ──────────────────────────────────────────────────────────
// GET /api/rooms/:id/state?at=<point>        → application/octet-stream: Y.encodeStateAsUpdate
// GET /api/rooms/:id/meetings/:mid/state     → same, the doc at the meeting's end
// Headers: `X-History-At` (the resolved time), `X-History-Kind` (now | time | meeting).

export const StateQuery = z.strictObject({ at: HistoryPoint.default('now') });
export type StateQuery = z.infer<typeof StateQuery>;

// ── Compare: GET /api/rooms/:id/compare?a&b ──────────────────────────────────

export const CompareQuery = z.strictObject({ a: HistoryPoint, b: HistoryPoint.default('now') });
export type CompareQuery = z.infer<typeof CompareQuery>;

export type GoalField = 'title' | 'status' | 'owner' | 'due' | 'description';
export type MilestoneField = 'title' | 'done';
export type ActionField = 'text' | 'owner' | 'due';

export interface FieldChange<F extends string = string> {
  field: F;
  /** Plain values: strings, booleans, null (due dates), status and owner ids. */
  from: string | boolean | null;
  to: string | boolean | null;
}

export interface MilestoneBrief {
  id: string;
  title: string;
  done: boolean;
}

export interface GoalBrief {
  id: string;
  title: string;
  status: 'not_started' | 'in_progress' | 'done' | 'dropped';
  owner: 'mentee' | 'mentor';
  due: string | null;
  milestones: MilestoneBrief[];
}

export interface GoalChange {
  id: string;
  /** The title at b. */
  title: string;
  fields: FieldChange<GoalField>[];
  milestones: {
    added: MilestoneBrief[];
    removed: MilestoneBrief[];
    changed: { id: string; title: string; fields: FieldChange<MilestoneField>[] }[];
  };
}

export interface ActionBrief {
  id: string;
  text: string;
  owner: 'mentee' | 'mentor';
  due: string | null;
  done: boolean;
}

export interface AgendaBrief {
  id: string;
  text: string;
  discussed: boolean;
}

/**
 * A run of the notes' plain text (blocks separated by "\n"): unchanged, inserted between a and
 * b, or deleted. `authorId` is who inserted (ins) or deleted (del) it, null when not known.
 */
export interface NotesSegment {
  op: 'same' | 'ins' | 'del';
  text: string;
  authorId: string | null;
}

export interface NotesDiff {
  segments: NotesSegment[];
  wordsAdded: number;
  wordsRemoved: number;
  /** Per author: words they added and removed. */
  byAuthor: { authorId: string | null; wordsAdded: number; wordsRemoved: number }[];
  /** Notes too long to diff word by word are compared as whole blocks. */
  coarse: boolean;
}

export interface CompareResult {
  a: ResolvedPoint;
  b: ResolvedPoint;
  goals: { added: GoalBrief[]; removed: GoalBrief[]; changed: GoalChange[] };
  actions: {
    /** New since a, open at b (added and closed in between: in `closed`). */
    opened: ActionBrief[];
    /** Done at b and either open or absent at a. */
    closed: ActionBrief[];
    /** Present at a, gone at b. */
    removed: ActionBrief[];
    /** Reopened (done at a, open at b). */
    reopened: ActionBrief[];
    changed: { id: string; text: string; fields: FieldChange<ActionField>[] }[];
  };
  agenda: {
    added: AgendaBrief[];
    removed: AgendaBrief[];
    /** Marked discussed between a and b. */
    discussed: AgendaBrief[];
    edited: { id: string; from: string; to: string }[];
  };
  notes: NotesDiff;
  /** Everyone an `authorId` above refers to. */
  authors: HistoryAuthor[];
}

// ── Restore: POST /api/rooms/:id/restore ─────────────────────────────────────

/**
 * Brings something back from a point as ONE new edit of the live room (history is never
 * rewritten; the other member sees it live; undo is another edit). `from` is where to take it
 * from; for goals, agenda points and action items it defaults to the latest point at which
 * the thing existed.
 */
export const RestoreBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('goal'), goalId: z.string().min(1).max(100), from: HistoryPoint.optional() }),
  z.strictObject({ kind: z.literal('agenda'), itemId: z.string().min(1).max(100), from: HistoryPoint.optional() }),
  z.strictObject({ kind: z.literal('action'), itemId: z.string().min(1).max(100), from: HistoryPoint.optional() }),
  z.strictObject({ kind: z.literal('notes'), from: HistoryPoint }),
]);
export type RestoreBody = z.infer<typeof RestoreBody>;

export interface RestoreResult {
  /** False when nothing had to change: the thing still exists, or the notes are already so. */
  restored: boolean;
  /** Why nothing changed. */
  reason?: 'still_exists' | 'unchanged';
  kind: RestoreBody['kind'];
  /** The goal, agenda point or action item (same id as before it was deleted). */
  id?: string;
  /** The point it was taken from. */
  from: ResolvedPoint;
}

// ── History page: GET /api/rooms/:id/history/meetings?cursor ─────────────────

export const HistoryMeetingsQuery = z.strictObject({
  /** Opaque, from the previous page's `nextCursor`. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
export type HistoryMeetingsQuery = z.infer<typeof HistoryMeetingsQuery>;

export interface HistoryMeeting {
  id: string;
  /** The meeting's title, or "Meeting <number>". */
  title: string;
  startedAt: string;
  /** Null while the meeting runs. */
  endedAt: string | null;
  durationMs: number | null;
  attendees: HistoryAuthor[];
  /** One line, e.g. "2 goals changed, 1 milestone done, 3 action items added". */
  summary: string;
  /** Whether an end snapshot is stored (else its state is the doc as of endedAt). */
  hasSnapshot: boolean;
}

/** Edits made between two meetings (or after the last / before the first). */
export interface HistoryActivity {
  from: string;
  to: string;
  byAuthor: { author: HistoryAuthor; edits: number }[];
  /** "14 edits by Ana, 3 by Ben". */
  text: string;
}

export type HistoryEntry = { type: 'meeting'; meeting: HistoryMeeting } | { type: 'activity'; activity: HistoryActivity };

/** Newest first. */
export interface HistoryMeetingsResponse {
  entries: HistoryEntry[];
  nextCursor: string | null;
}

// ── Exports ──────────────────────────────────────────────────────────────────
// GET /api/rooms/:id/export.md                → text/markdown (the whole room history)
// GET /api/rooms/:id/export.pdf               → application/pdf (same report, selectable text)
// GET /api/rooms/:id/meetings/:mid/export.md  → text/markdown (one meeting's notes and summary)
// Content-Disposition: attachment; filename="<room title>-history.md" etc.
// Only the shared room doc is exported, never a member's private doc.
