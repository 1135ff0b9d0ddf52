import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { stringify } from 'csv-stringify/sync';
import {
  AGREEMENT_EXPECTATIONS,
  ErrorCode,
  isId,
  type AgreementState,
  type CreateProgramBody,
  type DashboardResponse,
  type PairFigures,
  type PairingCreated,
  type PairingRowError,
} from '@menteo/protocol';
import {
  acceptancesOfRoom,
  certificatesOfMember,
  createPairs,
  createProgram,
  findCertificate,
  getProgramOfCoordinator,
  isCoordinatorOfRoom,
  issueCertificates,
  listPairs,
  listProgramsOfCoordinator,
  loadRoomDocs,
  pairContextOfRoom,
  programFigures,
  recordAcceptance,
  savePairStats,
  type CertificateView,
  type Db,
  type NewPair,
  type PairContext,
  type ProgramWithCount,
} from '@menteo/db';
import {
  agreementText,
  applyRoadmap,
  docFromStored,
  meetsCertificateTarget,
  programProgress,
  readAgreement,
  seedProgramDoc,
} from '@menteo/room-doc';
import type { AppContext } from '../context.ts';
import { ServiceError } from '../service-error.ts';
import { hashToken, newToken } from '../auth/tokens.ts';
import type { MemberRoom } from '../membership/rooms-service.ts';
import type { RoomRegistry } from '../rooms/RoomRegistry.ts';
import { parsePairingsCsv } from './csv-pairings.ts';

declare const coordinated: unique symbol;
/** A program whose caller the service checked to be its coordinator. */
export type CoordinatedProgram = ProgramWithCount & { readonly [coordinated]: true; readonly userId: string };

export type PairingsOutcome = { ok: true; created: PairingCreated[] } | { ok: false; errors: PairingRowError[] };

export interface ProgramsService {
  create(userId: string, body: CreateProgramBody): Promise<ProgramWithCount>;
  list(userId: string): Promise<ProgramWithCount[]>;
  /** The program if the caller coordinates it; unknown, foreign and malformed ids are all not_found. */
  asCoordinator(userId: string, programId: string): Promise<CoordinatedProgram>;
  /** All pairs of the CSV or none: any row error writes nothing. `inviteBase` is the public origin. */
  importPairings(program: CoordinatedProgram, csv: Uint8Array, inviteBase: string): Promise<PairingsOutcome>;
  /** The invitations as CSV (formulas escaped), for copying into mail merges. */
  invitationsCsv(program: CoordinatedProgram, inviteBase: string): Promise<string>;
  /** Derived figures per pair: never a doc, never content. */
  dashboard(program: CoordinatedProgram, now?: Date): Promise<DashboardResponse>;
  agreement(room: MemberRoom): Promise<AgreementState>;
  /** Records the member's acceptance of the text with this hash; conflict when the text changed since. */
  acceptAgreement(room: MemberRoom, textHash: string): Promise<AgreementState>;
  certificatesOf(room: MemberRoom): Promise<CertificateView[]>;
  /** Public: a certificate by its random id; not_found reveals nothing else. */
  verify(certId: string): Promise<CertificateView>;
  /** True when the user coordinates the program of this room (the doc socket refuses them with 4403). */
  coordinatesRoom(userId: string, roomId: string): Promise<boolean>;
  /** Derives a program room's figures from its doc and issues certificates when due. */
  refreshRoom(roomId: string, now?: Date): Promise<void>;
  /** A doc committed rows on this node: refresh its figures shortly (debounced per room). */
  docChanged(docName: string): void;
  close(): Promise<void>;
}

const PROGRAM_NOT_FOUND = 'Program not found.';
const CERTIFICATE_NOT_FOUND = 'No such certificate.';
/** Figures follow a burst of edits once it pauses: one derivation per room per burst. */
const REFRESH_DELAY_MS = 250;
const DAY_MS = 86_400_000;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const todayUtc = (now: Date): string => now.toISOString().slice(0, 10);
const newCertificateId = (): string => randomBytes(24).toString('base64url');

/** The seed of a new pair's doc as one update, made once per import row. */
function seedUpdate(program: ProgramWithCount, pairedOn: string): Uint8Array {
  const doc = new Y.Doc();
  seedProgramDoc(doc, {
    programId: program.id,
    milestones: program.milestones,
    topics: program.topics,
    cadenceDays: program.cadenceDays,
    expectations: program.expectations,
    pairedOn,
  });
  // The program's roadmap starts the board (an unknown id adds nothing).
  if (program.roadmapId) applyRoadmap(doc, program.roadmapId);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

const roomTitleOf = (program: string, mentor: string, mentee: string): string => {
  const title = `${program}: ${mentor} & ${mentee}`;
  return title.length <= 120 ? title : `${title.slice(0, 119)}…`;
};

/**
 * Programs: coordinators, bulk pairing, the agreement's acceptances, figures and certificates.
 *
 * Privacy: a coordinator is never a member of a pair's room, so every room endpoint and the
 * doc socket refuse them (404 / 4403) by the rooms' own rule; what they get here is derived
 * figures from `pair_stats` (kept by refreshRoom from the doc on the node that holds it) and
 * the membership, acceptance and certificate tables.
 */
export function createProgramsService(ctx: AppContext, deps: { registry: RoomRegistry }): ProgramsService {
  const db: Db = ctx.db.db;
  /** roomId → its program context (null: not in a program). Programs' milestones never change. */
  const contexts = new Map<string, PairContext | null>();
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  const contextOf = async (roomId: string): Promise<PairContext | null> => {
    if (contexts.has(roomId)) return contexts.get(roomId) ?? null;
    const found = await pairContextOfRoom(db, roomId);
    // Bounded: a node that saw very many rooms forgets them all and asks again.
    if (contexts.size > 50_000) contexts.clear();
    contexts.set(roomId, found);
    return found;
  };

  /** The live doc when this node holds the room, else the stored one (checkpoint + tail). */
  const docOf = async (roomId: string): Promise<{ doc: Y.Doc; owned: boolean }> => {
    // The doc as this node holds it live (its registry), else as stored.
    const live = deps.registry.peek(roomId)?.doc;
    if (live) return { doc: live, owned: false };
    const stored = (await loadRoomDocs(db, [roomId])).get(roomId);
    return { doc: docFromStored(stored?.parts ?? []).doc, owned: true };
  };

  const agreementOf = async (room: MemberRoom): Promise<AgreementState> => {
    const [{ doc, owned }, acceptances, context] = await Promise.all([docOf(room.id), acceptancesOfRoom(db, room.id), contextOf(room.id)]);
    const content = readAgreement(doc);
    if (owned) doc.destroy();
    const textHash = sha256(agreementText(content));
    const current = acceptances.filter((a) => a.textHash === textHash);
    return {
      roomId: room.id,
      expectations: [...AGREEMENT_EXPECTATIONS],
      programText: content.programText,
      additions: content.additions,
      textHash,
      acceptances: acceptances.map((a) => ({
        userId: a.userId,
        displayName: a.displayName,
        role: a.role,
        acceptedAt: a.acceptedAt.toISOString(),
        current: a.textHash === textHash,
      })),
      acceptedByBoth: room.members.length === 2 && room.members.every((m) => current.some((a) => a.userId === m.userId)),
      required: context !== null,
    };
  };

  const refreshRoom = async (roomId: string, now = new Date()): Promise<void> => {
    const context = await contextOf(roomId);
    if (!context) return;
    const { doc, owned } = await docOf(roomId);
    const progress = programProgress(doc, context.milestoneIds);
    const agreementHash = sha256(agreementText(readAgreement(doc)));
    if (owned) doc.destroy();
    await savePairStats(db, roomId, { milestonesDone: progress.done, milestonesTotal: progress.total, agreementHash }, now);
    // "By the program's end": the end date is the last day that counts.
    if (meetsCertificateTarget(progress.done, progress.total) && todayUtc(now) <= context.endDate) {
      const issued = await issueCertificates(db, {
        programId: context.programId,
        roomId,
        milestonesDone: progress.done,
        milestonesTotal: progress.total,
        newId: newCertificateId,
      });
      if (issued.length > 0) ctx.logger.info({ roomId, programId: context.programId, issued: issued.length }, 'certificates issued');
    }
  };

  const track = (p: Promise<void>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };

  return {
    async create(userId, body) {
      const row = await createProgram(
        db,
        {
          name: body.name,
          startDate: body.startDate,
          endDate: body.endDate,
          cadenceDays: body.cadenceDays,
          topics: body.topics,
          milestones: body.milestones.map((m) => ({ id: randomUUID(), title: m.title, dueOffsetDays: m.dueOffsetDays })),
          expectations: body.expectations,
          roadmapId: body.roadmapId,
        },
        userId,
      );
      return { ...row, pairCount: 0 };
    },
    list: (userId) => listProgramsOfCoordinator(db, userId),
    async asCoordinator(userId, programId) {
      const program = isId(programId) ? await getProgramOfCoordinator(db, programId, userId) : null;
      if (!program) throw new ServiceError('not_found', ErrorCode.NotFound, PROGRAM_NOT_FOUND);
      return { ...program, userId } as CoordinatedProgram;
    },

    async importPairings(program, csv, inviteBase) {
      const parsed = parsePairingsCsv(csv);
      if (!parsed.ok) return { ok: false, errors: parsed.errors };
      const today = todayUtc(new Date());
      const pairedOn = today > program.startDate ? today : program.startDate;
      const seed = seedUpdate(program, pairedOn);
      const pairs: NewPair[] = parsed.rows.map((row) => {
        const mentorToken = newToken();
        const menteeToken = newToken();
        return {
          line: row.line,
          pairId: randomUUID(),
          roomId: randomUUID(),
          roomTitle: roomTitleOf(program.name, row.mentorName ?? row.mentorEmail, row.menteeName ?? row.menteeEmail),
          mentorEmail: row.mentorEmail,
          menteeEmail: row.menteeEmail,
          mentorName: row.mentorName,
          menteeName: row.menteeName,
          mentorInvite: { token: mentorToken, tokenHash: hashToken(mentorToken) },
          menteeInvite: { token: menteeToken, tokenHash: hashToken(menteeToken) },
          // The same seed bytes for every pair: each room's doc starts as the same state.
          seedUpdate: seed,
        };
      });
      const expiresAt = new Date(Date.now() + ctx.config.inviteTtlMs);
      const result = await createPairs(db, {
        programId: program.id,
        coordinatorId: program.userId,
        expiresAt,
        milestonesTotal: program.milestones.length,
        cadenceDays: program.cadenceDays,
        pairs,
      });
      if (!result.ok) {
        const taken = new Set(result.alreadyPaired);
        const errors: PairingRowError[] = [];
        for (const row of parsed.rows) {
          for (const [column, email] of [
            ['mentor_email', row.mentorEmail],
            ['mentee_email', row.menteeEmail],
          ] as const) {
            if (taken.has(email)) errors.push({ line: row.line, column, message: `${email} is already in a pair of this program.` });
          }
        }
        return { ok: false, errors };
      }
      const byRoom = new Map(pairs.map((p) => [p.roomId, p]));
      for (const pair of result.pairs) {
        contexts.delete(pair.roomId);
        for (const userId of pair.addedUserIds) ctx.events.publish('room.member-changed', { roomId: pair.roomId, userId, change: 'joined' });
      }
      const url = (token: string | null) => (token === null ? null : `${inviteBase}/invite/${token}`);
      return {
        ok: true,
        created: result.pairs.map((c) => {
          const p = byRoom.get(c.roomId);
          if (!p) throw new Error('created pair without its input');
          return {
            line: c.line,
            pairId: c.pairId,
            roomId: c.roomId,
            roomTitle: p.roomTitle,
            mentorEmail: p.mentorEmail,
            menteeEmail: p.menteeEmail,
            mentorInviteUrl: url(c.mentorInviteToken),
            menteeInviteUrl: url(c.menteeInviteToken),
          };
        }),
      };
    },

    async invitationsCsv(program, inviteBase) {
      const pairs = await listPairs(db, program.id);
      const url = (token: string | null) => (token === null ? 'has an account: added to the room' : `${inviteBase}/invite/${token}`);
      return stringify(
        pairs.map((p) => [p.mentorEmail, p.mentorName ?? '', url(p.mentorInviteToken), p.menteeEmail, p.menteeName ?? '', url(p.menteeInviteToken)]),
        {
          header: true,
          columns: ['mentor_email', 'mentor_name', 'mentor_invite', 'mentee_email', 'mentee_name', 'mentee_invite'],
          // A cell starting with = + - @ is prefixed with ' so that a spreadsheet shows it as text.
          escape_formulas: true,
          record_delimiter: 'windows',
        },
      );
    },

    async dashboard(program, now = new Date()) {
      const rows = await programFigures(db, program.id);
      const pairs: PairFigures[] = rows.map((r) => {
        // Since the last meeting, or since pairing while the pair has not met yet.
        const since = r.lastMeetingAt ?? r.createdAt;
        const days = Math.max(0, Math.floor((now.getTime() - since.getTime()) / DAY_MS));
        return {
        pairId: r.pairId,
        roomId: r.roomId,
        mentorEmail: r.mentorEmail,
        menteeEmail: r.menteeEmail,
        mentorJoined: r.mentorJoined,
        menteeJoined: r.menteeJoined,
        meetingsHeld: r.meetingsHeld,
        lastMeetingAt: r.lastMeetingAt?.toISOString() ?? null,
        daysSinceLastMeeting: days,
        overdue: days > program.cadenceDays,
        milestonesDone: r.milestonesDone,
        milestonesTotal: r.milestonesTotal,
        milestonePercent: r.milestonesTotal === 0 ? 0 : Math.floor((r.milestonesDone / r.milestonesTotal) * 100),
        agreementAccepted: r.mentorJoined && r.menteeJoined && r.acceptedCurrent >= 2,
        certificateIssued: r.certificates > 0,
        figuresAt: r.figuresAt?.toISOString() ?? null,
        };
      });
      return { programId: program.id, cadenceDays: program.cadenceDays, meetingsKnown: true, pairs };
    },

    agreement: agreementOf,
    async acceptAgreement(room, textHash) {
      const before = await agreementOf(room);
      if (before.textHash !== textHash) {
        throw new ServiceError('conflict', ErrorCode.Conflict, 'The agreement changed since you read it; read it again and accept the new text.');
      }
      await recordAcceptance(db, room.id, room.userId, textHash);
      await refreshRoom(room.id);
      return agreementOf(room);
    },

    certificatesOf: (room) => certificatesOfMember(db, room.id, room.userId),
    async verify(certId) {
      const found = /^[A-Za-z0-9_-]{32}$/.test(certId) ? await findCertificate(db, certId) : null;
      if (!found) throw new ServiceError('not_found', ErrorCode.NotFound, CERTIFICATE_NOT_FOUND);
      return found;
    },

    coordinatesRoom: (userId, roomId) => (isId(roomId) ? isCoordinatorOfRoom(db, userId, roomId) : Promise.resolve(false)),
    refreshRoom,
    docChanged(docName) {
      // Private docs (`<roomId>~private…`) carry no program figures.
      if (!isId(docName)) return;
      const pending = timers.get(docName);
      if (pending) clearTimeout(pending);
      timers.set(
        docName,
        setTimeout(() => {
          timers.delete(docName);
          track(
            refreshRoom(docName).catch((err: unknown) => ctx.logger.error({ err, roomId: docName }, 'deriving pair figures failed')),
          );
        }, REFRESH_DELAY_MS),
      );
    },
    async close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
