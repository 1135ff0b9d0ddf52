import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@menteo/db';
import { startSession } from '../../src/auth/sessions.ts';
import { hashToken, newToken } from '../../src/auth/tokens.ts';
import { CloseCode, SESSION_COOKIE, privateDocName } from '@menteo/protocol';
import { rawSocket } from '../realtime/clients.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { ApiClient, PASSWORD, signup, uniqueEmail, type ApiResponse } from './api-client.ts';

/**
 * Every endpoint × every kind of caller, with the status each must get. "wrongOrigin" is the
 * mentor's valid session sent from a foreign page: reads pass, every state change is 403.
 * A non-member sees 404 (never 403), so room ids do not leak. The matrix room is a program's
 * pair; "coordinator" coordinates that program: it sees the program's figures and nothing of
 * the room (every room endpoint is 404 for it, as for any non-member).
 */
const ACTORS = ['anonymous', 'other', 'mentee', 'mentor', 'expired', 'forged', 'wrongOrigin', 'coordinator'] as const;
type Actor = (typeof ACTORS)[number];

interface Fixture {
  /** Mentor + mentee, paired by the coordinator's program. */
  room: string;
  program: string;
  /** The room's current agreement text hash. */
  agreementHash: string;
  menteeId: string;
  /** Mentor only, with an unused invite. */
  openRoom: string;
  openInvite: string;
}

interface Row {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  /** A raw body with its content type instead of JSON. */
  raw?: () => { text: string; type: string };
  expect: Record<Actor, number>;
}

/** The coordinator defaults to what any other signed-in non-member gets. */
const row = (a: number, o: number, me: number, mo: number, ex: number, fo: number, wo: number, co = o): Record<Actor, number> => ({
  anonymous: a,
  other: o,
  mentee: me,
  mentor: mo,
  expired: ex,
  forged: fo,
  wrongOrigin: wo,
  coordinator: co,
});

const PROGRAM = {
  name: 'Matrix program',
  startDate: '2026-01-01',
  endDate: '2099-12-31',
  cadenceDays: 14,
  milestones: [{ title: 'One', dueOffsetDays: 0 }],
};

const MATRIX: Row[] = [
  { name: 'signup', method: 'POST', path: () => '/api/auth/signup', body: () => ({ email: uniqueEmail('m'), password: PASSWORD, displayName: 'M' }), expect: row(201, 201, 201, 201, 201, 201, 403) },
  { name: 'logout', method: 'POST', path: () => '/api/auth/logout', expect: row(204, 204, 204, 204, 204, 204, 403) },
  { name: 'me', method: 'GET', path: () => '/api/me', expect: row(401, 200, 200, 200, 401, 401, 200) },
  { name: 'create room', method: 'POST', path: () => '/api/rooms', body: () => ({ title: 'T' }), expect: row(401, 201, 201, 201, 401, 401, 403) },
  { name: 'list rooms', method: 'GET', path: () => '/api/rooms', expect: row(401, 200, 200, 200, 401, 401, 200) },
  { name: 'get room', method: 'GET', path: (f) => `/api/rooms/${f.room}`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'rename room', method: 'PATCH', path: (f) => `/api/rooms/${f.room}`, body: () => ({ title: 'Renamed' }), expect: row(401, 404, 403, 200, 401, 401, 403) },
  { name: 'archive', method: 'POST', path: (f) => `/api/rooms/${f.room}/archive`, expect: row(401, 404, 403, 200, 401, 401, 403) },
  { name: 'unarchive', method: 'POST', path: (f) => `/api/rooms/${f.room}/unarchive`, expect: row(401, 404, 403, 200, 401, 401, 403) },
  { name: 'remove the mentee', method: 'DELETE', path: (f) => `/api/rooms/${f.room}/members/${f.menteeId}`, expect: row(401, 404, 204, 204, 401, 401, 403) },
  { name: 'invite to a full room', method: 'POST', path: (f) => `/api/rooms/${f.room}/invites`, expect: row(401, 404, 403, 409, 401, 401, 403) },
  { name: 'invite to an open room', method: 'POST', path: (f) => `/api/rooms/${f.openRoom}/invites`, expect: row(401, 404, 404, 201, 401, 401, 403) },
  { name: 'socket token', method: 'POST', path: (f) => `/api/rooms/${f.room}/token`, expect: row(401, 404, 200, 200, 401, 401, 403) },
  // Public: the token is the invitee's bearer secret, and they usually have no account yet.
  { name: 'preview invite', method: 'GET', path: (f) => `/api/invites/${f.openInvite}`, expect: row(200, 200, 200, 200, 200, 200, 200) },
  { name: 'preview an unknown invite', method: 'GET', path: () => `/api/invites/${newToken()}`, expect: row(404, 404, 404, 404, 404, 404, 404) },
  { name: 'accept invite', method: 'POST', path: (f) => `/api/invites/${f.openInvite}/accept`, expect: row(401, 200, 200, 409, 401, 401, 403) },
  { name: 'unknown endpoint', method: 'GET', path: () => '/api/no-such-thing', expect: row(404, 404, 404, 404, 404, 404, 404) },
  { name: 'create program', method: 'POST', path: () => '/api/programs', body: () => PROGRAM, expect: row(401, 201, 201, 201, 401, 401, 403, 201) },
  { name: 'list programs', method: 'GET', path: () => '/api/programs', expect: row(401, 200, 200, 200, 401, 401, 200, 200) },
  { name: 'get program', method: 'GET', path: (f) => `/api/programs/${f.program}`, expect: row(401, 404, 404, 404, 401, 401, 404, 200) },
  { name: 'dashboard', method: 'GET', path: (f) => `/api/programs/${f.program}/dashboard`, expect: row(401, 404, 404, 404, 401, 401, 404, 200) },
  {
    name: 'upload pairings',
    method: 'POST',
    path: (f) => `/api/programs/${f.program}/pairings`,
    raw: () => ({ text: `mentor_email,mentee_email\n${uniqueEmail('a')},${uniqueEmail('b')}\n`, type: 'text/csv' }),
    expect: row(401, 404, 404, 404, 401, 401, 403, 201),
  },
  { name: 'invitations csv', method: 'GET', path: (f) => `/api/programs/${f.program}/pairings.csv`, expect: row(401, 404, 404, 404, 401, 401, 404, 200) },
  { name: 'agreement', method: 'GET', path: (f) => `/api/rooms/${f.room}/agreement`, expect: row(401, 404, 200, 200, 401, 401, 200, 404) },
  {
    name: 'accept agreement',
    method: 'POST',
    path: (f) => `/api/rooms/${f.room}/agreement/accept`,
    body: (f) => ({ textHash: f.agreementHash }),
    expect: row(401, 404, 200, 200, 401, 401, 403, 404),
  },
  { name: 'my certificates', method: 'GET', path: (f) => `/api/rooms/${f.room}/certificates`, expect: row(401, 404, 200, 200, 401, 401, 200, 404) },
  { name: 'verify an unknown certificate', method: 'GET', path: () => `/api/certificates/${'A'.repeat(32)}`, expect: row(404, 404, 404, 404, 404, 404, 404, 404) },
];

describe.each(BACKENDS)('the authorization matrix on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  const users = {} as Record<'mentor' | 'mentee' | 'other' | 'coordinator', { id: string; email: string }>;
  let coordinatorClient: ApiClient;
  let mentorClient: ApiClient;
  let menteeClient: ApiClient;

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle });
    const mentor = await signup(server.url, 'Mentor');
    const mentee = await signup(server.url, 'Mentee');
    const other = await signup(server.url, 'Other');
    users.mentor = mentor.user;
    users.mentee = mentee.user;
    users.other = other.user;
    const coordinator = await signup(server.url, 'Coordinator');
    users.coordinator = coordinator.user;
    coordinatorClient = coordinator.client;
    mentorClient = mentor.client;
    menteeClient = mentee.client;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  /** Fresh rooms per cell, so a cell that changes state (archive, remove, accept) affects no other. */
  async function fixture(): Promise<Fixture> {
    // A program per cell: a person is in one pair of a program. Both have accounts, so they are members at once.
    const program = (await coordinatorClient.post('/api/programs', PROGRAM)).body.program.id;
    const imported = await coordinatorClient.request('POST', `/api/programs/${program}/pairings`, undefined, {
      raw: `mentor_email,mentee_email\n${users.mentor.email},${users.mentee.email}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status).toBe(201);
    const room: string = imported.body.created[0].roomId;
    const agreementHash: string = (await menteeClient.get(`/api/rooms/${room}/agreement`)).body.agreement.textHash;
    const openRoom = (await mentorClient.post('/api/rooms', { title: 'Open room' })).body.room.id;
    const openInvite = (await mentorClient.post(`/api/rooms/${openRoom}/invites`)).body.token;
    return { room, program, agreementHash, menteeId: users.mentee.id, openRoom, openInvite };
  }

  /** A client acting as `actor`, with its own session so logging out in one cell harms no other. */
  async function clientFor(actor: Actor): Promise<ApiClient> {
    const client = new ApiClient(server.url, actor === 'wrongOrigin' ? { origin: 'https://evil.example' } : {});
    switch (actor) {
      case 'anonymous':
        return client;
      case 'forged':
        client.cookie = newToken();
        return client;
      case 'expired': {
        const s = await startSession(db.handle.db, users.mentor.id, 60_000);
        await db.handle.db
          .update(schema.sessions)
          .set({ expiresAt: new Date(Date.now() - 1000) })
          .where(eq(schema.sessions.tokenHash, hashToken(s.token)));
        client.cookie = s.token;
        return client;
      }
      case 'wrongOrigin':
      case 'mentor':
      case 'mentee':
      case 'other':
      case 'coordinator': {
        const who = actor === 'wrongOrigin' ? 'mentor' : actor;
        client.cookie = (await startSession(db.handle.db, users[who].id, 60_000)).token;
        return client;
      }
      default: {
        const never: never = actor;
        throw new Error(`unknown actor ${String(never)}`);
      }
    }
  }

  const cells = MATRIX.flatMap((r) => ACTORS.map((actor) => ({ ...r, actor, status: r.expect[actor] })));
  it.each(cells)('$method $name as $actor answers $status', async ({ method, path, body, raw, actor, status }) => {
    const f = await fixture();
    const before = (await mentorClient.get(`/api/rooms/${f.room}`)).body.room;
    const client = await clientFor(actor);
    const r = raw?.();
    const res: ApiResponse = r
      ? await client.request(method, path(f), undefined, { raw: r.text, headers: { 'content-type': r.type } })
      : await client.request(method, path(f), body?.(f));
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (status >= 400) {
      expect(res.body.error.code).toEqual(expect.any(String));
      expect(res.body.error.message).toEqual(expect.any(String));
      // A refused request changed nothing.
      expect((await mentorClient.get(`/api/rooms/${f.room}`)).body.room).toEqual(before);
    }
    if (actor === 'wrongOrigin' && status === 403) expect(res.body.error.code).toBe('bad_origin');
    if (status === 401) expect(res.body.error.code).toBe('unauthenticated');
  });
});

/**
 * The doc socket (`/yjs/<docName>`) for the same callers: "open" is admitted (the server sends
 * its sync step 1), a number is the close code. A member's private doc is its owner's alone,
 * under the per-user name; the legacy `<roomId>~private` always means the caller's own.
 */
type DocActor = Exclude<Actor, 'expired'>;
const DOC_ACTORS: DocActor[] = ['anonymous', 'other', 'mentee', 'mentor', 'forged', 'wrongOrigin', 'coordinator'];
type Outcome = 'open' | number;
interface DocRow {
  name: string;
  doc: (f: { room: string; mentorId: string; menteeId: string }) => string;
  expect: Record<DocActor, Outcome>;
}
/** The coordinator of the room's program is refused every doc of it with 4403. */
const docRow = (a: Outcome, o: Outcome, me: Outcome, mo: Outcome, fo: Outcome, wo: Outcome, co: Outcome = CloseCode.Forbidden): Record<DocActor, Outcome> => ({
  anonymous: a,
  other: o,
  mentee: me,
  mentor: mo,
  forged: fo,
  wrongOrigin: wo,
  coordinator: co,
});
const { Unauthenticated: U, NoSuchRoom: N, Forbidden: F } = CloseCode;
const DOC_MATRIX: DocRow[] = [
  { name: 'the room doc', doc: (f) => f.room, expect: docRow(U, N, 'open', 'open', U, F) },
  { name: "the mentor's private doc", doc: (f) => privateDocName(f.room, f.mentorId), expect: docRow(U, N, F, 'open', U, F) },
  { name: "the mentee's private doc", doc: (f) => privateDocName(f.room, f.menteeId), expect: docRow(U, N, 'open', F, U, F) },
  { name: 'the legacy private name (own doc)', doc: (f) => `${f.room}~private`, expect: docRow(U, N, 'open', 'open', U, F) },
];

describe.each(BACKENDS)('the doc socket matrix on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  let fixture: { room: string; mentorId: string; menteeId: string };
  const cookies = {} as Record<DocActor, string | null>;

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle });
    const mentor = await signup(server.url, 'Mentor');
    const mentee = await signup(server.url, 'Mentee');
    const other = await signup(server.url, 'Other');
    const coordinator = await signup(server.url, 'Coordinator');
    // The pair's room comes from a program, so its coordinator is a caller too.
    const program = (await coordinator.client.post('/api/programs', PROGRAM)).body.program.id;
    const imported = await coordinator.client.request('POST', `/api/programs/${program}/pairings`, undefined, {
      raw: `mentor_email,mentee_email\n${mentor.user.email},${mentee.user.email}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status).toBe(201);
    const room: string = imported.body.created[0].roomId;
    fixture = { room, mentorId: mentor.user.id, menteeId: mentee.user.id };
    cookies.coordinator = coordinator.client.cookie;
    cookies.anonymous = null;
    cookies.forged = newToken();
    cookies.mentor = mentor.client.cookie;
    cookies.wrongOrigin = mentor.client.cookie;
    cookies.mentee = mentee.client.cookie;
    cookies.other = other.client.cookie;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const cells = DOC_MATRIX.flatMap((r) => DOC_ACTORS.map((actor) => ({ ...r, actor, outcome: r.expect[actor] })));
  it.each(cells)('$name as $actor: $outcome', async ({ doc, actor, outcome }) => {
    const headers: Record<string, string> = {};
    const cookie = cookies[actor];
    if (cookie) headers.cookie = `${SESSION_COOKIE}=${cookie}`;
    if (actor === 'wrongOrigin') headers.origin = 'https://evil.example';
    const s = rawSocket(`${server.wsUrl}/yjs/${doc(fixture)}`, headers);
    const first = new Promise<'open'>((resolve) => s.ws.once('message', () => resolve('open')));
    const got = await Promise.race([first, s.closed.then((c) => c.code)]);
    s.ws.close();
    expect(got).toBe(outcome);
  });
});
