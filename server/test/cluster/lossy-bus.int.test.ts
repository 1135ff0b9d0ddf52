import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Counter } from 'prom-client';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { SHARED_REDIS_URL } from '../redis-instance.ts';
import { DroppingBus } from '../bus/fake-peer.ts';
import { connectClient, createTestRoom, waitFor, waitSynced, type TestClient } from '../realtime/clients.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Two nodes on real Redis whose buses drop every third room message on purpose. */
describe('two nodes on a bus that loses messages', () => {
  let db: TestDb;
  const nodes: TestServer[] = [];
  const buses: DroppingBus[] = [];
  const clients: TestClient[] = [];

  beforeAll(async () => {
    db = await createTestDb('postgres');
    for (const nodeId of ['lossy-a', 'lossy-b']) {
      const redis = new RedisBus({ url: SHARED_REDIS_URL, logger });
      await redis.start(5000);
      const bus = new DroppingBus(redis, (channel, n) => channel.startsWith('menteo:room:') && n % 3 === 2);
      buses.push(bus);
      nodes.push(await startTestServer({ db: db.handle, bus, config: { nodeId } }));
    }
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    for (const b of buses) await b.close();
    await db?.destroy();
  });

  it('detects the gaps and heals them, so both members end with the same document', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = connectClient(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie });
    const b = connectClient(nodes[1]!.wsUrl, roomId, { cookie: mentee.cookie });
    clients.push(a, b);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    for (let i = 0; i < 30; i++) {
      a.doc.getArray<string>('agenda').push([`a${i}`]);
      b.doc.getArray<string>('agenda').push([`b${i}`]);
      if (i % 4 === 0) a.doc.getArray<string>('agenda').delete(0, 1);
      await new Promise((r) => setTimeout(r, 10));
    }
    const same = () =>
      JSON.stringify(a.doc.getArray('agenda').toJSON()) === JSON.stringify(b.doc.getArray('agenda').toJSON()) &&
      a.doc.getArray('agenda').length === 60 - 8;
    await waitFor(same, 'both documents to be identical despite the losses', 10_000);
    expect(buses[0]!.dropped + buses[1]!.dropped).toBeGreaterThan(10);
    const gaps = async (n: TestServer) =>
      (await (n.app.ctx.metrics.getSingleMetric('menteo_bus_gaps_total') as Counter).get()).values[0]?.value ?? 0;
    expect((await gaps(nodes[0]!)) + (await gaps(nodes[1]!))).toBeGreaterThan(0);
  });
});
