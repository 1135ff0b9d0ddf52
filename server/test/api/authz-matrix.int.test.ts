import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { countChatMessages, schema } from '@menteo/db';
import { startSession } from '../../src/auth/sessions.ts';
import { hashToken, newToken } from '../../src/auth/tokens.ts';
import { CloseCode, ErrorCode, SESSION_COOKIE, privateDocName } from '@menteo/protocol';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { ApiClient, PASSWORD, signup, uniqueEmail, type ApiResponse } from './api-client.ts';
import { io as connectIo } from 'socket.io-client';
import { createTestRoom, createTestUser, rawSocket, waitFor, type TestUser } from '../realtime/clients.ts';
import { apiAs, type ClientSocket } from '../meetings/helpers.ts';

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
  /** In `room`, for rows with `meetings`: an open meeting, and one that ended before it. */
  meeting: string;
  endedMeeting: string;
}

interface Row {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  /** A raw body with its content type instead of JSON. */
  raw?: () => { text: string; type: string };
  /** The fixture needs meetings and a cadence (made only for these rows: they cost a doc load). */
  meetings?: true;
  /** The program room without its cadence (a program sets one on every pair). */
  noCadence?: true;
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

/** A meeting id no room has. */
const NO_MEETING = '00000000-0000-4000-8000-000000000000';
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
  { name: 'chat', method: 'GET', path: (f) => `/api/rooms/${f.room}/chat`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'older chat', method: 'GET', path: (f) => `/api/rooms/${f.room}/chat?before=1`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'socket token', method: 'POST', path: (f) => `/api/rooms/${f.room}/token`, expect: row(401, 404, 200, 200, 401, 401, 403) },
  // Session history: members only; everyone else 404. Restore is a state change (Origin checked).
  { name: 'history page', method: 'GET', path: (f) => `/api/rooms/${f.room}/history/meetings`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'timeline', method: 'GET', path: (f) => `/api/rooms/${f.room}/history`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'state at a time', method: 'GET', path: (f) => `/api/rooms/${f.room}/state?at=now`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'state of an unknown meeting', method: 'GET', path: (f) => `/api/rooms/${f.room}/meetings/${NO_MEETING}/state`, expect: row(401, 404, 404, 404, 401, 401, 404) },
  { name: 'compare', method: 'GET', path: (f) => `/api/rooms/${f.room}/compare?a=2020-01-01T00:00:00Z&b=now`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'restore notes', method: 'POST', path: (f) => `/api/rooms/${f.room}/restore`, body: () => ({ kind: 'notes', from: 'now' }), expect: row(401, 404, 200, 200, 401, 401, 403) },
  { name: 'export Markdown', method: 'GET', path: (f) => `/api/rooms/${f.room}/export.md`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'export PDF', method: 'GET', path: (f) => `/api/rooms/${f.room}/export.pdf`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'export an unknown meeting', method: 'GET', path: (f) => `/api/rooms/${f.room}/meetings/${NO_MEETING}/export.md`, expect: row(401, 404, 404, 404, 401, 401, 404) },
  // Public: the token is the invitee's bearer secret, and they usually have no account yet.
  { name: 'preview invite', method: 'GET', path: (f) => `/api/invites/${f.openInvite}`, expect: row(200, 200, 200, 200, 200, 200, 200) },
  { name: 'preview an unknown invite', method: 'GET', path: () => `/api/invites/${newToken()}`, expect: row(404, 404, 404, 404, 404, 404, 404) },
  { name: 'accept invite', method: 'POST', path: (f) => `/api/invites/${f.openInvite}/accept`, expect: row(401, 200, 200, 409, 401, 401, 403) },
  { name: 'list meetings', method: 'GET', path: (f) => `/api/rooms/${f.room}/meetings`, meetings: true, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'get a meeting', method: 'GET', path: (f) => `/api/rooms/${f.room}/meetings/${f.meeting}`, meetings: true, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'get another room’s meeting', method: 'GET', path: (f) => `/api/rooms/${f.openRoom}/meetings/${f.meeting}`, meetings: true, expect: row(401, 404, 404, 404, 401, 401, 404) },
  // Starting while one is open answers the open one (200), never a second meeting.
  { name: 'start a meeting', method: 'POST', path: (f) => `/api/rooms/${f.room}/meetings`, meetings: true, expect: row(401, 404, 200, 200, 401, 401, 403) },
  { name: 'start the first meeting', method: 'POST', path: (f) => `/api/rooms/${f.room}/meetings`, expect: row(401, 404, 201, 201, 401, 401, 403) },
  { name: 'rename a meeting', method: 'PATCH', path: (f) => `/api/rooms/${f.room}/meetings/${f.meeting}`, body: () => ({ title: 'Kick-off' }), meetings: true, expect: row(401, 404, 200, 200, 401, 401, 403) },
  { name: 'end a meeting', method: 'POST', path: (f) => `/api/rooms/${f.room}/meetings/${f.meeting}/end`, meetings: true, expect: row(401, 404, 200, 200, 401, 401, 403) },
  { name: 'end an ended meeting', method: 'POST', path: (f) => `/api/rooms/${f.room}/meetings/${f.endedMeeting}/end`, meetings: true, expect: row(401, 404, 409, 409, 401, 401, 403) },
  { name: 'get the cadence', method: 'GET', path: (f) => `/api/rooms/${f.room}/schedule`, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'set the cadence', method: 'PUT', path: (f) => `/api/rooms/${f.room}/schedule`, body: () => ({ kind: 'biweekly' }), expect: row(401, 404, 200, 200, 401, 401, 403) },
  { name: 'next meeting .ics', method: 'GET', path: (f) => `/api/rooms/${f.room}/next-meeting.ics`, meetings: true, expect: row(401, 404, 200, 200, 401, 401, 200) },
  { name: 'next meeting .ics without a cadence', method: 'GET', path: (f) => `/api/rooms/${f.room}/next-meeting.ics`, noCadence: true, expect: row(401, 404, 404, 404, 401, 401, 404) },
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
  async function fixture(meetings = false, noCadence = false): Promise<Fixture> {
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
    if (noCadence) expect((await mentorClient.request('PUT', `/api/rooms/${room}/schedule`, { kind: null })).status).toBe(200);
    let meeting = '';
    let endedMeeting = '';
    if (meetings) {
      endedMeeting = (await mentorClient.post(`/api/rooms/${room}/meetings`)).body.meeting.id;
      expect((await mentorClient.post(`/api/rooms/${room}/meetings/${endedMeeting}/end`)).status).toBe(200);
      meeting = (await mentorClient.post(`/api/rooms/${room}/meetings`)).body.meeting.id;
      expect((await mentorClient.request('PUT', `/api/rooms/${room}/schedule`, { kind: 'weekly' })).status).toBe(200);
    }
    return { room, program, agreementHash, menteeId: users.mentee.id, openRoom, openInvite, meeting, endedMeeting };
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
  it.each(cells)('$method $name as $actor answers $status', async ({ method, path, body, raw, actor, status, meetings, noCadence }) => {
    const f = await fixture(meetings === true, noCadence === true);
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

  /**
   * The socket events, per caller: what connecting, `room:join` and `chat:send` answer. Callers
   * without a valid session (or from a foreign page) never get a socket; a non-member gets
   * 4404 on join and not_found on send; only members' messages are stored.
   */
  const SOCKET_EXPECT: Record<Actor, { connect: number | 'ok'; join?: unknown; send?: unknown }> = {
    anonymous: { connect: CloseCode.Unauthenticated },
    expired: { connect: CloseCode.Unauthenticated },
    forged: { connect: CloseCode.Unauthenticated },
    wrongOrigin: { connect: CloseCode.Forbidden },
    other: { connect: 'ok', join: { ok: false, code: CloseCode.NoSuchRoom }, send: { ok: false, code: ErrorCode.NotFound } },
    mentee: { connect: 'ok', join: { ok: true }, send: { ok: true } },
    mentor: { connect: 'ok', join: { ok: true }, send: { ok: true } },
    // The program's coordinator is no member: no room events, no chat (4403 on the doc socket: programs.int.test.ts).
    coordinator: { connect: 'ok', join: { ok: false, code: CloseCode.NoSuchRoom }, send: { ok: false, code: ErrorCode.NotFound } },
  };
  it.each(ACTORS)('socket.io room:join and chat:send as %s', async (actor) => {
    const f = await fixture();
    const api = await clientFor(actor);
    const origin = actor === 'wrongOrigin' ? 'https://evil.example' : server.url;
    const socket = connectIo(server.url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { origin, ...(api.cookie ? { cookie: `${SESSION_COOKIE}=${api.cookie}` } : {}) },
    });
    try {
      const connected = await new Promise<number | 'ok'>((resolve) => {
        socket.once('connect', () => resolve('ok'));
        socket.once('connect_error', (err: Error & { data?: { code?: number } }) => resolve(err.data?.code ?? -1));
      });
      const want = SOCKET_EXPECT[actor];
      expect(connected).toBe(want.connect);
      if (connected !== 'ok') return;
      expect(await socket.emitWithAck('room:join', { roomId: f.room })).toMatchObject(want.join as object);
      expect(await socket.emitWithAck('chat:send', { roomId: f.room, body: `hello from ${actor}`, clientId: 'x' })).toMatchObject(want.send as object);
      expect(await countChatMessages(db.handle.db, [f.room])).toBe((want.send as { ok: boolean }).ok ? 1 : 0);
    } finally {
      socket.disconnect();
    }
  });
});

/** The meetings concern's socket.io events: only sockets admitted to the room (room:join) get or see anything. */
describe.each(BACKENDS)('meeting socket events on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle, config: { meetings: { autostartMs: 0, autoendMs: 0 } } });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server?.close();
    await db?.destroy();
  });
  const connect = async (user: TestUser) => {
    const socket: ClientSocket = connectIo(server.url, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie: user.cookie }, reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const states: unknown[] = [];
    socket.on('meeting:state', (s) => states.push(s));
    socket.on('meeting:ended', (s) => states.push(s));
    return { socket, states };
  };

  it('answers meeting:current to joined members only, and sends meeting events to nobody else', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const other = await createTestUser(db.handle.db, 'other');
    const m = await connect(mentor);
    const notJoined = await connect(mentee);
    const stranger = await connect(other);
    expect(await m.socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
    expect((await stranger.socket.emitWithAck('room:join', { roomId })).ok).toBe(false);

    expect(await m.socket.emitWithAck('meeting:current', { roomId })).toMatchObject({ ok: true, live: { roomId, meeting: null } });
    for (const s of [notJoined, stranger]) {
      expect(await s.socket.emitWithAck('meeting:current', { roomId })).toMatchObject({ ok: false, code: CloseCode.NoSuchRoom });
    }
    expect(await m.socket.emitWithAck('meeting:current', { roomId: 'nope' })).toMatchObject({ ok: false, code: CloseCode.NoSuchRoom });

    const started = await apiAs(server.url, mentor).post(`/api/rooms/${roomId}/meetings`);
    await waitFor(() => m.states.length > 0, 'the member to hear of the meeting');
    await apiAs(server.url, mentor).post(`/api/rooms/${roomId}/meetings/${started.body.meeting.id}/end`);
    await waitFor(() => m.states.length >= 3, 'the member to hear of the end');
    expect(notJoined.states).toEqual([]);
    expect(stranger.states).toEqual([]);
  });

  it('stops sending meeting events to a removed member’s socket within a second', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const m = await connect(mentor);
    const e = await connect(mentee);
    for (const s of [m, e]) expect(await s.socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
    const removed = await apiAs(server.url, mentor).delete(`/api/rooms/${roomId}/members/${mentee.id}`);
    expect(removed.status).toBe(204);
    await new Promise((r) => setTimeout(r, 1000));
    await apiAs(server.url, mentor).post(`/api/rooms/${roomId}/meetings`);
    await waitFor(() => m.states.length > 0, 'the mentor to hear of the meeting');
    await new Promise((r) => setTimeout(r, 200));
    expect(e.states).toEqual([]);
    expect(await e.socket.emitWithAck('meeting:current', { roomId })).toMatchObject({ ok: false, code: CloseCode.NoSuchRoom });
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
