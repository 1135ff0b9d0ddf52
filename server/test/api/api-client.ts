import { randomBytes } from 'node:crypto';
import { SESSION_COOKIE } from '@menteo/protocol';

// reason: tests assert response bodies field by field; typing each body adds noise, not safety.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A tiny browser stand-in for API tests: keeps the session cookie like a browser would and,
 * like a browser, sends an Origin header (the server's own, unless told otherwise) on every
 * state-changing request.
 */
export class ApiClient {
  cookie: string | null = null;

  constructor(
    readonly baseUrl: string,
    readonly opts: { origin?: string | null } = {},
  ) {}

  async request<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    extra: { headers?: Record<string, string>; raw?: string } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...extra.headers };
    const origin = this.opts.origin === undefined ? this.baseUrl : this.opts.origin;
    if (method !== 'GET' && origin !== null && !('origin' in headers)) headers.origin = origin;
    if (this.cookie) headers.cookie = `${SESSION_COOKIE}=${this.cookie}`;
    let payload: string | undefined;
    if (extra.raw !== undefined) payload = extra.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    if (setCookie) {
      const value = setCookie.slice(SESSION_COOKIE.length + 1).split(';')[0] ?? '';
      this.cookie = value === '' ? null : decodeURIComponent(value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = Json>(path: string) => this.request<T>('GET', path);
  post = <T = Json>(path: string, body?: unknown) => this.request<T>('POST', path, body);
  patch = <T = Json>(path: string, body?: unknown) => this.request<T>('PATCH', path, body);
  delete = <T = Json>(path: string) => this.request<T>('DELETE', path);
}

export const uniqueEmail = (prefix = 'user') => `${prefix}.${randomBytes(5).toString('hex')}@example.com`;
export const PASSWORD = 'correct horse battery staple';

/** Signs up a fresh account and returns its signed-in client and user. */
export async function signup(baseUrl: string, displayName = 'Test User'): Promise<{ client: ApiClient; user: { id: string; email: string; displayName: string } }> {
  const client = new ApiClient(baseUrl);
  const res = await client.post('/api/auth/signup', { email: uniqueEmail(), password: PASSWORD, displayName });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { client, user: res.body.user };
}

/** A mentor with a room, and a mentee who joined it through an invite. */
export async function roomWithMentee(baseUrl: string) {
  const mentor = await signup(baseUrl, 'Mentor Mia');
  const mentee = await signup(baseUrl, 'Mentee Max');
  const room = (await mentor.client.post('/api/rooms', { title: 'Career growth' })).body.room;
  const invite = (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body;
  const accepted = await mentee.client.post(`/api/invites/${invite.token}/accept`);
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return { mentor, mentee, room: room as { id: string; title: string }, invite };
}
