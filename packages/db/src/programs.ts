import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { invites, roomMembers, rooms, roomSchedules, users } from './schema.ts';
import {
  agreementAcceptances,
  certificates,
  pairStats,
  programCoordinators,
  programPairs,
  programs,
  type ProgramMilestoneJson,
} from './programs-schema.ts';
import { appendRoomUpdates } from './room-log.ts';

export type ProgramRow = typeof programs.$inferSelect;
export type ProgramWithCount = ProgramRow & { pairCount: number };
export type PairRow = typeof programPairs.$inferSelect;
export type CertificateRow = typeof certificates.$inferSelect;

export interface NewProgram {
  name: string;
  startDate: string;
  endDate: string;
  cadenceDays: number;
  topics: string[];
  milestones: ProgramMilestoneJson[];
  expectations: string;
  roadmapId: string | null;
}

/** Creates the program and makes its creator its coordinator, atomically. */
export async function createProgram(db: Db, input: NewProgram, coordinatorId: string): Promise<ProgramRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(programs)
      .values({ ...input, createdBy: coordinatorId })
      .returning();
    if (!row) throw new Error('insert into programs returned no row');
    await tx.insert(programCoordinators).values({ programId: row.id, userId: coordinatorId });
    return row;
  });
}

const pairCount = sql<number>`(select count(*)::int from ${programPairs} where ${programPairs.programId} = ${programs.id})`;

/** The programs a user coordinates, newest first, with their pair counts. */
export async function listProgramsOfCoordinator(db: Db, userId: string): Promise<ProgramWithCount[]> {
  const rows = await db
    .select({ program: programs, pairCount })
    .from(programCoordinators)
    .innerJoin(programs, eq(programs.id, programCoordinators.programId))
    .where(eq(programCoordinators.userId, userId))
    .orderBy(desc(programs.createdAt), asc(programs.id));
  return rows.map((r) => ({ ...r.program, pairCount: Number(r.pairCount) }));
}

/** The program if the user coordinates it, else null (unknown and foreign look the same). */
export async function getProgramOfCoordinator(db: Db, programId: string, userId: string): Promise<ProgramWithCount | null> {
  const rows = await db
    .select({ program: programs, pairCount })
    .from(programCoordinators)
    .innerJoin(programs, eq(programs.id, programCoordinators.programId))
    .where(and(eq(programCoordinators.programId, programId), eq(programCoordinators.userId, userId)))
    .limit(1);
  const row = rows[0];
  return row ? { ...row.program, pairCount: Number(row.pairCount) } : null;
}

/** One pair of a bulk import, everything made by the caller (ids, tokens, the seeded doc). */
export interface NewPair {
  line: number;
  pairId: string;
  roomId: string;
  roomTitle: string;
  mentorEmail: string;
  menteeEmail: string;
  mentorName: string | null;
  menteeName: string | null;
  /** Used only when the person has no account yet. */
  mentorInvite: { token: string; tokenHash: string };
  menteeInvite: { token: string; tokenHash: string };
  /** The room's first log row: the program's milestones, topics and expectations. */
  seedUpdate: Uint8Array;
}

export interface CreatedPair {
  line: number;
  pairId: string;
  roomId: string;
  /** Null when the person had an account and became a member directly. */
  mentorInviteToken: string | null;
  menteeInviteToken: string | null;
  /** The users added directly (their room lists show it at once). */
  addedUserIds: string[];
}

export type CreatePairsResult =
  | { ok: true; pairs: CreatedPair[] }
  /** Emails already paired in this program by an earlier import: nothing was written. */
  | { ok: false; alreadyPaired: string[] };

class PairsAbort extends Error {
  constructor(readonly alreadyPaired: string[]) {
    super('already paired');
  }
}

/** Rows per INSERT, well under Postgres' 65,535 bind parameters for every table here. */
const CHUNK = 1000;
async function inChunks<T>(items: readonly T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await write(items.slice(i, i + CHUNK));
}

/**
 * Every room, membership, invite, pair, seeded doc and figures row of an import in ONE
 * transaction: a failure anywhere writes nothing. The program row is locked first, so two
 * imports into one program cannot both pair the same person.
 */
export async function createPairs(
  db: Db,
  input: {
    programId: string;
    coordinatorId: string;
    expiresAt: Date;
    milestonesTotal: number;
    /** The program's cadence, set as each pair's meeting schedule. */
    cadenceDays: number;
    pairs: readonly NewPair[];
  },
): Promise<CreatePairsResult> {
  const { programId, coordinatorId, expiresAt, pairs } = input;
  try {
    const created = await db.transaction(async (tx) => {
      await tx.select({ id: programs.id }).from(programs).where(eq(programs.id, programId)).for('update');
      const emails = [...new Set(pairs.flatMap((p) => [p.mentorEmail, p.menteeEmail]))];
      const taken = new Set<string>();
      for (let i = 0; i < emails.length; i += CHUNK) {
        const chunk = emails.slice(i, i + CHUNK);
        const rows = await tx
          .select({ mentor: programPairs.mentorEmail, mentee: programPairs.menteeEmail })
          .from(programPairs)
          .where(
            and(
              eq(programPairs.programId, programId),
              sql`(${inArray(programPairs.mentorEmail, chunk)} or ${inArray(programPairs.menteeEmail, chunk)})`,
            ),
          );
        for (const r of rows) {
          if (chunk.includes(r.mentor)) taken.add(r.mentor);
          if (chunk.includes(r.mentee)) taken.add(r.mentee);
        }
      }
      if (taken.size > 0) throw new PairsAbort([...taken].sort());

      const accounts = new Map<string, string>();
      await inChunks(emails, async (chunk) => {
        const rows = await tx.select({ id: users.id, email: users.email }).from(users).where(inArray(users.email, chunk));
        for (const r of rows) accounts.set(r.email, r.id);
      });

      const out: CreatedPair[] = pairs.map((p) => {
        const mentorId = accounts.get(p.mentorEmail) ?? null;
        const menteeId = accounts.get(p.menteeEmail) ?? null;
        return {
          line: p.line,
          pairId: p.pairId,
          roomId: p.roomId,
          mentorInviteToken: mentorId ? null : p.mentorInvite.token,
          menteeInviteToken: menteeId ? null : p.menteeInvite.token,
          addedUserIds: [mentorId, menteeId].filter((id): id is string => id !== null),
        };
      });

      await inChunks(pairs, (chunk) =>
        tx.insert(rooms).values(chunk.map((p) => ({ id: p.roomId, title: p.roomTitle, createdBy: coordinatorId }))),
      );
      const members = pairs.flatMap((p) => {
        const rows: (typeof roomMembers.$inferInsert)[] = [];
        const mentorId = accounts.get(p.mentorEmail);
        const menteeId = accounts.get(p.menteeEmail);
        if (mentorId) rows.push({ roomId: p.roomId, userId: mentorId, role: 'mentor' });
        if (menteeId) rows.push({ roomId: p.roomId, userId: menteeId, role: 'mentee' });
        return rows;
      });
      await inChunks(members, (chunk) => tx.insert(roomMembers).values(chunk));
      const inviteRows = pairs.flatMap((p) => {
        const rows: (typeof invites.$inferInsert)[] = [];
        const base = { roomId: p.roomId, createdBy: coordinatorId, expiresAt };
        if (!accounts.has(p.mentorEmail)) rows.push({ ...base, tokenHash: p.mentorInvite.tokenHash, role: 'mentor', email: p.mentorEmail });
        if (!accounts.has(p.menteeEmail)) rows.push({ ...base, tokenHash: p.menteeInvite.tokenHash, role: 'mentee', email: p.menteeEmail });
        return rows;
      });
      await inChunks(inviteRows, (chunk) => tx.insert(invites).values(chunk));
      const pairRows = pairs.map((p, i) => ({
        id: p.pairId,
        programId,
        roomId: p.roomId,
        line: p.line,
        mentorEmail: p.mentorEmail,
        menteeEmail: p.menteeEmail,
        mentorName: p.mentorName,
        menteeName: p.menteeName,
        mentorInviteToken: out[i]?.mentorInviteToken ?? null,
        menteeInviteToken: out[i]?.menteeInviteToken ?? null,
      }));
      await inChunks(pairRows, (chunk) => tx.insert(programPairs).values(chunk));
      const schedule = cadenceKind(input.cadenceDays);
      await inChunks(pairs, (chunk) => tx.insert(roomSchedules).values(chunk.map((p) => ({ roomId: p.roomId, ...schedule }))));
      await inChunks(pairs, (chunk) =>
        tx.insert(pairStats).values(chunk.map((p) => ({ roomId: p.roomId, milestonesDone: 0, milestonesTotal: input.milestonesTotal }))),
      );
      await inChunks(pairs, (chunk) =>
        appendRoomUpdates(
          tx as unknown as Db,
          chunk.map((p) => ({ roomId: p.roomId, data: p.seedUpdate, authorId: null })),
        ),
      );
      return out;
    });
    return { ok: true, pairs: created };
  } catch (err) {
    if (err instanceof PairsAbort) return { ok: false, alreadyPaired: err.alreadyPaired };
    throw err;
  }
}

/** The meetings area's cadence for a number of days (7, 14 and 30 have names). */
function cadenceKind(days: number): { kind: 'weekly' | 'biweekly' | 'monthly' | 'every_n_days'; everyDays: number | null } {
  if (days === 7) return { kind: 'weekly', everyDays: null };
  if (days === 14) return { kind: 'biweekly', everyDays: null };
  if (days === 30) return { kind: 'monthly', everyDays: null };
  return { kind: 'every_n_days', everyDays: days };
}

/** A program's pairs in import order (the invitations export). */
export async function listPairs(db: Db, programId: string): Promise<PairRow[]> {
  return db.select().from(programPairs).where(eq(programPairs.programId, programId)).orderBy(asc(programPairs.createdAt), asc(programPairs.line));
}

/** One row of the coordinator's dashboard: figures only. */
export interface PairFiguresRow {
  pairId: string;
  roomId: string;
  mentorEmail: string;
  menteeEmail: string;
  createdAt: Date;
  mentorJoined: boolean;
  menteeJoined: boolean;
  milestonesDone: number;
  milestonesTotal: number;
  /** Members whose acceptance matches the current agreement text. */
  acceptedCurrent: number;
  certificates: number;
  figuresAt: Date | null;
  /** Ended meetings (the meetings area's records). */
  meetingsHeld: number;
  /** The start of the latest meeting, ended or open; null if none yet. */
  lastMeetingAt: Date | null;
}

/**
 * A program's figures in one statement, from program_pairs, pair_stats, memberships,
 * acceptances and certificates — never a doc. Indexed per room, so 1,000 pairs stay cheap.
 */
export async function programFigures(db: Db, programId: string): Promise<PairFiguresRow[]> {
  const rows = await db
    .select({
      pairId: programPairs.id,
      roomId: programPairs.roomId,
      mentorEmail: programPairs.mentorEmail,
      menteeEmail: programPairs.menteeEmail,
      createdAt: programPairs.createdAt,
      mentorJoined: sql<boolean>`exists(select 1 from room_members m where m.room_id = ${programPairs.roomId} and m.role = 'mentor')`,
      menteeJoined: sql<boolean>`exists(select 1 from room_members m where m.room_id = ${programPairs.roomId} and m.role = 'mentee')`,
      milestonesDone: pairStats.milestonesDone,
      milestonesTotal: pairStats.milestonesTotal,
      acceptedCurrent: sql<number>`(select count(*)::int from agreement_acceptances a
        join room_members m on m.room_id = a.room_id and m.user_id = a.user_id
        where a.room_id = ${programPairs.roomId} and a.text_hash = ${pairStats.agreementHash})`,
      certificates: sql<number>`(select count(*)::int from certificates c where c.room_id = ${programPairs.roomId} and c.program_id = ${programPairs.programId})`,
      figuresAt: pairStats.updatedAt,
      meetingsHeld: sql<number>`(select count(*)::int from meetings mt where mt.room_id = ${programPairs.roomId} and mt.ended_at is not null)`,
      lastMeetingAt: sql<string | Date | null>`(select max(mt.started_at) from meetings mt where mt.room_id = ${programPairs.roomId})`,
    })
    .from(programPairs)
    .leftJoin(pairStats, eq(pairStats.roomId, programPairs.roomId))
    .where(eq(programPairs.programId, programId))
    .orderBy(asc(programPairs.createdAt), asc(programPairs.line));
  return rows.map((r) => ({
    ...r,
    milestonesDone: r.milestonesDone ?? 0,
    milestonesTotal: r.milestonesTotal ?? 0,
    acceptedCurrent: Number(r.acceptedCurrent),
    certificates: Number(r.certificates),
    meetingsHeld: Number(r.meetingsHeld),
    // Raw subselects come back as text on one driver and Date on the other.
    lastMeetingAt: r.lastMeetingAt === null ? null : new Date(r.lastMeetingAt),
    mentorJoined: Boolean(r.mentorJoined),
    menteeJoined: Boolean(r.menteeJoined),
  }));
}

export async function isCoordinatorOfRoom(db: Db, userId: string, roomId: string): Promise<boolean> {
  const rows = await db
    .select({ programId: programPairs.programId })
    .from(programPairs)
    .innerJoin(programCoordinators, eq(programCoordinators.programId, programPairs.programId))
    .where(and(eq(programPairs.roomId, roomId), eq(programCoordinators.userId, userId)))
    .limit(1);
  return rows.length > 0;
}

/** What the server needs to derive a program room's figures; null for a room outside programs. */
export interface PairContext {
  programId: string;
  programName: string;
  startDate: string;
  endDate: string;
  milestoneIds: string[];
  expectations: string;
}

export async function pairContextOfRoom(db: Db, roomId: string): Promise<PairContext | null> {
  const rows = await db
    .select({ program: programs })
    .from(programPairs)
    .innerJoin(programs, eq(programs.id, programPairs.programId))
    .where(eq(programPairs.roomId, roomId))
    .limit(1);
  const p = rows[0]?.program;
  if (!p) return null;
  return {
    programId: p.id,
    programName: p.name,
    startDate: p.startDate,
    endDate: p.endDate,
    milestoneIds: p.milestones.map((m) => m.id),
    expectations: p.expectations,
  };
}

/** Stores a pair's derived figures (whichever node derived them last wins; they converge). */
export async function savePairStats(
  db: Db,
  roomId: string,
  figures: { milestonesDone: number; milestonesTotal: number; agreementHash: string },
  now = new Date(),
): Promise<void> {
  await db
    .insert(pairStats)
    .values({ roomId, ...figures, updatedAt: now })
    .onConflictDoUpdate({ target: pairStats.roomId, set: { ...figures, updatedAt: now } });
}

/**
 * Issues a certificate to each current member that has none for this program and room.
 * `newId` makes the random public ids. Returns the newly issued rows (none when all had one).
 */
export async function issueCertificates(
  db: Db,
  input: { programId: string; roomId: string; milestonesDone: number; milestonesTotal: number; newId: () => string },
  now = new Date(),
): Promise<CertificateRow[]> {
  const members = await db
    .select({ userId: roomMembers.userId, role: roomMembers.role, displayName: users.displayName })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(eq(roomMembers.roomId, input.roomId));
  if (members.length === 0) return [];
  const values = members.map((m) => ({
    id: input.newId(),
    programId: input.programId,
    roomId: input.roomId,
    userId: m.userId,
    role: m.role,
    holderName: m.displayName,
    partnerName: members.find((o) => o.userId !== m.userId)?.displayName ?? null,
    milestonesDone: input.milestonesDone,
    milestonesTotal: input.milestonesTotal,
    issuedAt: now,
  }));
  return db.insert(certificates).values(values).onConflictDoNothing({ target: [certificates.programId, certificates.roomId, certificates.userId] }).returning();
}

export interface CertificateView extends CertificateRow {
  programName: string;
  startDate: string;
  endDate: string;
}

const certificateColumns = {
  cert: certificates,
  programName: programs.name,
  startDate: programs.startDate,
  endDate: programs.endDate,
};

/** A member's own certificates in a room. */
export async function certificatesOfMember(db: Db, roomId: string, userId: string): Promise<CertificateView[]> {
  const rows = await db
    .select(certificateColumns)
    .from(certificates)
    .innerJoin(programs, eq(programs.id, certificates.programId))
    .where(and(eq(certificates.roomId, roomId), eq(certificates.userId, userId)))
    .orderBy(asc(certificates.issuedAt));
  return rows.map((r) => ({ ...r.cert, programName: r.programName, startDate: r.startDate, endDate: r.endDate }));
}

export async function findCertificate(db: Db, id: string): Promise<CertificateView | null> {
  const rows = await db
    .select(certificateColumns)
    .from(certificates)
    .innerJoin(programs, eq(programs.id, certificates.programId))
    .where(eq(certificates.id, id))
    .limit(1);
  const r = rows[0];
  return r ? { ...r.cert, programName: r.programName, startDate: r.startDate, endDate: r.endDate } : null;
}

export interface AcceptanceView {
  userId: string;
  displayName: string;
  role: 'mentor' | 'mentee';
  textHash: string;
  acceptedAt: Date;
}

/** The current members' latest acceptances (a member who left no longer counts). */
export async function acceptancesOfRoom(db: Db, roomId: string): Promise<AcceptanceView[]> {
  return db
    .select({
      userId: agreementAcceptances.userId,
      displayName: users.displayName,
      role: roomMembers.role,
      textHash: agreementAcceptances.textHash,
      acceptedAt: agreementAcceptances.acceptedAt,
    })
    .from(agreementAcceptances)
    .innerJoin(roomMembers, and(eq(roomMembers.roomId, agreementAcceptances.roomId), eq(roomMembers.userId, agreementAcceptances.userId)))
    .innerJoin(users, eq(users.id, agreementAcceptances.userId))
    .where(eq(agreementAcceptances.roomId, roomId))
    .orderBy(desc(roomMembers.role));
}

/** Records (or renews) a member's acceptance of the text with this hash. */
export async function recordAcceptance(db: Db, roomId: string, userId: string, textHash: string, now = new Date()): Promise<void> {
  await db
    .insert(agreementAcceptances)
    .values({ roomId, userId, textHash, acceptedAt: now })
    .onConflictDoUpdate({ target: [agreementAcceptances.roomId, agreementAcceptances.userId], set: { textHash, acceptedAt: now } });
}
