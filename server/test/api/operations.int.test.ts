import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { schema } from '@menteo/db';
import { createApp, type App } from '../../src/app.ts';
import { testConfig } from '../../src/config.ts';
import { MemoryBus } from '../../src/bus/MemoryBus.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { BACKENDS, createTestDb, type TestDb } from '../harness.ts';
import { ApiClient, PASSWORD, signup, uniqueEmail } from './api-client.ts';

/** A node like startTestServer's, but whose JSON log lines the test can read. */
async function startWithLogs(db: TestDb) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const app: App = await createApp({ config: testConfig(), db: db.handle, bus: new MemoryBus(), logger });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  return { app, url, lines, close: () => app.close() };
}

describe.each(BACKENDS)('operations on %s', (backend) => {
  let db: TestDb;
  let node: Awaited<ReturnType<typeof startWithLogs>>;
  beforeAll(async () => {
    db = await createTestDb(backend);
    node = await startWithLogs(db);
  });
  afterAll(async () => {
    await node?.close();
    await db?.destroy();
  });

  it('echoes a sane incoming X-Request-Id and logs the request under it', async () => {
    const res = await fetch(`${node.url}/api/me`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc.123');
    await expect.poll(() => node.lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-abc.123')).toBeTruthy();
    const line = node.lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-abc.123');
    expect(line).toMatchObject({ req: { method: 'GET', url: '/api/me' }, res: { statusCode: 401 } });
  });

  it('replaces a missing or unsafe X-Request-Id with a generated one', async () => {
    const none = await fetch(`${node.url}/api/me`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${node.url}/api/me`, { headers: { 'x-request-id': `bad id ${'x'.repeat(200)}` } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs cookies or invite tokens', async () => {
    const { client } = await signup(node.url);
    const room = (await client.post('/api/rooms', { title: 'Logged' })).body.room;
    const invite = (await client.post(`/api/rooms/${room.id}/invites`)).body;
    await client.get(`/api/invites/${invite.token}`);
    await expect.poll(() => node.lines.some((l) => String((l.req as { url?: string } | undefined)?.url).startsWith('/api/invites/'))).toBe(true);
    const all = JSON.stringify(node.lines);
    expect(all).not.toContain(invite.token);
    expect(all).not.toContain(client.cookie ?? 'no cookie');
    expect(all).toContain('/api/invites/[token]');
  });

  it('serves Prometheus metrics with an HTTP latency histogram labelled by route pattern, not raw path', async () => {
    const { client } = await signup(node.url);
    const room = (await client.post('/api/rooms', { title: 'Measured' })).body.room;
    await client.get(`/api/rooms/${room.id}`);
    await client.get('/api/nowhere');
    const res = await fetch(`${node.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*method="GET"[^}]*route="\/api\/rooms\/:id"[^}]*status="200"/);
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/auth\/signup"[^}]*status="201"/);
    expect(text).toMatch(/route="unmatched"[^}]*status="404"/);
    expect(text).not.toContain(room.id);
    expect(text).toMatch(/process_cpu_seconds_total/);
  });

  it('answers an unknown /api route with a JSON 404', async () => {
    for (const [method, path] of [['GET', '/api/nope'], ['DELETE', '/api/me'], ['PUT', '/api/rooms']] as const) {
      const res = await new ApiClient(node.url).request(method, path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('answers an unexpected error with a bare 500 naming the request id, and logs the error under it', async () => {
    // A corrupt stored hash makes argon2 throw: an internal failure, not a wrong password.
    const email = uniqueEmail('corrupt');
    await db.handle.db.insert(schema.users).values({ email, displayName: 'C', passwordHash: 'not-an-argon2-hash' });
    const res = await new ApiClient(node.url).request('POST', '/api/auth/login', { email, password: PASSWORD }, { headers: { 'x-request-id': 'req-500' } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'Something went wrong on our side (request req-500).' } });
    await expect.poll(() => node.lines.find((l) => l.msg === 'unhandled error')).toBeTruthy();
    const line = node.lines.find((l) => l.msg === 'unhandled error');
    expect(line).toMatchObject({ level: 50, reqId: 'req-500', err: { message: expect.any(String) } });
  });

  it('still hashes new passwords with argon2id at the documented cost', async () => {
    expect(await hashPassword(PASSWORD)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('answers 503 unavailable with Retry-After while the database is unreachable', async () => {
    // Its own database and node: the handle is closed under the running app.
    const isolated = await createTestDb(backend);
    const lonely = await startWithLogs(isolated);
    const { client } = await signup(lonely.url);
    await isolated.handle.close();
    try {
      for (const res of [await client.get('/api/rooms'), await client.post('/api/rooms', { title: 'x' }), await new ApiClient(lonely.url).post('/api/auth/login', { email: uniqueEmail(), password: PASSWORD })]) {
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('unavailable');
        expect(res.headers.get('retry-after')).toBe('5');
      }
      expect((await fetch(`${lonely.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${lonely.url}/healthz`)).status).toBe(200);
    } finally {
      await lonely.close();
      if (isolated.url) await dropOnly(isolated);
    }
  });
});

/** The handle is already closed; only drop the Postgres database (destroy would close it twice). */
async function dropOnly(db: TestDb): Promise<void> {
  const url = new URL(db.url ?? '');
  const name = url.pathname.slice(1);
  const { default: postgres } = await import('postgres');
  const admin = postgres({ host: url.hostname, port: Number(url.port || 5432), user: url.username || 'postgres', database: 'postgres', max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}
