import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { SESSION_COOKIE, type Room, type User } from '@menteo/protocol';
import type { Actor } from '@menteo/room-doc';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../../../../server/test/harness.ts';
import { RoomConnection } from './RoomConnection.svelte.ts';

/**
 * RoomConnection against a real server node on port 0 (PGlite): real y-websocket, real
 * type-100 acks after real commits, real close codes.
 */
let db: TestDb;
let server: TestServer;
let cookie: string;
let user: User;
let room: Room;
const opened: RoomConnection[] = [];

async function call<T>(path: string, body: unknown, sessionCookie?: string): Promise<{ json: T; res: Response }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(sessionCookie ? { cookie: sessionCookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
  return { json: (await res.json()) as T, res };
}

/** `ws` with the session cookie on the upgrade request, as a browser would send it. */
function cookieSocket(sessionCookie: string, counter?: { n: number }): typeof globalThis.WebSocket {
  class CookieWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie: sessionCookie } });
      if (counter) counter.n++;
    }
  }
  return CookieWebSocket as unknown as typeof globalThis.WebSocket;
}

function open(roomId: string, me: Actor, srv = server, counter?: { n: number }): RoomConnection {
  const conn = new RoomConnection(roomId, me, {
    serverUrl: `${srv.wsUrl}/yjs`,
    WebSocketPolyfill: cookieSocket(cookie, counter),
    persist: false,
    window: null,
  });
  opened.push(conn);
  return conn;
}

const me = (): Actor => ({ userId: user.id, displayName: user.displayName, role: 'mentor' });

beforeAll(async () => {
  db = await createTestDb('pglite');
  server = await startTestServer({ db: db.handle });
  const signup = await call<{ user: User }>('/api/auth/signup', {
    email: `mentor-${Date.now()}@example.com`,
    password: 'correct horse battery',
    displayName: 'Grace Hopper',
  });
  user = signup.json.user;
  const setCookie = signup.res.headers.get('set-cookie') ?? '';
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(setCookie);
  if (!match) throw new Error(`no session cookie in ${setCookie}`);
  cookie = `${SESSION_COOKIE}=${match[1]}`;
  room = (await call<{ room: Room }>('/api/rooms', { title: 'Ack room' }, cookie)).json.room;
});

afterAll(async () => {
  for (const c of opened) c.destroy();
  await server?.close();
  await db?.destroy();
});

describe('RoomConnection against a real node', () => {
  it('connects, publishes presence, and is Saved with nothing to save', async () => {
    const conn = open(room.id, me());
    await vi.waitFor(() => expect(conn.status).toBe('connected'), { timeout: 15_000 });
    expect(conn.saved).toBe(true);
    expect(conn.awareness.getLocalState()).toMatchObject({ user: { userId: user.id, name: 'Grace Hopper', role: 'mentor' }, focus: null });
  });

  it('says Saving… at once after an edit and Saved only after the server acked its commit', async () => {
    const conn = open(room.id, me());
    await vi.waitFor(() => expect(conn.status).toBe('connected'), { timeout: 15_000 });
    conn.doc.transact(() => conn.doc.getText('probe').insert(0, 'acked text'), 'test');
    expect(conn.saved).toBe(false);
    expect(conn.unsavedLocalEdits).toBe(true);
    await vi.waitFor(() => expect(conn.saved).toBe(true), { timeout: 15_000 });
    expect(conn.unsavedLocalEdits).toBe(false);

    // Saved means committed: a fresh node on the same database serves the text.
    const second = await startTestServer({ db: db.handle });
    try {
      const other = open(room.id, me(), second);
      await vi.waitFor(() => expect(other.status).toBe('connected'), { timeout: 15_000 });
      expect(other.doc.getText('probe').toString()).toBe('acked text');
    } finally {
      await second.close();
    }
  });

  it('stops reconnecting and says no-access when the server refuses the room', async () => {
    const attempts = { n: 0 };
    const conn = open('00000000-0000-4000-8000-000000000000', me(), server, attempts);
    await vi.waitFor(() => expect(conn.status).toBe('no-access'), { timeout: 15_000 });
    expect(conn.refusedWith).toBe(4404);
    // y-websocket would otherwise retry within a few hundred milliseconds.
    await new Promise((r) => setTimeout(r, 1500));
    expect(attempts.n).toBe(1);
    expect(conn.provider.shouldConnect).toBe(false);
  });
});
