import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNotNull } from 'drizzle-orm';
import { schema } from '@menteo/db';
import type { Revocation } from '../../src/auth/revocations.ts';
import { verifyRoomToken } from '../../src/auth/room-token.ts';
import { hashToken } from '../../src/auth/tokens.ts';
import { getOrCreateSecret } from '@menteo/db';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { ApiClient, roomWithMentee, signup } from './api-client.ts';

describe.each(BACKENDS)('rooms and membership on %s', (backend) => {
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

  it('creates a room with 201 and makes its creator the mentor', async () => {
    const { client, user } = await signup(server.url, 'Mia');
    const res = await client.post('/api/rooms', { title: '  Leadership 1:1  ' });
    expect(res.status).toBe(201);
    expect(res.body.room).toMatchObject({
      title: 'Leadership 1:1',
      myRole: 'mentor',
      archivedAt: null,
      members: [{ userId: user.id, displayName: 'Mia', role: 'mentor' }],
    });
    expect(Date.parse(res.body.room.createdAt)).not.toBeNaN();
  });

  it('lists only my rooms, newest first, with my role and every member', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    const second = (await mentor.client.post('/api/rooms', { title: 'Second room' })).body.room;
    const other = await signup(server.url);
    await other.client.post('/api/rooms', { title: 'Not yours' });

    const mentorList = (await mentor.client.get('/api/rooms')).body.rooms;
    expect(mentorList.map((r: { id: string }) => r.id)).toEqual([second.id, room.id]);
    const shared = mentorList[1];
    expect(shared.members.map((m: { role: string; displayName: string }) => [m.role, m.displayName])).toEqual([
      ['mentor', 'Mentor Mia'],
      ['mentee', 'Mentee Max'],
    ]);
    const menteeList = (await mentee.client.get('/api/rooms')).body.rooms;
    expect(menteeList).toHaveLength(1);
    expect(menteeList[0]).toMatchObject({ id: room.id, myRole: 'mentee', title: 'Career growth' });
  });

  it('shows a room to its members and answers 404 to anyone else, for real, unknown and malformed ids alike', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    expect((await mentor.client.get(`/api/rooms/${room.id}`)).body.room.myRole).toBe('mentor');
    expect((await mentee.client.get(`/api/rooms/${room.id}`)).body.room.myRole).toBe('mentee');
    const stranger = await signup(server.url);
    const answers = await Promise.all(
      [room.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' or '1'='1"].map((id) =>
        stranger.client.get(`/api/rooms/${encodeURIComponent(id)}`),
      ),
    );
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(a.body).toEqual({ error: { code: 'not_found', message: 'Room not found.' } });
    }
  });

  it('lets the mentor rename the room, and refuses the mentee with 403', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    const renamed = await mentor.client.patch(`/api/rooms/${room.id}`, { title: 'New title' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.room.title).toBe('New title');
    const refused = await mentee.client.patch(`/api/rooms/${room.id}`, { title: 'Mine now' });
    expect(refused.status).toBe(403);
    expect((await mentee.client.get(`/api/rooms/${room.id}`)).body.room.title).toBe('New title');
  });

  it('archives and unarchives a room; members still read it; archived rooms refuse rename and invites', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    const archived = await mentor.client.post(`/api/rooms/${room.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.room.archivedAt).toEqual(expect.any(String));
    const again = await mentor.client.post(`/api/rooms/${room.id}/archive`);
    expect(again.body.room.archivedAt).toBe(archived.body.room.archivedAt);
    expect((await mentee.client.get(`/api/rooms/${room.id}`)).body.room.archivedAt).toBe(archived.body.room.archivedAt);
    expect((await mentor.client.patch(`/api/rooms/${room.id}`, { title: 'x' })).status).toBe(409);
    expect((await mentor.client.post(`/api/rooms/${room.id}/invites`)).status).toBe(409);
    expect((await mentee.client.post(`/api/rooms/${room.id}/archive`)).status).toBe(403);

    const restored = await mentor.client.post(`/api/rooms/${room.id}/unarchive`);
    expect(restored.status).toBe(200);
    expect(restored.body.room.archivedAt).toBeNull();
  });

  it('expires unused invites when the room is archived, so they cannot be accepted after unarchiving', async () => {
    const { client } = await signup(server.url);
    const room = (await client.post('/api/rooms', { title: 'R' })).body.room;
    const invite = (await client.post(`/api/rooms/${room.id}/invites`)).body;
    await client.post(`/api/rooms/${room.id}/archive`);
    await client.post(`/api/rooms/${room.id}/unarchive`);
    const mentee = await signup(server.url);
    expect((await mentee.client.get(`/api/invites/${invite.token}`)).body.status).toBe('expired');
    expect((await mentee.client.post(`/api/invites/${invite.token}/accept`)).status).toBe(410);
  });

  it('lets the mentor remove the mentee, who then gets 404 and whose sockets are revoked', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    const revoked: Revocation[] = [];
    const stop = server.app.ctx.revocations.onRevoke((r) => revoked.push(r));
    try {
      const res = await mentor.client.delete(`/api/rooms/${room.id}/members/${mentee.user.id}`);
      expect(res.status).toBe(204);
      expect(revoked).toContainEqual({ roomId: room.id, userId: mentee.user.id });
    } finally {
      stop();
    }
    expect((await mentee.client.get(`/api/rooms/${room.id}`)).status).toBe(404);
    expect((await mentor.client.get(`/api/rooms/${room.id}`)).body.room.members).toHaveLength(1);
  });

  it('lets the mentee leave, revoking their sockets', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    const revoked: Revocation[] = [];
    const stop = server.app.ctx.revocations.onRevoke((r) => revoked.push(r));
    try {
      expect((await mentee.client.delete(`/api/rooms/${room.id}/members/${mentee.user.id}`)).status).toBe(204);
    } finally {
      stop();
    }
    expect(revoked).toContainEqual({ roomId: room.id, userId: mentee.user.id });
    expect((await mentee.client.get('/api/rooms')).body.rooms).toEqual([]);
    expect((await mentor.client.get(`/api/rooms/${room.id}`)).status).toBe(200);
  });

  it('refuses to let the mentor leave their own room with 409 and a clear message', async () => {
    const { mentor, room } = await roomWithMentee(server.url);
    const res = await mentor.client.delete(`/api/rooms/${room.id}/members/${mentor.user.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/mentor can't leave/i);
    expect((await mentor.client.get(`/api/rooms/${room.id}`)).status).toBe(200);
  });

  it('refuses the mentee removing the mentor with 403, and an unknown member with 404', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    expect((await mentee.client.delete(`/api/rooms/${room.id}/members/${mentor.user.id}`)).status).toBe(403);
    const other = await signup(server.url);
    expect((await mentor.client.delete(`/api/rooms/${room.id}/members/${other.user.id}`)).status).toBe(404);
    expect((await mentor.client.delete(`/api/rooms/${room.id}/members/not-an-id`)).status).toBe(404);
  });

  it('issues a signed room token to members that the socket layer accepts for that room only', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    const res = await mentee.client.post(`/api/rooms/${room.id}/token`);
    expect(res.status).toBe(200);
    const expiresAt = Date.parse(res.body.expiresAt);
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + server.config.socketTokenTtlMs + 1000);
    const secret = await getOrCreateSecret(db.handle.db, 'socket-token-hmac');
    expect(verifyRoomToken(secret, res.body.token)).toMatchObject({ userId: mentee.user.id, roomId: room.id });

    const auth = server.app.ctx.auth;
    const principal = await auth.authenticate({ headers: {}, url: `/yjs/${room.id}?token=${res.body.token}` } as never);
    expect(principal?.userId).toBe(mentee.user.id);
    expect(principal && (await auth.roomRole(principal, room.id))).toBe('mentee');
    const otherRoom = (await mentor.client.post('/api/rooms', { title: 'other' })).body.room;
    expect(principal && (await auth.roomRole(principal, otherRoom.id))).toBeNull();
  });

  it('does not accept a room token as a REST login', async () => {
    const { mentor, room } = await roomWithMentee(server.url);
    const token = (await mentor.client.post(`/api/rooms/${room.id}/token`)).body.token;
    const res = await fetch(`${server.url}/api/me?token=${encodeURIComponent(token)}`);
    expect(res.status).toBe(401);
  });

  describe('invites', () => {
    it('creates a single-use invite with a URL on the request origin, stored only as a hash', async () => {
      const { client } = await signup(server.url);
      const room = (await client.post('/api/rooms', { title: 'R' })).body.room;
      const res = await client.post(`/api/rooms/${room.id}/invites`);
      expect(res.status).toBe(201);
      expect(res.body.url).toBe(`${server.url}/invite/${res.body.token}`);
      expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(server.config.inviteTtlMs - 60_000);
      const rows = await db.handle.db.select().from(schema.invites).where(eq(schema.invites.roomId, room.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]?.tokenHash).not.toContain(res.body.token);
    });

    it('builds invite URLs on PUBLIC_URL when it is configured', async () => {
      const pub = await startTestServer({ db: db.handle, config: { publicUrl: 'https://rooms.example.com' } });
      try {
        const { client } = await signup(pub.url);
        const room = (await client.post('/api/rooms', { title: 'R' })).body.room;
        const res = await client.post(`/api/rooms/${room.id}/invites`);
        expect(res.body.url).toBe(`https://rooms.example.com/invite/${res.body.token}`);
      } finally {
        await pub.close();
      }
    });

    it('previews a valid invite, lets the invitee accept it and become the mentee, then shows it used', async () => {
      const mentor = await signup(server.url, 'Mentor Mo');
      const room = (await mentor.client.post('/api/rooms', { title: 'Growth' })).body.room;
      const invite = (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body;
      const mentee = await signup(server.url, 'Mentee Mae');
      const preview = await mentee.client.get(`/api/invites/${invite.token}`);
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ roomTitle: 'Growth', mentorName: 'Mentor Mo', status: 'valid' });
      const accepted = await mentee.client.post(`/api/invites/${invite.token}/accept`);
      expect(accepted.status).toBe(200);
      expect(accepted.body.room).toMatchObject({ id: room.id, myRole: 'mentee' });
      expect(accepted.body.room.members).toHaveLength(2);
      expect((await mentee.client.get(`/api/invites/${invite.token}`)).body.status).toBe('used');
    });

    it('shows a signed-out visitor only the room title, mentor name, status and expiry of an invite, and still makes them sign in to accept', async () => {
      const { mentor, room, invite } = await roomWithMentee(server.url);
      const second = (await mentor.client.post('/api/rooms', { title: 'Open door' })).body.room;
      const open = (await mentor.client.post(`/api/rooms/${second.id}/invites`)).body;
      const visitor = new ApiClient(server.url);
      const preview = await visitor.get(`/api/invites/${open.token}`);
      expect(preview.status).toBe(200);
      expect(preview.body).toEqual({ roomTitle: 'Open door', mentorName: 'Mentor Mia', status: 'valid', expiresAt: open.expiresAt });
      // The invite to the room that already has its mentee: used, and the same four fields only.
      const used = await visitor.get(`/api/invites/${invite.token}`);
      expect(used.body).toEqual({ roomTitle: room.title, mentorName: 'Mentor Mia', status: 'used', expiresAt: expect.any(String) });
      expect(JSON.stringify([preview.body, used.body])).not.toMatch(/@|[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect((await visitor.get(`/api/invites/${'B'.repeat(43)}`)).status).toBe(404);
      const accept = await visitor.post(`/api/invites/${open.token}/accept`);
      expect(accept.status).toBe(401);
      expect((await visitor.get(`/api/invites/${open.token}`)).body.status).toBe('valid');
    });

    it('refuses a reused invite with 410 and writes nothing', async () => {
      const { mentor, room, invite } = await roomWithMentee(server.url);
      await mentor.client.delete(`/api/rooms/${room.id}/members/${(await mentor.client.get(`/api/rooms/${room.id}`)).body.room.members[1].userId}`);
      const late = await signup(server.url);
      const members = await db.handle.db.$count(schema.roomMembers);
      const res = await late.client.post(`/api/invites/${invite.token}/accept`);
      expect(res.status).toBe(410);
      expect(res.body.error).toMatchObject({ code: 'invite_invalid', message: expect.stringMatching(/already been used/) });
      expect(await db.handle.db.$count(schema.roomMembers)).toBe(members);
    });

    it('refuses an expired invite with 410 (short inviteTtlMs) and writes nothing', async () => {
      const quick = await startTestServer({ db: db.handle, config: { inviteTtlMs: 50 } });
      try {
        const mentor = await signup(quick.url);
        const room = (await mentor.client.post('/api/rooms', { title: 'R' })).body.room;
        const invite = (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body;
        await new Promise((r) => setTimeout(r, 100));
        const mentee = await signup(quick.url);
        expect((await mentee.client.get(`/api/invites/${invite.token}`)).body.status).toBe('expired');
        const members = await db.handle.db.$count(schema.roomMembers);
        const res = await mentee.client.post(`/api/invites/${invite.token}/accept`);
        expect(res.status).toBe(410);
        expect(res.body.error.message).toMatch(/expired/);
        expect(await db.handle.db.$count(schema.roomMembers)).toBe(members);
        const [row] = await db.handle.db.select().from(schema.invites).where(eq(schema.invites.roomId, room.id));
        expect(row?.usedAt).toBeNull();
      } finally {
        await quick.close();
      }
    });

    it('answers an unknown or malformed invite token with 404 invite_invalid', async () => {
      const { client } = await signup(server.url);
      for (const token of ['A'.repeat(43), 'short', "x' or 1=1 --"]) {
        const preview = await client.get(`/api/invites/${encodeURIComponent(token)}`);
        expect(preview.status).toBe(404);
        expect(preview.body.error.code).toBe('invite_invalid');
        expect((await client.post(`/api/invites/${encodeURIComponent(token)}/accept`)).status).toBe(404);
      }
    });

    it('refuses a third person accepting a second invite to a full room with 409 room_full, writing nothing', async () => {
      const mentor = await signup(server.url);
      const room = (await mentor.client.post('/api/rooms', { title: 'R' })).body.room;
      const first = (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body;
      const second = (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body;
      const mentee = await signup(server.url);
      expect((await mentee.client.post(`/api/invites/${first.token}/accept`)).status).toBe(200);
      const third = await signup(server.url);
      expect((await third.client.get(`/api/invites/${second.token}`)).body.status).toBe('full');
      const members = await db.handle.db.$count(schema.roomMembers);
      const res = await third.client.post(`/api/invites/${second.token}/accept`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('room_full');
      expect(await db.handle.db.$count(schema.roomMembers)).toBe(members);
      const [row] = await db.handle.db.select().from(schema.invites).where(eq(schema.invites.tokenHash, hashToken(second.token)));
      expect(row?.usedAt).toBeNull();
      expect((await third.client.get(`/api/rooms/${room.id}`)).status).toBe(404);
    });

    it('refuses to create an invite when the room already has a mentee with 409 room_full', async () => {
      const { mentor, room } = await roomWithMentee(server.url);
      const res = await mentor.client.post(`/api/rooms/${room.id}/invites`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('room_full');
    });

    it('refuses the mentor accepting their own invite with 409', async () => {
      const mentor = await signup(server.url);
      const room = (await mentor.client.post('/api/rooms', { title: 'R' })).body.room;
      const invite = (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body;
      const res = await mentor.client.post(`/api/invites/${invite.token}/accept`);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/your own room/);
      expect((await mentor.client.get(`/api/rooms/${room.id}`)).body.room.members).toHaveLength(1);
    });

    it('admits exactly one mentee when two people accept two invites of one room at once', async () => {
      const mentor = await signup(server.url);
      const room = (await mentor.client.post('/api/rooms', { title: 'Race' })).body.room;
      const invites = [
        (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body,
        (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body,
        (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body,
      ];
      const people = await Promise.all(invites.map(() => signup(server.url)));
      const results = await Promise.all(people.map((p, i) => p.client.post(`/api/invites/${invites[i]?.token}/accept`)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      const roomRow = (await mentor.client.get(`/api/rooms/${room.id}`)).body.room;
      expect(roomRow.members.filter((m: { role: string }) => m.role === 'mentee')).toHaveLength(1);
      // The losers' transactions rolled back: only the winner's invite is marked used.
      const used = await db.handle.db.$count(schema.invites, and(eq(schema.invites.roomId, room.id), isNotNull(schema.invites.usedAt)));
      expect(used).toBe(1);
    });

    it('lets only one of two people accepting the same invite at once in', async () => {
      const mentor = await signup(server.url);
      const room = (await mentor.client.post('/api/rooms', { title: 'Race' })).body.room;
      const invite = (await mentor.client.post(`/api/rooms/${room.id}/invites`)).body;
      const people = await Promise.all([signup(server.url), signup(server.url)]);
      const results = await Promise.all(people.map((p) => p.client.post(`/api/invites/${invite.token}/accept`)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
    });
  });
});
