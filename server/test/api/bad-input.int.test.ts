import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@menteo/db';
import { hashToken } from '../../src/auth/tokens.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { ApiClient, PASSWORD, signup, uniqueEmail } from './api-client.ts';

describe.each(BACKENDS)('bad input on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  let mentor: ApiClient;
  let roomId: string;
  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle });
    mentor = (await signup(server.url, 'Mentor')).client;
    roomId = (await mentor.post('/api/rooms', { title: 'Original' })).body.room.id;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  /** Row counts of every table a request could write to. */
  const counts = async () => ({
    users: await db.handle.db.$count(schema.users),
    sessions: await db.handle.db.$count(schema.sessions),
    rooms: await db.handle.db.$count(schema.rooms),
    members: await db.handle.db.$count(schema.roomMembers),
    invites: await db.handle.db.$count(schema.invites),
  });
  const roomTitle = async () => (await mentor.get(`/api/rooms/${roomId}`)).body.room.title;

  const writes = [
    { name: 'signup', path: '/api/auth/signup', method: 'POST', client: () => new ApiClient(server.url) },
    { name: 'login', path: '/api/auth/login', method: 'POST', client: () => new ApiClient(server.url) },
    { name: 'create room', path: '/api/rooms', method: 'POST', client: () => mentor },
    { name: 'rename room', path: () => `/api/rooms/${roomId}`, method: 'PATCH', client: () => mentor },
  ] as const;
  const pathOf = (w: (typeof writes)[number]) => (typeof w.path === 'function' ? w.path() : w.path);

  it.each(writes)('answers malformed JSON to $name with 400 bad_request and writes nothing', async (w) => {
    const before = await counts();
    const res = await w.client().request(w.method, pathOf(w), undefined, { raw: '{"title": "unterminated' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'bad_request', message: 'The request body is not valid JSON.' } });
    expect(await counts()).toEqual(before);
    expect(await roomTitle()).toBe('Original');
  });

  it.each(writes)('answers a body over 64 KB to $name with 413 payload_too_large and writes nothing', async (w) => {
    const before = await counts();
    const res = await w.client().request(w.method, pathOf(w), { title: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await counts()).toEqual(before);
  });

  it.each(writes)('answers a body that is not JSON to $name with 400 naming the Content-Type', async (w) => {
    const res = await w.client().request(w.method, pathOf(w), undefined, { raw: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Content-Type: application\/json/);
  });

  const invalid: Array<{ what: string; path: () => string; method: 'POST' | 'PATCH'; body: unknown; field: string }> = [
    { what: 'signup without a password', path: () => '/api/auth/signup', method: 'POST', body: { email: uniqueEmail(), displayName: 'A' }, field: 'password' },
    { what: 'signup with an extra field', path: () => '/api/auth/signup', method: 'POST', body: { email: uniqueEmail(), password: PASSWORD, displayName: 'A', isAdmin: true }, field: '' },
    { what: 'signup with a short password', path: () => '/api/auth/signup', method: 'POST', body: { email: uniqueEmail(), password: 'short', displayName: 'A' }, field: 'password' },
    { what: 'signup with an over-long password', path: () => '/api/auth/signup', method: 'POST', body: { email: uniqueEmail(), password: 'p'.repeat(257), displayName: 'A' }, field: 'password' },
    { what: 'signup with an over-long display name', path: () => '/api/auth/signup', method: 'POST', body: { email: uniqueEmail(), password: PASSWORD, displayName: 'n'.repeat(81) }, field: 'displayName' },
    { what: 'signup with a blank display name', path: () => '/api/auth/signup', method: 'POST', body: { email: uniqueEmail(), password: PASSWORD, displayName: '   ' }, field: 'displayName' },
    { what: 'signup with a malformed email', path: () => '/api/auth/signup', method: 'POST', body: { email: 'not-an-email', password: PASSWORD, displayName: 'A' }, field: 'email' },
    { what: 'signup with an over-long email', path: () => '/api/auth/signup', method: 'POST', body: { email: `${'e'.repeat(250)}@example.com`, password: PASSWORD, displayName: 'A' }, field: 'email' },
    { what: 'signup with a number for a name', path: () => '/api/auth/signup', method: 'POST', body: { email: uniqueEmail(), password: PASSWORD, displayName: 42 }, field: 'displayName' },
    { what: 'signup with a JSON array', path: () => '/api/auth/signup', method: 'POST', body: [], field: '' },
    { what: 'login with an extra field', path: () => '/api/auth/login', method: 'POST', body: { email: 'a@b.co', password: 'x', remember: true }, field: '' },
    { what: 'login without an email', path: () => '/api/auth/login', method: 'POST', body: { password: 'x' }, field: 'email' },
    { what: 'a room without a title', path: () => '/api/rooms', method: 'POST', body: {}, field: 'title' },
    { what: 'a room with an over-long title', path: () => '/api/rooms', method: 'POST', body: { title: 't'.repeat(121) }, field: 'title' },
    { what: 'a room with a blank title', path: () => '/api/rooms', method: 'POST', body: { title: ' \t ' }, field: 'title' },
    { what: 'a room with an extra field', path: () => '/api/rooms', method: 'POST', body: { title: 'ok', createdBy: '00000000-0000-4000-8000-000000000000' }, field: '' },
    { what: 'a rename with an over-long title', path: () => `/api/rooms/${roomId}`, method: 'PATCH', body: { title: 't'.repeat(121) }, field: 'title' },
    { what: 'a rename with an extra field', path: () => `/api/rooms/${roomId}`, method: 'PATCH', body: { title: 'ok', archivedAt: null }, field: '' },
  ];

  it.each(invalid)('refuses $what with 400 validation_failed, listing the problem, and writes nothing', async ({ path, method, body, field }) => {
    const before = await counts();
    const client = path().startsWith('/api/auth') ? new ApiClient(server.url) : mentor;
    const res = await client.request(method, path(), body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toMatch(/^Invalid request: /);
    expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: field, message: expect.any(String) }));
    expect(await counts()).toEqual(before);
    expect(await roomTitle()).toBe('Original');
  });

  it('stores SQL-looking and markup strings verbatim and leaves every table intact', async () => {
    const name = "Robert'); DROP TABLE users; --";
    const title = "x' OR '1'='1'; DELETE FROM rooms; -- <script>alert(1)</script>";
    const client = new ApiClient(server.url);
    const res = await client.post('/api/auth/signup', { email: uniqueEmail("o'brien"), password: "' OR 1=1 --", displayName: name });
    expect(res.status).toBe(201);
    expect(res.body.user.displayName).toBe(name);
    const room = await client.post('/api/rooms', { title });
    expect(room.status).toBe(201);
    expect((await client.get(`/api/rooms/${room.body.room.id}`)).body.room.title).toBe(title);
    const login = await new ApiClient(server.url).post('/api/auth/login', { email: res.body.user.email, password: "' OR 1=1 --" });
    expect(login.status).toBe(200);
    expect(await roomTitle()).toBe('Original');
    expect((await counts()).rooms).toBeGreaterThanOrEqual(2);
  });

  it('refuses an invite whose row has expired with 410 and writes nothing', async () => {
    const owner = (await signup(server.url)).client;
    const room = (await owner.post('/api/rooms', { title: 'Expiring' })).body.room;
    const invite = (await owner.post(`/api/rooms/${room.id}/invites`)).body;
    await db.handle.db
      .update(schema.invites)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.invites.tokenHash, hashToken(invite.token)));
    const invitee = (await signup(server.url)).client;
    const before = await counts();
    const res = await invitee.post(`/api/invites/${invite.token}/accept`);
    expect(res.status).toBe(410);
    expect(res.body.error).toMatchObject({ code: 'invite_invalid', message: expect.stringMatching(/expired/) });
    expect(await counts()).toEqual(before);
  });
});
