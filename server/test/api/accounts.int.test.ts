import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { schema } from '@menteo/db';
import { SESSION_COOKIE } from '@menteo/protocol';
import { hashToken } from '../../src/auth/tokens.ts';
import { LOGIN_POLICY } from '../../src/auth/LoginThrottle.ts';
import { DEVICE_COOKIE } from '../../src/auth/device-cookie.ts';
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

  it(`asks a source to wait (429, Retry-After) after ${LOGIN_POLICY.perSource.free} failures on one account, even with the right password`, async () => {
    const throttled = await startTestServer({ db: db.handle });
    try {
      const { user } = await signup(throttled.url);
      const client = new ApiClient(throttled.url);
      for (let i = 0; i < LOGIN_POLICY.perSource.free; i++) {
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

  it('sets a long-lived httpOnly device cookie on signup and login, sent only to /api/auth', async () => {
    const client = new ApiClient(server.url);
    const email = uniqueEmail('device');
    const signed = await client.post('/api/auth/signup', { email, password: PASSWORD, displayName: 'D' });
    const login = await new ApiClient(server.url).post('/api/auth/login', { email, password: PASSWORD });
    for (const res of [signed, login]) {
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE_COOKIE}=`)) ?? '';
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).toMatch(/Path=\/api\/auth/);
      expect(cookie).toMatch(/Max-Age=31536000/);
    }
  });

  it('an attacker failing 50 times from another IP stops neither the owner at their IP nor the owner’s known device at the attacker’s IP', async () => {
    // A minute's first delay: no wait runs out while the test goes on, however slow the machine.
    const login = { ...LOGIN_POLICY, perSource: { ...LOGIN_POLICY.perSource, baseMs: 60_000 } };
    const proxied = await startTestServer({ db: db.handle, config: { trustProxy: true, limits: { ...testConfig().limits, login } } });
    const from = (ip: string, device?: string) => ({ headers: { 'x-forwarded-for': ip, ...(device ? { cookie: `${DEVICE_COOKIE}=${device}` } : {}) } });
    const OWNER_IP = '198.51.100.7';
    const ATTACKER_IP = '203.0.113.66';
    try {
      const email = uniqueEmail('owner');
      const signed = await new ApiClient(proxied.url).request('POST', '/api/auth/signup', { email, password: PASSWORD, displayName: 'Owner' }, from(OWNER_IP));
      expect(signed.status).toBe(201);
      const device = (signed.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE_COOKIE}=`)) ?? '').split(';')[0]?.slice(DEVICE_COOKIE.length + 1);
      expect(device).toBeTruthy();

      const statuses: number[] = [];
      for (let i = 0; i < 50; i++) {
        statuses.push((await new ApiClient(proxied.url).request('POST', '/api/auth/login', { email, password: `guess ${i}` }, from(ATTACKER_IP))).status);
      }
      expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_POLICY.perSource.free);
      expect(statuses.slice(LOGIN_POLICY.perSource.free).every((s) => s === 429)).toBe(true);

      const atHome = await new ApiClient(proxied.url).request('POST', '/api/auth/login', { email, password: PASSWORD }, from(OWNER_IP));
      expect(atHome.status).toBe(200);
      const knownDevice = await new ApiClient(proxied.url).request('POST', '/api/auth/login', { email, password: PASSWORD }, from(ATTACKER_IP, device));
      expect(knownDevice.status).toBe(200);
      // A forged or foreign device cookie is no way around the delay.
      const forged = await new ApiClient(proxied.url).request('POST', '/api/auth/login', { email, password: PASSWORD }, from(ATTACKER_IP, `${device}x`));
      expect(forged.status).toBe(429);
    } finally {
      await proxied.close();
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

  it(`asks an IP to wait after ${LOGIN_POLICY.perIp.free} failures across different accounts`, async () => {
    const throttled = await startTestServer({ db: db.handle });
    try {
      const client = new ApiClient(throttled.url);
      for (let i = 0; i < LOGIN_POLICY.perIp.free; i++) {
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
      for (let i = 0; i < LOGIN_POLICY.perSource.free + 2; i++) {
        expect((await new ApiClient(throttled.url).post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);
      }
    } finally {
      await throttled.close();
    }
  });
});
