
import {
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/** Postgres `bytea` as Uint8Array on both drivers (postgres-js gives Buffer, a Uint8Array subclass). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBufferLike)),
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Normalised (trimmed, lower-cased) so uniqueness holds in the database, not only in code. */
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the opaque cookie token: a leaked table does not leak live sessions. */
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const rooms = pgTable('rooms', {
  id: uuid('id').primaryKey().defaultRandom(),
  title: text('title').notNull(),
  createdBy: uuid('created_by')
    .notNull()
    .references(() => users.id),
  createdAt: createdAt(),
  archivedAt: timestamp('archived_at', { withTimezone: true }),
});

export const roomMembers = pgTable(
  'room_members',
  {
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['mentor', 'mentee'] }).notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.userId] }),
    /** Exactly one mentor and at most one mentee per room, enforced by the database. */
    uniqueIndex('room_members_role_key').on(t.roomId, t.role),
    index('room_members_user_idx').on(t.userId),
  ],
);

export const invites = pgTable(
  'invites',
  {
    /** sha256 of the invite token; the token itself is only ever in the invite URL. */
    tokenHash: text('token_hash').primaryKey(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedBy: uuid('used_by').references(() => users.id),
    /** The role the invitee takes: a mentor's own invites are for the mentee; a program's are for either. */
    role: text('role', { enum: ['mentor', 'mentee'] })
      .notNull()
      .default('mentee'),
    /** A program's invite is for this (normalised) email only; null: anyone with the link. */
    email: text('email'),
  },
  (t) => [index('invites_room_idx').on(t.roomId)],
);

/**
 * The append-only Yjs update log. `id` orders rows only roughly (concurrent nodes commit
 * out of id order); loading never relies on it, because Yjs updates commute.
 */
export const roomUpdates = pgTable(
  'room_updates',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    roomId: text('room_id').notNull(),
    data: bytea('data').notNull(),
    /** The user whose connection sent the update (null for server-made updates). */
    authorId: uuid('author_id'),
    createdAt: createdAt(),
  },
  (t) => [index('room_updates_room_idx').on(t.roomId, t.id)],
);

/**
 * A room's chat. `id` orders a room's messages (and is the "load older" cursor): a node's
 * group commit inserts its batch in send order, and messages of one room sent on two nodes at
 * once are ordered by whichever commit came first, which is also the order members saw them.
 * `meeting_id` is the meeting open when the message was committed (no foreign key, for the
 * reason below; a meeting is never deleted without its room).
 */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // No foreign keys, like room_updates: each FK check locks the referenced room and user
    // row (FOR KEY SHARE), which made a 500-row group commit four times slower (87 ms against
    // 21 ms). The service writes only ids it checked; rooms are archived, never deleted.
    roomId: uuid('room_id').notNull(),
    authorId: uuid('author_id').notNull(),
    body: text('body').notNull(),
    createdAt: createdAt(),
    meetingId: uuid('meeting_id'),
  },
  (t) => [index('chat_messages_room_idx').on(t.roomId, t.id.desc())],
);

/** One merged state per doc; compaction folds log rows into it and moves exactly those rows to room_history. */
export const roomCheckpoints = pgTable('room_checkpoints', {
  roomId: text('room_id').primaryKey(),
  state: bytea('state').notNull(),
  /** How many log rows have been folded in, over the doc's life (for metrics and tests). */
  compactedUpdates: integer('compacted_updates').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The log rows compaction folded into the checkpoint, kept for history instead of deleted.
 * Consecutive rows of one author within HISTORY_MERGE_WINDOW_S are merged into one row
 * (Y.mergeUpdates, done by the server: this package knows no Yjs) that keeps the author, the
 * first and last row's times and how many rows it merged. Private docs keep none.
 */
export const roomHistory = pgTable(
  'room_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Doc name, as in room_updates. */
    roomId: text('room_id').notNull(),
    data: bytea('data').notNull(),
    /** The author of every merged row (null for server-made updates and baselines). */
    authorId: uuid('author_id'),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    /** Log rows merged into this one. */
    updates: integer('updates').notNull().default(1),
    /**
     * The whole doc as of `last_at`, standing for history that is not kept row by row: the
     * checkpoint of a room compacted before history was kept (the migration), or rows pruned
     * by HISTORY_RETENTION_DAYS. "As of T" is unknown for a T before it.
     */
    baseline: boolean('baseline').notNull().default(false),
  },
  (t) => [index('room_history_room_time_idx').on(t.roomId, t.lastAt)],
);

/** Secrets shared by every node (e.g. the socket-token HMAC key), created on first start. */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});


/**
 * A room's meetings, numbered per room. At most one is open (ended_at null) per room, held by a
 * partial unique index, so two nodes pressing Start at once cannot both open one: the loser's
 * INSERT … ON CONFLICT DO NOTHING inserts nothing and it reads the open meeting instead.
 */
export const meetings = pgTable(
  'meetings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… per room: "Meeting 3" and "carried over from Meeting 2". */
    number: integer('number').notNull(),
    /** Null shows as "Meeting <number>". */
    title: text('title'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** The member who pressed Start; null when it started by itself (both present). */
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    endedBy: uuid('ended_by').references(() => users.id, { onDelete: 'set null' }),
    /** What the summary needs of the doc at start (room-doc MeetingDigest), while the meeting is open; the doc itself is not kept. */
    startDigest: jsonb('start_digest'),
    /**
     * The room doc at end, before carry-over; never compacted away. The whole doc as one update
     * when `snapshot_base` is null, else only what changed since that meeting's end (room-doc
     * meeting-snapshots.ts): the state is the base's state with this applied on top.
     */
    endSnapshot: bytea('end_snapshot'),
    // No foreign key: only this server writes it, always a meeting of the same room, and a
    // self-reference without an index would scan the table per row when a room's meetings go.
    snapshotBase: uuid('snapshot_base'),
    /** Bytes read to rebuild this end: the chain's full state plus every difference up to this one (null: a full row from before chains). */
    snapshotChainBytes: integer('snapshot_chain_bytes'),
    /** Of those, the chain's full state. */
    snapshotRootBytes: integer('snapshot_root_bytes'),
    /** Y.encodeSnapshot (delete set + state vector) of this end, kept only on the room's latest stored end: the next end is stored against it. */
    endVersion: bytea('end_version'),
    /** MeetingSummary (@menteo/protocol), derived at end. */
    summary: jsonb('summary'),
  },
  (t) => [
    uniqueIndex('meetings_one_open_key').on(t.roomId).where(sql`${t.endedAt} is null`),
    uniqueIndex('meetings_room_number_key').on(t.roomId, t.number),
    index('meetings_room_started_idx').on(t.roomId, t.startedAt),
  ],
);

/** One row per stay of a member in an open meeting (join → leave); minutes present are their sum. */
export const meetingAttendance = pgTable(
  'meeting_attendance',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull(),
    leftAt: timestamp('left_at', { withTimezone: true }),
  },
  (t) => [index('meeting_attendance_meeting_idx').on(t.meetingId, t.userId)],
);

/** A room's meeting cadence (room settings), one row per room that set one. */
export const roomSchedules = pgTable('room_schedules', {
  roomId: uuid('room_id')
    .primaryKey()
    .references(() => rooms.id, { onDelete: 'cascade' }),
  kind: text('kind', { enum: ['weekly', 'biweekly', 'monthly', 'every_n_days'] }).notNull(),
  /** Days, for every_n_days only. */
  everyDays: integer('every_days'),
  /** The next meeting's date and time when set by a member; otherwise derived from the last meeting. */
  nextAt: timestamp('next_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
