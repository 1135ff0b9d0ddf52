import { z } from 'zod';
import type { Id } from './ids.ts';

/*
 * Meetings: the wire shapes of the REST API (/api/rooms/:id/meetings…), the socket.io events
 * of the meetings concern, and the summary stored with each meeting (derived in
 * @menteo/room-doc from the doc's state at start and at end).
 */

const Item = z.object({ id: z.string(), text: z.string() });
const GoalRef = z.object({ id: z.string(), title: z.string() });

/** What changed in the room doc between a meeting's start and its end. Stored as JSON with the meeting. */
export const MeetingSummary = z.object({
  goals: z.object({
    added: z.array(GoalRef),
    /** Moved to done during the meeting. */
    completed: z.array(GoalRef),
    /** Any other status move (done and dropped included in their own lists too). */
    statusChanged: z.array(GoalRef.extend({ from: z.string(), to: z.string() })),
    dropped: z.array(GoalRef),
    /** Deleted from the board during the meeting. */
    removed: z.array(GoalRef),
  }),
  milestones: z.object({
    done: z.array(z.object({ goalId: z.string(), goalTitle: z.string(), id: z.string(), title: z.string() })),
  }),
  actions: z.object({ added: z.array(Item), closed: z.array(Item) }),
  agenda: z.object({
    /** Discussed during the meeting (or before it and still on the agenda at its end): they leave the live agenda. */
    discussed: z.array(Item),
    added: z.array(Item),
    /** Still open at the end: stay on the agenda, marked "carried over from" this meeting. */
    carriedOver: z.array(Item),
  }),
  notes: z.object({ wordsAdded: z.number().int().nonnegative(), wordsRemoved: z.number().int().nonnegative() }),
});
export type MeetingSummary = z.infer<typeof MeetingSummary>;

export interface AttendanceInterval {
  joinedAt: string;
  /** Null while the member is still in the open meeting. */
  leftAt: string | null;
}

export interface MeetingAttendee {
  userId: Id;
  displayName: string;
  intervals: AttendanceInterval[];
  /** Whole minutes present (open intervals count up to now). */
  minutes: number;
}

export interface Meeting {
  id: Id;
  roomId: Id;
  number: number;
  /** The title a member set, or null; show `displayTitle`. Plain text: never render it as HTML. */
  title: string | null;
  /** `title`, or "Meeting <number>". */
  displayTitle: string;
  startedAt: string;
  endedAt: string | null;
  startedBy: Id | null;
  endedBy: Id | null;
  attendance: MeetingAttendee[];
  /** Null while open. */
  summary: MeetingSummary | null;
}

/** GET /api/rooms/:id/meetings?before=<number>&limit= — newest first. */
export interface MeetingsPage {
  meetings: Meeting[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

/** GET /api/rooms/:id/meetings/:mid, and the answer of start, end and rename. */
export interface MeetingResponse {
  meeting: Meeting;
  /** The server's clock when it answered: a timer shows `serverNow - startedAt` plus local elapsed time. */
  serverNow: string;
}

export const MeetingsQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** POST /api/rooms/:id/meetings (start; answers the open meeting when there is one). */
export const StartMeetingBody = z.strictObject({ title: z.string().trim().min(1).max(120).optional() });
export type StartMeetingBody = z.infer<typeof StartMeetingBody>;

/** PATCH /api/rooms/:id/meetings/:mid — null clears the title back to "Meeting N". */
export const UpdateMeetingBody = z.strictObject({ title: z.string().trim().min(1).max(120).nullable() });
export type UpdateMeetingBody = z.infer<typeof UpdateMeetingBody>;

export const CADENCE_KINDS = ['weekly', 'biweekly', 'monthly', 'every_n_days'] as const;
export type CadenceKind = (typeof CADENCE_KINDS)[number];

/** PUT /api/rooms/:id/schedule — null kind clears the cadence. */
export const ScheduleBody = z
  .strictObject({
    kind: z.enum(CADENCE_KINDS).nullable(),
    everyDays: z.number().int().min(1).max(365).nullable().optional(),
    /** ISO date-time of the next meeting, or null to derive it from the last one. */
    nextAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .refine((b) => b.kind !== 'every_n_days' || (b.everyDays ?? null) !== null, {
    message: 'everyDays is required for every_n_days',
    path: ['everyDays'],
  });
export type ScheduleBody = z.infer<typeof ScheduleBody>;

export interface RoomSchedule {
  kind: CadenceKind | null;
  everyDays: number | null;
  /** Set by a member, or null. */
  nextAt: string | null;
  /** When the next meeting is due: nextAt, else the last meeting's start plus the cadence; null without a cadence. */
  nextDueAt: string | null;
  lastMetAt: string | null;
}

/** GET/PUT /api/rooms/:id/schedule */
export interface ScheduleResponse {
  schedule: RoomSchedule;
}

/** The open meeting as sockets see it live, with the server's clock for the timer. */
export interface MeetingLive {
  roomId: Id;
  meeting: Meeting | null;
  serverNow: string;
}

export interface MeetingServerEvents {
  /** A meeting started, was renamed, or its attendance changed. */
  'meeting:state': (payload: MeetingLive) => void;
  /** A meeting ended: its summary is in `meeting`. */
  'meeting:ended': (payload: { roomId: Id; meeting: Meeting; serverNow: string }) => void;
}

export interface MeetingClientEvents {
  /** The open meeting of a joined room (null when none), for a client that just joined. */
  'meeting:current': (
    payload: { roomId: string },
    ack: (res: { ok: true; live: MeetingLive } | { ok: false; code: number; message: string }) => void,
  ) => void;
}
