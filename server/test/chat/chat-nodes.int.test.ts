import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CloseCode } from '@menteo/protocol';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { startRedisInstance, type RedisInstance } from '../redis-instance.ts';
import { createTestRoom, waitFor } from '../realtime/clients.ts';
import { allMessages, chatClient, type ChatClient } from './chat-clients.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Issue 15 item 5: chat between members on two real nodes over a real Redis (the socket.io adapter). */
describe('chat across two nodes on one Redis', () => {
  let redis: RedisInstance;
  let db: TestDb;
  const nodes: TestServer[] = [];
  const buses: RedisBus[] = [];
  const clients: ChatClient[] = [];
  const client = async (node: TestServer, cookie: string, roomId: string) => {
    const c = chatClient(node.url, cookie);
    clients.push(c);
    await c.connected();
    expect(await c.join(roomId)).toEqual({ ok: true });
    return c;
  };

  beforeAll(async () => {
    redis = await startRedisInstance();
    db = await createTestDb('postgres');
    for (const nodeId of ['chat-a', 'chat-b']) {
      const bus = new RedisBus({ url: redis.url, logger });
      await bus.start(5000);
      buses.push(bus);
      nodes.push(await startTestServer({ db: db.handle, bus, config: { nodeId, redisUrl: redis.url } }));
    }
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.socket.disconnect();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    for (const b of buses) await b.close();
    await db?.destroy();
    await redis?.destroy();
  });

  it('delivers each member’s messages to the other node, all persisted, one order by id', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = await client(nodes[0]!, mentor.cookie, roomId);
    const b = await client(nodes[1]!, mentee.cookie, roomId);
    for (let i = 0; i < 4; i++) {
      const [x, y] = await Promise.all([a.send(roomId, `from A ${i}`), b.send(roomId, `from B ${i}`)]);
      expect(x.ok && y.ok).toBe(true);
    }
    await waitFor(() => a.received.length === 8 && b.received.length === 8, 'both to receive all eight');
    // Each member gets every message. Two nodes' commits may emit out of id order (an INSERT
    // that took its ids first can answer second), so the panel orders by id: both members
    // then show one order, the stored one.
    const order = (c: ChatClient) => c.received.map((m) => m.id).sort((x, y) => x - y);
    expect(order(b)).toEqual(order(a));
    const stored = await allMessages(nodes[1]!.url, mentee.cookie, roomId);
    expect(stored.map((m) => m.id).reverse()).toEqual(order(a));
    expect(new Set(stored.map((m) => m.authorName))).toEqual(new Set(['mentor', 'mentee']));
  });

  it('stops sending chat to a removed member’s socket on the other node within a second', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = await client(nodes[0]!, mentor.cookie, roomId);
    const b = await client(nodes[1]!, mentee.cookie, roomId);
    expect(await a.send(roomId, 'before')).toMatchObject({ ok: true });
    await waitFor(() => b.received.length === 1, 'the mentee to receive the first message');
    // Removed through the service on node A (what DELETE /api/rooms/:id/members/:userId does).
    const room = await nodes[0]!.app.services.rooms.asMember(mentor.id, roomId);
    const removedAt = Date.now();
    await nodes[0]!.app.services.rooms.removeMember(room, mentee.id);
    await waitFor(() => b.errors.length === 1, 'the mentee to be told', 1000);
    expect(b.errors[0]).toMatchObject({ roomId, code: CloseCode.Forbidden });
    expect(Date.now() - removedAt).toBeLessThan(1000);
    // From now on nothing reaches the removed member, and they can no longer send.
    expect(await a.send(roomId, 'after')).toMatchObject({ ok: true });
    await waitFor(() => a.received.length === 2, 'the mentor to receive their own second message');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.received.map((m) => m.body)).toEqual(['before']);
    expect(await b.send(roomId, 'still here?')).toMatchObject({ ok: false });
  });
});
