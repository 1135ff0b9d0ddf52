import { z } from 'zod';
import type { Id, Role } from './ids.ts';

/*
 * Programs, coordinators, bulk pairing, the expectations agreement and certificates
 * (issue 17). A coordinator sees derived figures per pair only, never a room's content.
 */

/** A calendar date `YYYY-MM-DD` that exists. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a calendar date');

export const ProgramMilestoneInput = z.strictObject({
  title: z.string().trim().min(1).max(200),
  /** Due this many days after the pair was created. */
  dueOffsetDays: z.number().int().min(0).max(3650),
});
export type ProgramMilestoneInput = z.infer<typeof ProgramMilestoneInput>;

/** POST /api/programs — the caller becomes the program's coordinator. */
export const CreateProgramBody = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    startDate: IsoDate,
    endDate: IsoDate,
    /** Days between meetings (7 weekly, 14 every two weeks, 30 monthly). */
    cadenceDays: z.number().int().min(1).max(365),
    /** Discussion topics, one per meeting interval, seeded into each new pair's agenda. */
    topics: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
    milestones: z.array(ProgramMilestoneInput).min(1).max(50),
    /** The program's part of the expectations agreement. */
    expectations: z.string().max(5000).default(''),
    /** A roadmap from the library new pairs start with (roadmaps are another branch's). */
    roadmapId: z.string().trim().min(1).max(100).nullable().default(null),
  })
  .refine((b) => b.endDate >= b.startDate, { path: ['endDate'], message: 'the end date is before the start date' });
export type CreateProgramBody = z.infer<typeof CreateProgramBody>;

export interface ProgramMilestone {
  /** Also the id of the milestone seeded into every pair's doc. */
  id: string;
  title: string;
  dueOffsetDays: number;
}

export type ProgramRole = 'coordinator';

export interface Program {
  id: Id;
  name: string;
  startDate: string;
  endDate: string;
  cadenceDays: number;
  topics: string[];
  milestones: ProgramMilestone[];
  expectations: string;
  roadmapId: string | null;
  createdAt: string;
  myRole: ProgramRole;
  pairCount: number;
}

/** POST /api/programs (201), GET /api/programs/:id */
export interface ProgramResponse {
  program: Program;
}

/** GET /api/programs — the programs the caller coordinates. */
export interface ProgramsResponse {
  programs: Program[];
}

/** The CSV columns of POST /api/programs/:id/pairings (header row required; names optional). */
export const PAIRING_COLUMNS = ['mentor_email', 'mentee_email', 'mentor_name', 'mentee_name'] as const;
/** Data rows per upload; more is refused as a whole. */
export const MAX_PAIRING_ROWS = 2_000;

export interface PairingRowError {
  /** 1-based line of the CSV (the header is line 1). */
  line: number;
  /** The column at fault, when one is. */
  column: (typeof PAIRING_COLUMNS)[number] | null;
  message: string;
}

export interface PairingCreated {
  line: number;
  pairId: Id;
  roomId: Id;
  roomTitle: string;
  mentorEmail: string;
  menteeEmail: string;
  /** Null when that person already had an account: they were added to the room directly. */
  mentorInviteUrl: string | null;
  menteeInviteUrl: string | null;
}

/**
 * POST /api/programs/:id/pairings (body text/csv) → 201. With any row error nothing is
 * created: 422 `{error: {code: 'validation_failed', message, details: {rows: PairingRowError[]}}}`.
 */
export interface PairingsResult {
  created: PairingCreated[];
  errors: PairingRowError[];
}

/** Derived figures of one pair: what a coordinator sees. Never goals, notes, agenda or chat. */
export interface PairFigures {
  pairId: Id;
  roomId: Id;
  mentorEmail: string;
  menteeEmail: string;
  mentorJoined: boolean;
  menteeJoined: boolean;
  /** Ended meetings (null: unknown, for a server that records no meetings). */
  meetingsHeld: number | null;
  lastMeetingAt: string | null;
  /** Days since the last meeting (or since pairing when none yet); null when unknown. */
  daysSinceLastMeeting: number | null;
  /** daysSinceLastMeeting > the program's cadence; null when unknown. */
  overdue: boolean | null;
  milestonesDone: number;
  milestonesTotal: number;
  /** 0–100, rounded down. */
  milestonePercent: number;
  agreementAccepted: boolean;
  certificateIssued: boolean;
  /** When the figures were last derived from the doc; null if never (a new pair). */
  figuresAt: string | null;
}

/** GET /api/programs/:id/dashboard */
export interface DashboardResponse {
  programId: Id;
  cadenceDays: number;
  /** False while this server records no meetings: the meeting figures are null. */
  meetingsKnown: boolean;
  pairs: PairFigures[];
}

/** The three expectations every agreement starts with (rooms in and outside programs). */
export const AGREEMENT_EXPECTATIONS = [
  'Confidentiality: what we share in this room stays between us.',
  'Mutual respect: we keep our commitments, come prepared and give honest, kind feedback.',
  'Psychological safety: questions and mistakes are welcome; nobody is judged for not knowing.',
] as const;

export interface AgreementAcceptance {
  userId: Id;
  displayName: string;
  role: Role;
  acceptedAt: string;
  /** The hash this member accepted equals the current text's. */
  current: boolean;
}

/**
 * GET /api/rooms/:id/agreement (members). The text is the three expectations, the program's
 * expectations and the pair's own additions (co-edited live in the doc's `agreement` map);
 * `textHash` is the sha256 (hex) of that text. A change of the text makes earlier acceptances
 * stale (`current: false`): both accept again.
 */
export interface AgreementState {
  roomId: Id;
  expectations: string[];
  programText: string;
  additions: string;
  textHash: string;
  acceptances: AgreementAcceptance[];
  /** Both members accepted the current text. */
  acceptedByBoth: boolean;
  /** True in a program's room (shown until both accepted); optional elsewhere. */
  required: boolean;
}

/** POST /api/rooms/:id/agreement/accept — the hash of the text the member read (409 when it changed since). */
export const AcceptAgreementBody = z.strictObject({
  textHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AcceptAgreementBody = z.infer<typeof AcceptAgreementBody>;

/** POST answers the new state. */
export interface AgreementResponse {
  agreement: AgreementState;
}

/** A member's own certificate (GET /api/rooms/:id/certificates). */
export interface Certificate {
  /** Random and unguessable; the verification URL's id. */
  id: string;
  roomId: Id;
  programId: Id;
  programName: string;
  holderName: string;
  role: Role;
  partnerName: string | null;
  startDate: string;
  endDate: string;
  issuedAt: string;
  milestonesDone: number;
  milestonesTotal: number;
  /** The public page (`/certificates/<id>`) and the PDF (`/api/certificates/<id>.pdf`). */
  verifyUrl: string;
  pdfUrl: string;
}

export interface CertificatesResponse {
  certificates: Certificate[];
}

/** Public GET /api/certificates/:certId — nothing private: names, program, dates, the count. */
export interface CertificateVerification {
  id: string;
  holderName: string;
  role: Role;
  partnerName: string | null;
  programName: string;
  startDate: string;
  endDate: string;
  issuedAt: string;
  milestonesDone: number;
  milestonesTotal: number;
}

/** Certificate ids: 32 base64url characters (24 random bytes). */
export const CERTIFICATE_ID = /^[A-Za-z0-9_-]{32}$/;
