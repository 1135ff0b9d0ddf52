import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_PAGE_SIZE, ErrorCode } from '@menteo/protocol';
import { claimMeetingEnd, countChatMessages, insertChatMessages, startMeeting } from '@menteo/db';
import { createTestDb, startTestServer, type Backend, type TestDb, type TestServer } from '../harness.ts';
import { createTestRoom, createTestUser, waitFor } from '../realtime/clients.ts';
import { allMessages, chatClient, chatPage, type ChatClient } from './chat-clients.ts';

/** Issue 15 item 5 on one node: persisted, paginated, limits. One file per backend. */
export function chatSuite(backend: Backend): void {
  describe(`chat on ${backend}`, () => {
    let db: TestDb;
    let node: TestServer;
    const clients: ChatClient[] = [];
    const client = async (cookie: string, roomId?: string) => {
      const c = chatClient(node.url, cookie);
      clients.push(c);
      await c.connected();
      if (roomId) expect(await c.join(roomId)).toEqual({ ok: true });
      return c;
    };

    beforeAll(async () => {
      db = await createTestDb(backend);
      node = await startTestServer({ db: db.handle, config: { chat: { maxChars: 2000, burst: 5, perMinute: 30 } } });
    });
    afterEach(() => {
      for (const c of clients.splice(0)) c.socket.disconnect();
    });
    afterAll(async () => {
      await node?.close();
      await db?.destroy();
    });

    it('acks a message once it is committed, delivers it to both members, and keeps HTML as text', async () => {
      const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
      const a = await client(mentor.cookie, roomId);
      const b = await client(mentee.cookie, roomId);
      const body = '<b>hi</b> <script>alert(1)</script> see https://example.com';
      const ack = await a.send(roomId, body);
      if (!ack.ok) throw new Error(ack.message);
      expect(ack.message).toMatchObject({ roomId, authorId: mentor.id, authorName: 'mentor', body, meetingId: null, clientId: 'c1' });
      // Committed before the ack: the row is there the moment the sender is told.
      expect(await countChatMessages(db.handle.db, [roomId])).toBe(1);
      await waitFor(() => b.received.length === 1 && a.received.length === 1, 'both members to receive it');
      expect(b.received[0]).toMatchObject({ id: ack.message.id, body });
      const page = await chatPage(node.url, mentee.cookie, roomId);
      expect(page.status).toBe(200);
      expect(page.body.messages.map((m) => m.body)).toEqual([body]);
      expect(page.body.nextBefore).toBeNull();
    });

    it('pages newest first by the `before` cursor, 50 at a time, without gaps or repeats', async () => {
      const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
      // Written as the writer would, ten per group commit (the service's rate limit is not the point here).
      const sent: number[] = [];
      for (let i = 0; i < 120; i += 10) {
        const rows = Array.from({ length: 10 }, (_, k) => ({ roomId, authorId: (i + k) % 2 === 0 ? mentor.id : mentee.id, body: `m${i + k}` }));
        sent.push(...(await insertChatMessages(db.handle.db, rows)).map((r) => r.id));
      }
      const first = await chatPage(node.url, mentor.cookie, roomId);
      expect(first.body.messages).toHaveLength(CHAT_PAGE_SIZE);
      expect(first.body.messages[0]!.body).toBe('m119');
      expect(first.body.messages.at(-1)!.body).toBe('m70');
      expect(first.body.nextBefore).toBe(first.body.messages.at(-1)!.id);
      const second = await chatPage(node.url, mentor.cookie, roomId, first.body.nextBefore!);
      expect(second.body.messages.map((m) => m.body)).toEqual(Array.from({ length: 50 }, (_, i) => `m${69 - i}`));
      const third = await chatPage(node.url, mentor.cookie, roomId, second.body.nextBefore!);
      expect(third.body.messages).toHaveLength(20);
      expect(third.body.nextBefore).toBeNull();
      const all = await allMessages(node.url, mentee.cookie, roomId);
      expect(all.map((m) => m.id)).toEqual([...sent].reverse());
    });

    it('commits concurrent messages in one group commit, in send order', async () => {
      const { roomId, mentor } = await createTestRoom(db.handle.db);
      const chat = node.app.services.chat;
      const sender = { userId: mentor.id, displayName: 'mentor', roomId };
      const acks = await Promise.all(Array.from({ length: 5 }, (_, i) => chat.send(sender, `p${i}`, null)));
      const ids = acks.map((m) => m.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      const all = await allMessages(node.url, mentor.cookie, roomId);
      expect(all.map((m) => m.body)).toEqual(['p4', 'p3', 'p2', 'p1', 'p0']);
    });

    it('ties a message to the meeting open when it was committed, and none outside meetings', async () => {
      const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
      const chat = node.app.services.chat;
      const sender = { userId: mentor.id, displayName: 'mentor', roomId };
      expect((await chat.send(sender, 'before the meeting', null)).meetingId).toBeNull();
      const { meeting } = await startMeeting(db.handle.db, { roomId, startedBy: mentor.id, start: async () => ({ state: new Uint8Array([0, 0]), digest: null }) });
      const during = await chat.send(sender, 'during the meeting', null);
      expect(during.meetingId).toBe(meeting.id);
      await claimMeetingEnd(db.handle.db, roomId, meeting.id, mentor.id);
      expect((await chat.send(sender, 'after the meeting', null)).meetingId).toBeNull();
      const stored = await allMessages(node.url, mentee.cookie, roomId);
      expect(stored.map((m) => [m.body, m.meetingId])).toEqual([
        ['after the meeting', null],
        ['during the meeting', meeting.id],
        ['before the meeting', null],
      ]);
    });

    it('refuses a message over CHAT_MAX_CHARS, an empty one and a flood, storing none of them', async () => {
      const { roomId, mentor } = await createTestRoom(db.handle.db);
      const a = await client(mentor.cookie, roomId);
      const long = await a.send(roomId, 'x'.repeat(2001));
      expect(long).toMatchObject({ ok: false, code: ErrorCode.PayloadTooLarge });
      if (!long.ok) expect(long.message).toMatch(/at most 2000 characters/);
      // Characters, not UTF-16 units: 2000 emoji fit.
      expect(await a.send(roomId, '🙂'.repeat(2000))).toMatchObject({ ok: true });
      expect(await a.send(roomId, '   \n ')).toMatchObject({ ok: false, code: ErrorCode.Validation });
      // Burst 5 (one spent above), then refused with a wait.
      const flood = await Promise.all(Array.from({ length: 10 }, (_, i) => a.send(roomId, `flood ${i}`)));
      expect(flood.filter((r) => r.ok)).toHaveLength(4);
      const refused = flood.filter((r) => !r.ok);
      expect(refused).toHaveLength(6);
      expect(refused[0]).toMatchObject({ ok: false, code: ErrorCode.RateLimited, retryAfterSeconds: 2 });
      expect(await countChatMessages(db.handle.db, [roomId])).toBe(5);
    });

    it('refuses chat:send to a room the socket has not joined, and malformed payloads', async () => {
      const { roomId, mentor } = await createTestRoom(db.handle.db);
      const a = await client(mentor.cookie);
      expect(await a.send(roomId, 'hello')).toMatchObject({ ok: false, code: ErrorCode.NotFound });
      const bad = await a.socket.emitWithAck('chat:send', { roomId, body: 42, clientId: 'x' } as never);
      expect(bad).toMatchObject({ ok: false, code: ErrorCode.Validation });
      expect(await countChatMessages(db.handle.db, [roomId])).toBe(0);
    });

    it('answers GET /chat with 404 to a non-member, 401 signed out, 400 for a bad cursor', async () => {
      const { roomId, mentor } = await createTestRoom(db.handle.db);
      const stranger = await createTestUser(db.handle.db, 'stranger');
      expect((await chatPage(node.url, stranger.cookie, roomId)).status).toBe(404);
      expect((await chatPage(node.url, '', roomId)).status).toBe(401);
      expect((await chatPage(node.url, mentor.cookie, 'not-a-room')).status).toBe(404);
      const bad = await fetch(`${node.url}/api/rooms/${roomId}/chat?before=abc`, { headers: { cookie: mentor.cookie } });
      expect(bad.status).toBe(400);
    });
  });
}
