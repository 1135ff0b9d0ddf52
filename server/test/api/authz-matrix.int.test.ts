import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@menteo/db';
import { startSession } from '../../src/auth/sessions.ts';
import { hashToken, newToken } from '../../src/auth/tokens.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { ApiClient, PASSWORD, signup, uniqueEmail, type ApiResponse } from './api-client.ts';

/**
 * Every endpoint × every kind of caller, with the status each must get. "wrongOrigin" is the
 * mentor's valid session sent from a foreign page: reads pass, every state change is 403.
 * A non-member sees 404 (never 403), so room ids do not leak.
 */
const ACTORS = ['anonymous', 'other', 'mentee', 'mentor', 'expired', 'forged', 'wrongOrigin'] as const;
type Actor = (typeof ACTORS)[number];

interface Fixture {
  /** Mentor + mentee. */
  room: string;
  menteeId: string;
  /** Mentor only, with an unused invite. */
  openRoom: string;
  openInvite: string;
}

interface Row {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: (f: Fixture) => string;
  body?: () => unknown;
  expect: Record<Actor, number>;
}

const row = (a: number, o: number, me: number, mo: number, ex: number, fo: number, wo: number): Record<Actor, number> => ({
  anonymous: a,
  other: o,
  mentee: me,
  mentor: mo,
  expired: ex,
  forged: fo,
  wrongOrigin: wo,
});

/** A meeting id no room has. */
const NO_MEETING = '00000000-0000-4000-8000-000000000000';

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
  { name: 'unknown endpoint', method: 'GET', path: () => '/api/no-such-thing', expect: row(404, 404, 404, 404, 404, 404, 404) },
];

describe.each(BACKENDS)('the authorization matrix on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  const users = {} as Record<'mentor' | 'mentee' | 'other', { id: string }>;
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
    mentorClient = mentor.client;
    menteeClient = mentee.client;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  /** Fresh rooms per cell, so a cell that changes state (archive, remove, accept) affects no other. */
  async function fixture(): Promise<Fixture> {
    const room = (await mentorClient.post('/api/rooms', { title: 'Matrix room' })).body.room.id;
    const invite = (await mentorClient.post(`/api/rooms/${room}/invites`)).body.token;
    expect((await menteeClient.post(`/api/invites/${invite}/accept`)).status).toBe(200);
    const openRoom = (await mentorClient.post('/api/rooms', { title: 'Open room' })).body.room.id;
    const openInvite = (await mentorClient.post(`/api/rooms/${openRoom}/invites`)).body.token;
    return { room, menteeId: users.mentee.id, openRoom, openInvite };
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
      case 'other': {
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
  it.each(cells)('$method $name as $actor answers $status', async ({ method, path, body, actor, status }) => {
    const f = await fixture();
    const before = (await mentorClient.get(`/api/rooms/${f.room}`)).body.room;
    const client = await clientFor(actor);
    const res: ApiResponse = await client.request(method, path(f), body?.());
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
