import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { startRedisInstance, type RedisInstance } from '../redis-instance.ts';
import { createTestRoom, waitFor } from '../realtime/clients.ts';
import { apiAs, meetingSocket, type ClientSocket } from './helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Members on two real nodes over one Redis: meeting events reach both, each exactly once. */
describe('meetings across two nodes over Redis', () => {
  let redis: RedisInstance;
  let db: TestDb;
  const nodes: TestServer[] = [];
  const buses: RedisBus[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startRedisInstance();
    db = await createTestDb('postgres');
    for (const nodeId of ['meet-a', 'meet-b']) {
      const bus = new RedisBus({ url: redis.url, logger });
      await bus.start(5000);
      buses.push(bus);
      nodes.push(await startTestServer({ db: db.handle, bus, config: { nodeId, redisUrl: redis.url, meetings: { autostartMs: 0, autoendMs: 0 } } }));
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const n of nodes) await n.close();
    for (const b of buses) await b.close();
    await db?.destroy();
    await redis?.destroy();
  });

  it('tells the member on the other node of the start and the end, once each, with attendance from both nodes', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const sa = await meetingSocket(a.url, mentor, roomId);
    const sb = await meetingSocket(b.url, mentee, roomId);
    sockets.push(sa.socket, sb.socket);

    const started = await apiAs(a.url, mentor).post(`/api/rooms/${roomId}/meetings`);
    expect(started.status).toBe(201);
    await waitFor(() => sb.lastState()?.id === started.body.meeting.id, 'the mentee on node B to hear of the start');
    await waitFor(() => (sa.lastState()?.attendance.length ?? 0) === 2 && (sb.lastState()?.attendance.length ?? 0) === 2, 'both attending');

    const ended = await apiAs(b.url, mentee).post(`/api/rooms/${roomId}/meetings/${started.body.meeting.id}/end`);
    expect(ended.status).toBe(200);
    await waitFor(() => sa.seen.ended.length === 1 && sb.seen.ended.length === 1, 'both told of the end');
    await new Promise((r) => setTimeout(r, 300));
    expect(sa.seen.ended).toHaveLength(1);
    expect(sb.seen.ended).toHaveLength(1);
    expect(sa.seen.ended[0]!.summary).not.toBeNull();
    expect(sa.lastState()).toBeNull();
  }, 30_000);
});
