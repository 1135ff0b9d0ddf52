import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApi, NETWORK_ERROR_MESSAGE } from './api.ts';

/**
 * A real HTTP server on port 0 answering like the API does (and like a broken proxy
 * would), so the client's parsing runs over real fetch and real responses.
 */
type Reply = { status: number; body?: string; type?: string };
const replies = new Map<string, Reply>();
const seen: { method: string; url: string; body: string; contentType: string | undefined }[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, contentType: req.headers['content-type'] });
      const r = replies.get(`${req.method} ${req.url}`) ?? { status: 404, body: '{"error":{"code":"not_found","message":"No such route."}}' };
      res.writeHead(r.status, { 'content-type': r.type ?? 'application/json' });
      res.end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const api = () => createApi(fetch, base);

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('api client', () => {
  it("surfaces the server's own error message and code", async () => {
    replies.set('POST /api/auth/login', {
      status: 401,
      body: JSON.stringify({ error: { code: 'invalid_credentials', message: 'The email or password is incorrect.' } }),
    });
    const err = await failure(api().login({ email: 'a@b.co', password: 'nope' }));
    expect(err.message).toBe('The email or password is incorrect.');
    expect(err.code).toBe('invalid_credentials');
    expect(err.status).toBe(401);
  });

  it('keeps validation details for forms that want them', async () => {
    replies.set('POST /api/auth/signup', {
      status: 409,
      body: JSON.stringify({ error: { code: 'email_taken', message: 'That email is already registered.', details: { field: 'email' } } }),
    });
    const err = await failure(api().signup({ email: 'a@b.co', password: '12345678', displayName: 'A' }));
    expect(err.message).toBe('That email is already registered.');
    expect(err.details).toEqual({ field: 'email' });
  });

  it('explains a non-JSON error page (a proxy 502) in plain words', async () => {
    replies.set('GET /api/rooms', { status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' });
    const err = await failure(api().listRooms());
    expect(err.status).toBe(502);
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/unavailable/i);
  });

  it('reports an unreachable server as a network error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(createApi(fetch, `http://127.0.0.1:${port}`).listRooms());
    expect(err.code).toBe('network');
    expect(err.status).toBe(0);
    expect(err.message).toBe(NETWORK_ERROR_MESSAGE);
  });

  it('treats 401 on /api/me as "signed out", not as an error', async () => {
    replies.set('GET /api/me', { status: 401, body: JSON.stringify({ error: { code: 'unauthenticated', message: 'Sign in first.' } }) });
    expect(await api().me()).toBeNull();
  });

  it('unwraps successful answers and sends JSON bodies', async () => {
    const room = { id: 'r1', title: 'T', createdAt: 'x', archivedAt: null, myRole: 'mentor', members: [] };
    replies.set('POST /api/rooms', { status: 201, body: JSON.stringify({ room }) });
    expect(await api().createRoom({ title: 'T' })).toEqual(room);
    const sent = seen.findLast((s) => s.url === '/api/rooms');
    expect(sent?.contentType).toBe('application/json');
    expect(JSON.parse(sent?.body ?? '')).toEqual({ title: 'T' });
  });

  it('encodes ids and tokens into the path', async () => {
    replies.set('GET /api/invites/a%2Fb', {
      status: 200,
      body: JSON.stringify({ roomTitle: 'R', mentorName: 'M', status: 'valid', expiresAt: 'x' }),
    });
    expect((await api().getInvite('a/b')).mentorName).toBe('M');
  });

  it('accepts an empty 204 answer', async () => {
    replies.set('DELETE /api/rooms/r1/members/u2', { status: 204 });
    await expect(api().removeMember('r1', 'u2')).resolves.toBeUndefined();
  });
});
