import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, inArray } from 'drizzle-orm';
import { CloseCode } from '@menteo/protocol';
import { schema, certificates, programPairs } from '@menteo/db';
import { programGoalId, toggleMilestone } from '@menteo/room-doc';
import { createTestDb, startTestServer, type Backend, type TestDb, type TestServer } from '../harness.ts';
import { ApiClient, PASSWORD, signup, uniqueEmail, type Json } from '../api/api-client.ts';
import { SyncClient } from '../sync-client.ts';

export const PROGRAM = {
  name: 'Spring cohort',
  startDate: '2026-01-01',
  endDate: '2099-12-31',
  cadenceDays: 14,
  topics: ['Goals and expectations', 'Feedback', 'Career paths'],
  milestones: [
    { title: 'Kick-off', dueOffsetDays: 0 },
    { title: 'Plan', dueOffsetDays: 14 },
    { title: 'First result', dueOffsetDays: 30 },
    { title: 'Share it', dueOffsetDays: 60 },
    { title: 'Retrospective', dueOffsetDays: 90 },
  ],
  expectations: 'We meet every two weeks and cancel at least a day ahead.',
};

export const uploadCsv = (client: ApiClient, programId: string, csv: string) =>
  client.request('POST', `/api/programs/${programId}/pairings`, undefined, { raw: csv, headers: { 'content-type': 'text/csv' } });

const csvOf = (rows: [string, string][]) => ['mentor_email,mentee_email', ...rows.map(([a, b]) => `${a},${b}`)].join('\n');

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

async function newProgram(server: TestServer, overrides: Partial<typeof PROGRAM> = {}) {
  const coordinator = await signup(server.url, 'Coordinator Cleo');
  const res = await coordinator.client.post('/api/programs', { ...PROGRAM, ...overrides });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { coordinator, program: res.body.program as Json };
}

/** Signs up with a chosen email (the one a program invite names). */
async function signupAs(server: TestServer, email: string, displayName: string) {
  const client = new ApiClient(server.url);
  const res = await client.post('/api/auth/signup', { email, password: PASSWORD, displayName });
  expect(res.status).toBe(201);
  return { client, user: res.body.user as { id: string } };
}

/** A program pair whose mentor and mentee accepted their invites through the API. */
async function pairedProgram(server: TestServer, overrides: Partial<typeof PROGRAM> = {}) {
  const { coordinator, program } = await newProgram(server, overrides);
  const mentorEmail = uniqueEmail('mentor');
  const menteeEmail = uniqueEmail('mentee');
  const imported = await uploadCsv(coordinator.client, program.id, `mentor_email,mentee_email,mentor_name\n${mentorEmail},${menteeEmail},Mia\n`);
  expect(imported.status, JSON.stringify(imported.body)).toBe(201);
  const pair = imported.body.created[0];
  const mentor = await signupAs(server, mentorEmail, 'Mentor Mia');
  const mentee = await signupAs(server, menteeEmail, 'Mentee Max');
  expect((await mentor.client.post(`/api/invites/${tokenOf(pair.mentorInviteUrl)}/accept`)).status).toBe(200);
  expect((await mentee.client.post(`/api/invites/${tokenOf(pair.menteeInviteUrl)}/accept`)).status).toBe(200);
  return { coordinator, program, pair, roomId: pair.roomId as string, mentor, mentee };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function suite(backend: Backend, full: boolean) {
  describe(`programs on ${backend}`, () => {
    let db: TestDb;
    let server: TestServer;
    const sockets: SyncClient[] = [];
    beforeAll(async () => {
      db = await createTestDb(backend);
      server = await startTestServer({ db: db.handle });
    });
    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await server?.close();
      await db?.destroy();
    });

    const open = async (client: ApiClient, roomId: string) => {
      const s = new SyncClient({ wsUrl: server.wsUrl, roomId, cookie: client.cookie ?? '' });
      sockets.push(s);
      await s.synced;
      return s;
    };

    it('imports 200 pairs in one request: rooms, invites and seeded docs; people with accounts see their room at once', async () => {
      const { coordinator, program } = await newProgram(server);
      const existing = await signup(server.url, 'Existing Eve');
      const rows: [string, string][] = Array.from({ length: 200 }, (_, i) => [uniqueEmail(`mentor${i}`), uniqueEmail(`mentee${i}`)]);
      rows[0] = [existing.user.email, rows[0]?.[1] ?? ''];
      const started = Date.now();
      const res = await uploadCsv(coordinator.client, program.id, csvOf(rows));
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(201);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.body.errors).toEqual([]);
      expect(res.body.created).toHaveLength(200);
      const first = res.body.created[0];
      expect(first).toMatchObject({ line: 2, mentorEmail: existing.user.email, mentorInviteUrl: null });
      expect(first.menteeInviteUrl).toMatch(new RegExp(`^${server.url}/invite/[A-Za-z0-9_-]{43}$`));
      expect(res.body.created[199]).toMatchObject({ line: 201 });

      // The existing account is the mentor of the new room already, with the program's content seeded.
      const mine = (await existing.client.get('/api/rooms')).body.rooms;
      expect(mine.map((r: Json) => r.id)).toContain(first.roomId);
      const room = (await existing.client.get(`/api/rooms/${first.roomId}`)).body.room;
      expect(room.myRole).toBe('mentor');
      expect(room.progress).toMatchObject({ milestones: 5, milestonesDone: 0 });
      const doc = (await open(existing.client, first.roomId)).doc;
      expect(doc.getArray('agenda').length).toBe(3);

      // An invite names its person and its role.
      const preview = await new ApiClient(server.url).get(`/api/invites/${tokenOf(res.body.created[1].mentorInviteUrl)}`);
      expect(preview.body).toMatchObject({ status: 'valid' });

      const dashboard = (await coordinator.client.get(`/api/programs/${program.id}/dashboard`)).body;
      expect(dashboard.pairs).toHaveLength(200);
      expect(dashboard.pairs[0]).toMatchObject({ mentorJoined: true, menteeJoined: false, milestonesDone: 0, milestonesTotal: 5, milestonePercent: 0 });
      expect((await coordinator.client.get(`/api/programs/${program.id}`)).body.program.pairCount).toBe(200);

      const csv = await coordinator.client.get(`/api/programs/${program.id}/pairings.csv`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = String(csv.body).trim().split('\r\n');
      expect(lines[0]).toBe('mentor_email,mentor_name,mentor_invite,mentee_email,mentee_name,mentee_invite');
      expect(lines).toHaveLength(201);
    });

    it('lists every bad row and creates nothing, also for people already paired by an earlier upload', async () => {
      const { coordinator, program } = await newProgram(server);
      const [a, b, c, d] = [uniqueEmail('a'), uniqueEmail('b'), uniqueEmail('c'), uniqueEmail('d')];
      const roomsBefore = (await db.handle.db.select({ n: count() }).from(schema.rooms))[0]?.n;
      const bad = await uploadCsv(coordinator.client, program.id, csvOf([[a, b], ['nope', c], [c, c], ['=cmd|x', d], [d, a]]));
      expect(bad.status).toBe(422);
      expect(bad.body.error.code).toBe('validation_failed');
      expect(bad.body.error.details.rows.map((r: Json) => [r.line, r.column])).toEqual([
        [3, 'mentor_email'],
        [4, 'mentee_email'],
        [5, 'mentor_email'],
        [6, 'mentor_email'],
        [6, 'mentee_email'],
      ]);
      expect((await db.handle.db.select({ n: count() }).from(schema.rooms))[0]?.n).toBe(roomsBefore);
      expect(await db.handle.db.select().from(programPairs).where(eq(programPairs.programId, program.id))).toEqual([]);

      expect((await uploadCsv(coordinator.client, program.id, csvOf([[a, b]]))).status).toBe(201);
      const again = await uploadCsv(coordinator.client, program.id, csvOf([[c, d], [b, uniqueEmail('e')]]));
      expect(again.status).toBe(422);
      expect(again.body.error.details.rows).toEqual([{ line: 3, column: 'mentor_email', message: `${b} is already in a pair of this program.` }]);
      expect(await db.handle.db.select().from(programPairs).where(eq(programPairs.programId, program.id))).toHaveLength(1);

      const notCsv = await coordinator.client.post(`/api/programs/${program.id}/pairings`, { rows: [] });
      expect(notCsv.status).toBe(415);
      const huge = await uploadCsv(coordinator.client, program.id, csvOf(Array.from({ length: 10_000 }, (_, i) => [`m${i}@x.io`, `e${i}@x.io`])));
      expect(huge.status).toBe(422);
      expect(huge.body.error.details.rows[0].message).toMatch(/10,000 pairs; at most 2,000/);
    });

    it('issues a certificate to both members at exactly 80% by the end, once; figures follow the ticks; un-ticking keeps it', async () => {
      const { coordinator, program, roomId, mentor, mentee } = await pairedProgram(server);
      const dash = () => coordinator.client.get(`/api/programs/${program.id}/dashboard`).then((r) => r.body.pairs[0] as Json);
      expect(await dash()).toMatchObject({ mentorJoined: true, menteeJoined: true, milestonesDone: 0, agreementAccepted: false, certificateIssued: false });

      // Both accept the agreement (the mentee after the mentor changed nothing).
      const agreement = (await mentee.client.get(`/api/rooms/${roomId}/agreement`)).body.agreement;
      expect(agreement).toMatchObject({ required: true, programText: PROGRAM.expectations, acceptedByBoth: false });
      expect(agreement.expectations).toHaveLength(3);
      expect((await mentee.client.post(`/api/rooms/${roomId}/agreement/accept`, { textHash: 'f'.repeat(64) })).status).toBe(409);
      for (const who of [mentor, mentee]) {
        expect((await who.client.post(`/api/rooms/${roomId}/agreement/accept`, { textHash: agreement.textHash })).status).toBe(200);
      }
      expect((await mentor.client.get(`/api/rooms/${roomId}/agreement`)).body.agreement.acceptedByBoth).toBe(true);
      await until(dash, (p) => p.agreementAccepted === true, 'agreement accepted on the dashboard');

      const s = await open(mentee.client, roomId);
      const goal = programGoalId(program.id);
      const ids: string[] = program.milestones.map((m: Json) => m.id);
      // A text change asks both to accept again.
      s.edit((doc) => (doc.getMap('agreement').get('additions') as import('yjs').Text).insert(0, 'Chat between meetings is fine.'));
      await until(dash, (p) => p.agreementAccepted === false, 'agreement stale after a text change');
      expect((await mentor.client.get(`/api/rooms/${roomId}/agreement`)).body.agreement.acceptances.map((a: Json) => a.current)).toEqual([false, false]);

      s.edit((doc) => [0, 1, 2].forEach((i) => toggleMilestone(doc, goal, ids[i] ?? '', true)));
      const at60 = await until(dash, (p) => p.milestonesDone === 3, 'three milestones on the dashboard');
      expect(at60).toMatchObject({ milestonePercent: 60, certificateIssued: false });
      expect((await mentee.client.get(`/api/rooms/${roomId}/certificates`)).body.certificates).toEqual([]);

      s.edit((doc) => toggleMilestone(doc, goal, ids[3] ?? '', true));
      await until(dash, (p) => p.certificateIssued === true && p.milestonePercent === 80, 'certificate at exactly 80%');
      const mine = (await mentee.client.get(`/api/rooms/${roomId}/certificates`)).body.certificates;
      const theirs = (await mentor.client.get(`/api/rooms/${roomId}/certificates`)).body.certificates;
      expect(mine).toHaveLength(1);
      expect(theirs).toHaveLength(1);
      expect(mine[0]).toMatchObject({ holderName: 'Mentee Max', role: 'mentee', partnerName: 'Mentor Mia', milestonesDone: 4, milestonesTotal: 5, programName: PROGRAM.name });
      expect(mine[0].id).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(mine[0].id).not.toBe(theirs[0].id);

      // Un-ticking after issue, then ticking everything: still one certificate each, unchanged.
      s.edit((doc) => [0, 1, 2, 3].forEach((i) => toggleMilestone(doc, goal, ids[i] ?? '', false)));
      await until(dash, (p) => p.milestonesDone === 0, 'un-ticked on the dashboard');
      expect(await dash()).toMatchObject({ certificateIssued: true });
      s.edit((doc) => ids.forEach((id) => toggleMilestone(doc, goal, id, true)));
      await until(dash, (p) => p.milestonesDone === 5, 'all ticked');
      const rows = await db.handle.db.select().from(certificates).where(eq(certificates.roomId, roomId));
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.milestonesDone === 4)).toBe(true);

      // Public verification: names, program, dates, the count, nothing else; unknown ids reveal nothing.
      const anonymous = new ApiClient(server.url);
      const verified = await anonymous.get(`/api/certificates/${mine[0].id}`);
      expect(verified.status).toBe(200);
      expect(Object.keys(verified.body).sort()).toEqual(
        ['endDate', 'holderName', 'id', 'issuedAt', 'milestonesDone', 'milestonesTotal', 'partnerName', 'programName', 'role', 'startDate'].sort(),
      );
      expect(JSON.stringify(verified.body)).not.toMatch(/@|Chat between|Kick-off|[0-9a-f]{8}-[0-9a-f]{4}-/);
      const pdf = await anonymous.get(`/api/certificates/${mine[0].id}.pdf`);
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(String(pdf.body).startsWith('%PDF-')).toBe(true);
      // The real id with its last character changed (to one it does not already end with).
      const nearMiss = `${mine[0].id.slice(0, 31)}${mine[0].id.endsWith('x') ? 'y' : 'x'}`;
      for (const unknown of ['A'.repeat(32), 'nope', nearMiss]) {
        const res = await anonymous.get(`/api/certificates/${unknown}`);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: { code: 'not_found', message: 'No such certificate.' } });
        expect((await anonymous.get(`/api/certificates/${unknown}.pdf`)).status).toBe(404);
      }
    });

    it('shows the meetings a pair holds on the dashboard, against the program cadence set as the pair’s schedule', async () => {
      const { coordinator, program, roomId, mentor } = await pairedProgram(server);
      const dash = () => coordinator.client.get(`/api/programs/${program.id}/dashboard`).then((r) => r.body as Json);
      const before = await dash();
      expect(before.meetingsKnown).toBe(true);
      expect(before.pairs[0]).toMatchObject({ meetingsHeld: 0, lastMeetingAt: null, daysSinceLastMeeting: 0, overdue: false });
      expect((await mentor.client.get(`/api/rooms/${roomId}/schedule`)).body).toMatchObject({ schedule: { kind: 'biweekly' } });

      const started = await mentor.client.post(`/api/rooms/${roomId}/meetings`);
      expect(started.status).toBe(201);
      expect((await mentor.client.post(`/api/rooms/${roomId}/meetings/${started.body.meeting.id}/end`)).status).toBe(200);
      const after = (await dash()).pairs[0];
      expect(after).toMatchObject({ meetingsHeld: 1, daysSinceLastMeeting: 0, overdue: false });
      expect(Date.parse(after.lastMeetingAt)).toBeGreaterThan(Date.now() - 60_000);

      // Forty days later, with no meeting since: overdue against the 14-day cadence.
      const coordinated = await server.app.services.programs.asCoordinator(coordinator.user.id, program.id);
      const later = await server.app.services.programs.dashboard(coordinated, new Date(Date.now() + 40 * 86_400_000));
      expect(later.pairs[0]).toMatchObject({ meetingsHeld: 1, daysSinceLastMeeting: 40, overdue: true });
    });

    if (!full) return;

    it('refuses the coordinator on the doc socket (4403) and on every content endpoint (404)', async () => {
      const { coordinator, roomId, program } = await pairedProgram(server);
      for (const path of [`/api/rooms/${roomId}`, `/api/rooms/${roomId}/agreement`, `/api/rooms/${roomId}/certificates`]) {
        expect((await coordinator.client.get(path)).status, path).toBe(404);
      }
      expect((await coordinator.client.post(`/api/rooms/${roomId}/token`)).status).toBe(404);
      expect((await coordinator.client.post(`/api/rooms/${roomId}/agreement/accept`, { textHash: '0'.repeat(64) })).status).toBe(404);
      for (const docName of [roomId, `${roomId}~private`]) {
        const s = new SyncClient({ wsUrl: server.wsUrl, roomId: docName, cookie: coordinator.client.cookie ?? '' });
        expect((await s.closed).code).toBe(CloseCode.Forbidden);
      }
      // Another signed-in user learns nothing: 4404, like any room of others.
      const other = await signup(server.url, 'Other');
      const s = new SyncClient({ wsUrl: server.wsUrl, roomId, cookie: other.client.cookie ?? '' });
      expect((await s.closed).code).toBe(CloseCode.NoSuchRoom);
      // The dashboard carries figures only: no titles, goals or agenda.
      const body = JSON.stringify((await coordinator.client.get(`/api/programs/${program.id}/dashboard`)).body);
      expect(body).not.toMatch(/Kick-off|Goals and expectations|Spring cohort/);
    });

    it('only the invited email can take a program seat', async () => {
      const { coordinator, program } = await newProgram(server);
      const mentorEmail = uniqueEmail('mentor');
      const res = await uploadCsv(coordinator.client, program.id, csvOf([[mentorEmail, uniqueEmail('mentee')]]));
      const intruder = await signup(server.url, 'Intruder');
      const token = tokenOf(res.body.created[0].mentorInviteUrl);
      expect((await intruder.client.post(`/api/invites/${token}/accept`)).status).toBe(403);
      const mentor = await signupAs(server, mentorEmail, 'Right Person');
      const accepted = await mentor.client.post(`/api/invites/${token}/accept`);
      expect(accepted.status).toBe(200);
      expect(accepted.body.room.myRole).toBe('mentor');
    });

    it('issues no certificate after the program ended', async () => {
      const { program, roomId, mentee } = await pairedProgram(server, { startDate: '2020-01-01', endDate: '2020-06-30' });
      const s = await open(mentee.client, roomId);
      s.edit((doc) => program.milestones.forEach((m: Json) => toggleMilestone(doc, programGoalId(program.id), m.id, true)));
      await until(() => mentee.client.get(`/api/rooms/${roomId}`).then((r) => r.body.room.progress.milestonesDone as number), (n) => n === 5, 'ticks stored');
      await server.app.services.programs.refreshRoom(roomId);
      expect(await db.handle.db.select().from(certificates).where(inArray(certificates.roomId, [roomId]))).toEqual([]);
    });

    it('escapes formulas in the invitations export', async () => {
      const { coordinator, program } = await newProgram(server);
      expect((await uploadCsv(coordinator.client, program.id, csvOf([[uniqueEmail('m'), uniqueEmail('e')]]))).status).toBe(201);
      // Input refuses formulas; a name that got in another way still leaves as text.
      await db.handle.db.update(programPairs).set({ mentorName: '=HYPERLINK("http://evil")' }).where(eq(programPairs.programId, program.id));
      const csv = String((await coordinator.client.get(`/api/programs/${program.id}/pairings.csv`)).body);
      expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    });
  });
}

suite('postgres', true);
suite('pglite', false);
