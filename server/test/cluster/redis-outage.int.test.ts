import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { startRedisInstance, type RedisInstance } from '../redis-instance.ts';
import { connectClient, createTestRoom, waitFor, waitForAsync, waitSynced, type TestClient } from '../realtime/clients.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('a node whose Redis goes away', () => {
  let redis: RedisInstance;
  let db: TestDb;
  let bus: RedisBus;
  let node: TestServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    redis = await startRedisInstance();
    db = await createTestDb('postgres');
    bus = new RedisBus({ url: redis.url, logger });
    await bus.start(5000);
    node = await startTestServer({ db: db.handle, bus, config: { nodeId: 'outage' } });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await node?.close();
    await bus?.close();
    await db?.destroy();
    await redis?.destroy();
  });

  const readyz = async () => {
    const res = await fetch(`${node.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean> } };
  };

  it('reports not ready on /readyz, keeps its own members editing together, and is ready again when Redis returns', async () => {
    expect((await readyz()).status).toBe(200);
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = connectClient(node.wsUrl, roomId, { cookie: mentor.cookie });
    const b = connectClient(node.wsUrl, roomId, { cookie: mentee.cookie });
    clients.push(a, b);
    await Promise.all([waitSynced(a), waitSynced(b)]);

    await redis.stop();
    await waitForAsync(async () => (await readyz()).status === 503, '/readyz to report the outage');
    expect((await readyz()).body.checks.bus).toBe(false);
    a.doc.getArray<string>('agenda').push(['during the outage']);
    await waitFor(() => b.doc.getArray('agenda').length === 1, 'a member on the same node to see the edit');

    await redis.start();
    await waitForAsync(async () => (await readyz()).status === 200, '/readyz to recover', 5000);
  });
});
