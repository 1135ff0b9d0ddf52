import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { rooms, users } from './schema.ts';

/*
 * Programs (issue 17): a coordinator's program, its pairs (one room each), the expectations
 * agreement's acceptances, certificates, and each pair's derived figures. A coordinator reads
 * these tables only, never a room's doc.
 */

export interface ProgramMilestoneJson {
  id: string;
  title: string;
  dueOffsetDays: number;
}

export const programs = pgTable('programs', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  startDate: date('start_date', { mode: 'string' }).notNull(),
  endDate: date('end_date', { mode: 'string' }).notNull(),
  cadenceDays: integer('cadence_days').notNull(),
  topics: jsonb('topics').$type<string[]>().notNull(),
  milestones: jsonb('milestones').$type<ProgramMilestoneJson[]>().notNull(),
  expectations: text('expectations').notNull().default(''),
  roadmapId: text('roadmap_id'),
  createdBy: uuid('created_by')
    .notNull()
    .references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The coordinator role is per program, not per room. */
export const programCoordinators = pgTable(
  'program_coordinators',
  {
    programId: uuid('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['coordinator'] })
      .notNull()
      .default('coordinator'),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.userId] }), index('program_coordinators_user_idx').on(t.userId)],
);

/**
 * One pair of a program and its room. The invite tokens are kept (not only their hashes, as
 * for a mentor's own invites) so that the coordinator can download the invitations again;
 * only the coordinator reads them, and an invite is single-use and expiring.
 */
export const programPairs = pgTable(
  'program_pairs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    programId: uuid('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    /** Normalised (trimmed, lower-cased). */
    mentorEmail: text('mentor_email').notNull(),
    menteeEmail: text('mentee_email').notNull(),
    mentorName: text('mentor_name'),
    menteeName: text('mentee_name'),
    mentorInviteToken: text('mentor_invite_token'),
    menteeInviteToken: text('mentee_invite_token'),
    /** 1-based CSV line it came from, for the invitations export. */
    line: integer('line').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('program_pairs_room_key').on(t.roomId),
    uniqueIndex('program_pairs_mentor_key').on(t.programId, t.mentorEmail),
    uniqueIndex('program_pairs_mentee_key').on(t.programId, t.menteeEmail),
  ],
);

/** A member's latest acceptance of the agreement; current while its hash equals the text's. */
export const agreementAcceptances = pgTable(
  'agreement_acceptances',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** sha256 hex of the agreement text the member accepted. */
    textHash: text('text_hash').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

/** Issued once per member, program and room; never revoked by later edits of the doc. */
export const certificates = pgTable(
  'certificates',
  {
    /** 24 random bytes, base64url: the public verification id. */
    id: text('id').primaryKey(),
    programId: uuid('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['mentor', 'mentee'] }).notNull(),
    /** Names as they were at issue time: a certificate does not change afterwards. */
    holderName: text('holder_name').notNull(),
    partnerName: text('partner_name'),
    milestonesDone: integer('milestones_done').notNull(),
    milestonesTotal: integer('milestones_total').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('certificates_member_key').on(t.programId, t.roomId, t.userId), index('certificates_room_idx').on(t.roomId)],
);

/**
 * A pair's figures, derived on the server from the room doc (room-doc derivations) whenever
 * the doc changes on a node, and read by the dashboard in one query: never a doc per request.
 */
export const pairStats = pgTable('pair_stats', {
  roomId: uuid('room_id')
    .primaryKey()
    .references(() => rooms.id, { onDelete: 'cascade' }),
  milestonesDone: integer('milestones_done').notNull().default(0),
  milestonesTotal: integer('milestones_total').notNull().default(0),
  /** sha256 hex of the agreement text as derived last; acceptances of another hash are stale. */
  agreementHash: text('agreement_hash'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
