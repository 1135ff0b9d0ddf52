import express, { Router, type Request, type Response } from 'express';
import {
  AcceptAgreementBody,
  CreateProgramBody,
  ErrorCode,
  type AgreementResponse,
  type Certificate,
  type CertificatesResponse,
  type CertificateVerification,
  type DashboardResponse,
  type PairingsResult,
  type Program,
  type ProgramResponse,
  type ProgramsResponse,
} from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { RoomsService } from '../../membership/rooms-service.ts';
import type { ProgramsService } from '../../programs/programs-service.ts';
import { renderCertificatePdf } from '../../programs/certificate-pdf.ts';
import { HttpError, parseBody } from './errors.ts';
import { caller, requireUser } from './middleware.ts';

type ProgramRow = Awaited<ReturnType<ProgramsService['list']>>[number];
type CertificateRow = Awaited<ReturnType<ProgramsService['verify']>>;

const toProgram = (p: ProgramRow): Program => ({
  id: p.id,
  name: p.name,
  startDate: p.startDate,
  endDate: p.endDate,
  cadenceDays: p.cadenceDays,
  topics: p.topics,
  milestones: p.milestones,
  expectations: p.expectations,
  roadmapId: p.roadmapId,
  createdAt: p.createdAt.toISOString(),
  myRole: 'coordinator',
  pairCount: p.pairCount,
});

/** What anyone may see of a certificate: no ids but its own, no emails, nothing from the room. */
const toVerification = (c: CertificateRow): CertificateVerification => ({
  id: c.id,
  holderName: c.holderName,
  role: c.role,
  partnerName: c.partnerName,
  programName: c.programName,
  startDate: c.startDate,
  endDate: c.endDate,
  issuedAt: c.issuedAt.toISOString(),
  milestonesDone: c.milestonesDone,
  milestonesTotal: c.milestonesTotal,
});

/** CSV bodies: 2,000 rows of two emails and two names fit well within this. */
const CSV_LIMIT = '2mb';
const CSV_TYPES = ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel'];

/**
 * Programs, the agreement and certificates (rules in programs/programs-service.ts). Coordinator
 * routes check the role before reading a body; room routes check membership first, so a
 * coordinator (never a member) gets the rooms' 404 for every content endpoint.
 */
export function programRoutes(ctx: AppContext, programs: ProgramsService, rooms: RoomsService): Router {
  const router = Router();
  const signedIn = requireUser(ctx);
  const me = (res: Response) => caller(res).userId;
  const id = (params: Record<string, unknown>, name = 'id') => String(params[name]);
  const base = (req: Request) => ctx.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  const toCertificate = (req: Request, c: CertificateRow): Certificate => ({
    ...toVerification(c),
    roomId: c.roomId,
    programId: c.programId,
    verifyUrl: `${base(req)}/certificates/${c.id}`,
    pdfUrl: `${base(req)}/api/certificates/${c.id}.pdf`,
  });

  router.post('/api/programs', signedIn, async (req, res) => {
    const body = parseBody(CreateProgramBody, req.body);
    res.status(201).json({ program: toProgram(await programs.create(me(res), body)) } satisfies ProgramResponse);
  });

  router.get('/api/programs', signedIn, async (_req, res) => {
    res.json({ programs: (await programs.list(me(res))).map(toProgram) } satisfies ProgramsResponse);
  });

  router.get('/api/programs/:id', signedIn, async (req, res) => {
    res.json({ program: toProgram(await programs.asCoordinator(me(res), id(req.params))) } satisfies ProgramResponse);
  });

  router.post(
    '/api/programs/:id/pairings',
    signedIn,
    async (req, res, next) => {
      res.locals.program = await programs.asCoordinator(me(res), id(req.params));
      if (!req.is(CSV_TYPES)) throw new HttpError(415, ErrorCode.BadRequest, 'Send the CSV file as the body, with Content-Type: text/csv.');
      next();
    },
    express.raw({ type: CSV_TYPES, limit: CSV_LIMIT }),
    async (req, res) => {
      const program = res.locals.program as Awaited<ReturnType<ProgramsService['asCoordinator']>>;
      const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
      const outcome = await programs.importPairings(program, body, base(req));
      if (!outcome.ok) {
        const n = outcome.errors.length;
        throw new HttpError(422, ErrorCode.Validation, `Nothing was imported: ${n} problem${n === 1 ? '' : 's'} to fix in the file.`, {
          rows: outcome.errors,
        });
      }
      res.status(201).json({ created: outcome.created, errors: [] } satisfies PairingsResult);
    },
  );

  router.get('/api/programs/:id/pairings.csv', signedIn, async (req, res) => {
    const program = await programs.asCoordinator(me(res), id(req.params));
    const csv = await programs.invitationsCsv(program, base(req));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="invitations.csv"');
    res.send(csv);
  });

  router.get('/api/programs/:id/dashboard', signedIn, async (req, res) => {
    const program = await programs.asCoordinator(me(res), id(req.params));
    res.json((await programs.dashboard(program)) satisfies DashboardResponse);
  });

  router.get('/api/rooms/:id/agreement', signedIn, async (req, res) => {
    const room = await rooms.asMember(me(res), id(req.params));
    res.json({ agreement: await programs.agreement(room) } satisfies AgreementResponse);
  });

  router.post('/api/rooms/:id/agreement/accept', signedIn, async (req, res) => {
    const room = await rooms.asMember(me(res), id(req.params));
    const body = parseBody(AcceptAgreementBody, req.body);
    res.json({ agreement: await programs.acceptAgreement(room, body.textHash) } satisfies AgreementResponse);
  });

  router.get('/api/rooms/:id/certificates', signedIn, async (req, res) => {
    const room = await rooms.asMember(me(res), id(req.params));
    res.json({ certificates: (await programs.certificatesOf(room)).map((c) => toCertificate(req, c)) } satisfies CertificatesResponse);
  });

  // Public: a certificate id is 24 random bytes, the bearer of the proof.
  router.get('/api/certificates/:certId.pdf', async (req, res) => {
    const cert = await programs.verify(id(req.params, 'certId'));
    const pdf = await renderCertificatePdf(cert, `${base(req)}/certificates/${cert.id}`);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="certificate-${cert.id}.pdf"`);
    res.send(pdf);
  });

  router.get('/api/certificates/:certId', async (req, res) => {
    res.json(toVerification(await programs.verify(id(req.params, 'certId'))) satisfies CertificateVerification);
  });

  return router;
}
