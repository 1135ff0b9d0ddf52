import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@menteo/db';
import { SESSION_COOKIE } from '@menteo/protocol';
import { hashToken } from '../../src/auth/tokens.ts';
import { LOGIN_LIMITS } from '../../src/auth/LoginThrottle.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { testConfig } from '../../src/config.ts';
import { ApiClient, PASSWORD, signup, uniqueEmail } from './api-client.ts';

describe.each(BACKENDS)('accounts on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });
  const sessionCount = () => db.handle.db.$count(schema.sessions);

  it('signs up with 201, returns the user and sets an httpOnly SameSite=Lax session cookie', async () => {
    const client = new ApiClient(server.url);
    const email = uniqueEmail('Signup');
    const res = await client.post('/api/auth/signup', { email: `  ${email.toUpperCase()} `.trim(), password: PASSWORD, displayName: '  Ada  ' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: email.toLowerCase(), displayName: 'Ada' });
    expect(res.body.user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.user).not.toHaveProperty('passwordHash');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=2592000/);
    expect(cookie).not.toMatch(/Secure/i);
    const me = await client.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(res.body.user.id);
  });

  it('stores the password as an argon2id hash and the session token only as its sha256', async () => {
    const { client, user } = await signup(server.url);
    const [row] = await db.handle.db.select().from(schema.users).where(eq(schema.users.id, user.id));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    const sessions = await db.handle.db.select().from(schema.sessions).where(eq(schema.sessions.userId, user.id));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.tokenHash).toBe(hashToken(client.cookie ?? ''));
    expect(sessions[0]?.tokenHash).not.toBe(client.cookie);
  });

  it('refuses a second account with the same email in another case with 409 email_taken', async () => {
    const email = uniqueEmail('dup');
    const first = await new ApiClient(server.url).post('/api/auth/signup', { email, password: PASSWORD, displayName: 'A' });
    expect(first.status).toBe(201);
    const users = await db.handle.db.$count(schema.users);
    const second = await new ApiClient(server.url).post('/api/auth/signup', { email: email.toUpperCase(), password: PASSWORD, displayName: 'B' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('email_taken');
    expect(await db.handle.db.$count(schema.users)).toBe(users);
  });

  it('logs in with the right password in any email case and gets a fresh session', async () => {
    const { user } = await signup(server.url, 'Grace');
    const client = new ApiClient(server.url);
    const res = await client.post('/api/auth/login', { email: ` ${user.email.toUpperCase()} `, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual(user);
    expect((await client.get('/api/me')).body.user.displayName).toBe('Grace');
  });

  it('answers a wrong password and an unknown email with the same 401 invalid_credentials', async () => {
    const { user } = await signup(server.url);
    const wrongPassword = await new ApiClient(server.url).post('/api/auth/login', { email: user.email, password: 'not the password' });
    const unknownEmail = await new ApiClient(server.url).post('/api/auth/login', { email: uniqueEmail('nobody'), password: 'not the password' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body).toEqual(unknownEmail.body);
    expect(wrongPassword.body.error.code).toBe('invalid_credentials');
    expect(wrongPassword.headers.getSetCookie()).toEqual([]);
  });

  it('logs out by deleting the session row and clearing the cookie; the old cookie no longer works', async () => {
    const { client } = await signup(server.url);
    const token = client.cookie ?? '';
    const before = await sessionCount();
    const res = await client.post('/api/auth/logout');
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().join()).toMatch(new RegExp(`${SESSION_COOKIE}=;.*Expires=Thu, 01 Jan 1970`));
    expect(await sessionCount()).toBe(before - 1);
    const replay = new ApiClient(server.url);
    replay.cookie = token;
    expect((await replay.get('/api/me')).status).toBe(401);
  });

  it('refuses an expired session with 401 and clears its cookie', async () => {
    const { client } = await signup(server.url);
    await db.handle.db
      .update(schema.sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(schema.sessions.tokenHash, hashToken(client.cookie ?? '')));
    const res = await client.get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
    expect(client.cookie).toBeNull();
  });

  it('marks the cookie Secure when a trusted proxy says the request came over https', async () => {
    const proxied = await startTestServer({ db: db.handle, config: { trustProxy: true } });
    try {
      const client = new ApiClient(proxied.url);
      const res = await client.request(
        'POST',
        '/api/auth/signup',
        { email: uniqueEmail('tls'), password: PASSWORD, displayName: 'TLS' },
        { headers: { 'x-forwarded-proto': 'https' } },
      );
      expect(res.status).toBe(201);
      expect(res.headers.getSetCookie().join()).toMatch(/Secure/);
    } finally {
      await proxied.close();
    }
  });

  it(`answers login attempt ${LOGIN_LIMITS.perAccount + 1} after ${LOGIN_LIMITS.perAccount} failures on one account with 429 and Retry-After, even with the right password`, async () => {
    const throttled = await startTestServer({ db: db.handle });
    try {
      const { user } = await signup(throttled.url);
      const client = new ApiClient(throttled.url);
      for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
        expect((await client.post('/api/auth/login', { email: user.email, password: `wrong ${i}` })).status).toBe(401);
      }
      const limited = await client.post('/api/auth/login', { email: user.email, password: PASSWORD });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(client.cookie).toBeNull();
    } finally {
      await throttled.close();
    }
  });

  it('answers the 4th signup from one IP within the hour with 429 when the limit is 3, creating no account', async () => {
    const limits = { ...testConfig().limits, signupsPerIpPerHour: 3 };
    const throttled = await startTestServer({ db: db.handle, config: { limits } });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await new ApiClient(throttled.url).post('/api/auth/signup', { email: uniqueEmail('burst'), password: PASSWORD, displayName: 'Burst' });
        expect(res.status).toBe(201);
      }
      const email = uniqueEmail('burst');
      const limited = await new ApiClient(throttled.url).post('/api/auth/signup', { email, password: PASSWORD, displayName: 'Burst' });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await db.handle.db.$count(schema.users, eq(schema.users.email, email.toLowerCase()))).toBe(0);
    } finally {
      await throttled.close();
    }
  });

  it(`answers login attempt ${LOGIN_LIMITS.perIp + 1} after ${LOGIN_LIMITS.perIp} failures from one IP with 429, across different accounts`, async () => {
    const throttled = await startTestServer({ db: db.handle });
    try {
      const client = new ApiClient(throttled.url);
      for (let i = 0; i < LOGIN_LIMITS.perIp; i++) {
        expect((await client.post('/api/auth/login', { email: uniqueEmail('spray'), password: 'guess' })).status).toBe(401);
      }
      const limited = await client.post('/api/auth/login', { email: uniqueEmail('spray'), password: 'guess' });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBeTruthy();
    } finally {
      await throttled.close();
    }
  });

  it('does not count successful logins against the limits', async () => {
    const throttled = await startTestServer({ db: db.handle });
    try {
      const { user } = await signup(throttled.url);
      for (let i = 0; i < LOGIN_LIMITS.perAccount + 2; i++) {
        expect((await new ApiClient(throttled.url).post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);
      }
    } finally {
      await throttled.close();
    }
  });
});
