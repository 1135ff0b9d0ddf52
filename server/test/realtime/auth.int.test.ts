import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { getOrCreateSecret } from '@menteo/db';
import { CloseCode } from '@menteo/protocol';
import { signRoomToken } from '../../src/auth/room-token.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, createTestUser, rawSocket, waitFor, waitSynced } from './clients.ts';

describe.each(BACKENDS)('who may open a doc, on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  let secret: string;

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle });
    secret = await getOrCreateSecret(db.handle.db, 'socket-token-hmac');
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const token = (userId: string, roomId: string, expiresAt = Date.now() + 60_000) => signRoomToken(secret, { userId, roomId, expiresAt });

  it('closes an anonymous socket with 4401', async () => {
    const { roomId } = await createTestRoom(db.handle.db);
    const s = rawSocket(`${server.wsUrl}/yjs/${roomId}`);
    expect((await s.closed).code).toBe(CloseCode.Unauthenticated);
  });

  it('closes a forged session cookie and a forged token with 4401', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const forgedCookie = rawSocket(`${server.wsUrl}/yjs/${roomId}`, { cookie: 'menteo_session=forged' });
    expect((await forgedCookie.closed).code).toBe(CloseCode.Unauthenticated);
    const real = token(mentor.id, roomId);
    const forged = `${real.split('.')[0]}.${Buffer.from('nope').toString('base64url')}`;
    const forgedToken = rawSocket(`${server.wsUrl}/yjs/${roomId}?token=${forged}`);
    expect((await forgedToken.closed).code).toBe(CloseCode.Unauthenticated);
    const expired = rawSocket(`${server.wsUrl}/yjs/${roomId}?token=${token(mentor.id, roomId, Date.now() - 1000)}`);
    expect((await expired.closed).code).toBe(CloseCode.Unauthenticated);
  });

  it('closes a signed-in non-member and an unknown room alike with 4404', async () => {
    const { roomId } = await createTestRoom(db.handle.db);
    const stranger = await createTestUser(db.handle.db, 'stranger');
    const notMember = rawSocket(`${server.wsUrl}/yjs/${roomId}`, { cookie: stranger.cookie });
    expect((await notMember.closed).code).toBe(CloseCode.NoSuchRoom);
    const unknown = rawSocket(`${server.wsUrl}/yjs/${randomUUID()}`, { cookie: stranger.cookie });
    expect((await unknown.closed).code).toBe(CloseCode.NoSuchRoom);
    const garbage = rawSocket(`${server.wsUrl}/yjs/%E0%A4%A`, { cookie: stranger.cookie });
    expect((await garbage.closed).code).toBe(CloseCode.NoSuchRoom);
  });

  it('refuses a room token used for another room with 4404', async () => {
    const one = await createTestRoom(db.handle.db);
    const two = await createTestRoom(db.handle.db);
    const s = rawSocket(`${server.wsUrl}/yjs/${two.roomId}?token=${token(one.mentor.id, one.roomId)}`);
    expect((await s.closed).code).toBe(CloseCode.NoSuchRoom);
  });

  it('refuses a browser socket from a foreign Origin with 4403', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const s = rawSocket(`${server.wsUrl}/yjs/${roomId}`, { cookie: mentor.cookie, origin: 'https://evil.example' });
    expect((await s.closed).code).toBe(CloseCode.Forbidden);
  });

  it('lets a member in with a room token (stock provider, ?token=)', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = connectClient(server.wsUrl, roomId, { params: { token: token(mentor.id, roomId) } });
    const b = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
    try {
      await Promise.all([waitSynced(a), waitSynced(b)]);
      a.doc.getMap('agreement').set('acceptedBy', 'mentor');
      await waitFor(() => b.doc.getMap('agreement').get('acceptedBy') === 'mentor', 'edit crosses');
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('gives each member their own private doc under the same name', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const name = `${roomId}~private`;
    const a = connectClient(server.wsUrl, name, { cookie: mentor.cookie });
    const b = connectClient(server.wsUrl, name, { cookie: mentee.cookie });
    const a2 = connectClient(server.wsUrl, name, { cookie: mentor.cookie });
    try {
      await Promise.all([waitSynced(a), waitSynced(b), waitSynced(a2)]);
      a.doc.getText('private').insert(0, 'mentor only');
      await waitFor(() => a2.doc.getText('private').toString() === 'mentor only', "the mentor's second tab sees it");
      await new Promise((r) => setTimeout(r, 100));
      expect(b.doc.getText('private').toString()).toBe('');
    } finally {
      for (const c of [a, b, a2]) c.destroy();
    }
    const stranger = await createTestUser(db.handle.db, 'stranger');
    const s = rawSocket(`${server.wsUrl}/yjs/${name}`, { cookie: stranger.cookie });
    expect((await s.closed).code).toBe(CloseCode.NoSuchRoom);
  });

  it('closes a removed member within a second with 4403 and leaves the other member connected', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
    try {
      await Promise.all([waitSynced(a), waitSynced(b)]);
      server.app.ctx.revocations.revoke({ roomId, userId: mentee.id });
      await waitFor(() => b.closes.includes(CloseCode.Forbidden), 'mentee closed with 4403', 1000);
      a.doc.getText('t').insert(0, 'still here');
      await new Promise((r) => setTimeout(r, 50));
      expect(a.provider.wsconnected).toBe(true);
      expect(a.closes).toEqual([]);
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
