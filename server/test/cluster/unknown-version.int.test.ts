import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Counter } from 'prom-client';
import { roomChannel, nodesChannel, type Bus } from '../../src/bus/Bus.ts';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { ENVELOPE_VERSION, MessageType, encodeEnvelope } from '../../src/bus/envelope.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { SHARED_REDIS_URL } from '../redis-instance.ts';
import { connectClient, createTestRoom, waitFor, waitSynced, type TestClient } from '../realtime/clients.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/**
 * A bus that, while `muted`, loses every doc message of this version it receives except sync replies: what
 * the node misses, it can only learn by asking (a state-vector resync).
 */
class DeafBus implements Bus {
  muted = false;
  constructor(private readonly inner: Bus) {}
  subscribe(channel: string, onMessage: (payload: Uint8Array) => void): Promise<void> {
    return this.inner.subscribe(channel, (payload) => {
      const current = payload[0] === ENVELOPE_VERSION;
      if (this.muted && current && channel.startsWith('menteo:room:') && payload[1] !== MessageType.DocSyncReply) return;
      onMessage(payload);
    });
  }
  unsubscribe(channel: string): Promise<void> {
    return this.inner.unsubscribe(channel);
  }
  publish(channel: string, payload: Uint8Array): void {
    this.inner.publish(channel, payload);
  }
  onReconnect(listener: () => void): () => void {
    return this.inner.onReconnect(listener);
  }
  isReady(): boolean {
    return this.inner.isReady();
  }
  adapterClients() {
    return this.inner.adapterClients!();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** An envelope as a node of the next version would send it: a header we can read, a payload we cannot. */
function fromTheFuture(type: number): Uint8Array {
  const bytes = encodeEnvelope({ type: 'heartbeat', origin: 'node-from-the-future', session: 1, counter: 1 });
  bytes[0] = ENVELOPE_VERSION + 1;
  bytes[1] = type;
  return bytes;
}

async function unknownVersions(node: TestServer, channel: string): Promise<number> {
  const metric = node.app.ctx.metrics.getSingleMetric('menteo_bus_unknown_version_total') as Counter | undefined;
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels.channel === channel)?.value ?? 0;
}

async function counter(node: TestServer, name: string, type?: string): Promise<number> {
  const metric = node.app.ctx.metrics.getSingleMetric(name) as Counter | undefined;
  const values = (await metric?.get())?.values ?? [];
  return values.filter((v) => type === undefined || v.labels.type === type).reduce((sum, v) => sum + v.value, 0);
}

/** Every sync request the node sent has had its reply, and none is about to go out. */
async function waitUntilAnswered(node: TestServer): Promise<void> {
  const answered = async () =>
    (await counter(node, 'menteo_bus_messages_in_total', 'sync-reply')) >= (await counter(node, 'menteo_bus_resyncs_total'));
  for (let quiet = 0; quiet < 3; ) {
    quiet = (await answered()) ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a node-to-node message of an unknown envelope version', () => {
  let db: TestDb;
  const nodes: TestServer[] = [];
  const buses: DeafBus[] = [];
  let third: RedisBus;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    db = await createTestDb('postgres');
    for (const nodeId of ['versions-a', 'versions-b']) {
      const redis = new RedisBus({ url: SHARED_REDIS_URL, logger });
      await redis.start(5000);
      const bus = new DeafBus(redis);
      buses.push(bus);
      nodes.push(await startTestServer({ db: db.handle, bus, config: { nodeId } }));
    }
    third = new RedisBus({ url: SHARED_REDIS_URL, logger });
    await third.start(5000);
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const n of nodes) await n.close();
    for (const b of buses) await b.close();
    await third?.close();
    await db?.destroy();
  });

  it('is counted, crashes nothing, and makes the receiving nodes resync the room', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    // One after the other: node A holds the room before node B joins, so B's join-time sync
    // request is answered at once. (Joined together, B's request could go out before A listened
    // and B would retry it a second later.)
    const a = connectClient(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie });
    clients.push(a);
    await waitSynced(a);
    const b = connectClient(nodes[1]!.wsUrl, roomId, { cookie: mentee.cookie });
    clients.push(b);
    await waitSynced(b);
    a.doc.getArray<string>('agenda').push(['before']);
    await waitFor(() => b.doc.getArray('agenda').length === 1, 'the first edit to reach the other node');
    // B joined A's stream mid-way (A's first message went out before B listened), so B asked A
    // for what it lacked. Until that answer is in, muting B proves nothing: the answer would
    // rightly bring the edit made after muting. Wait until B has had an answer to every request.
    await waitUntilAnswered(nodes[1]!);

    // Node A's edit (and whatever else A sends) never reaches node B: B cannot notice it is behind.
    buses[1]!.muted = true;
    a.doc.getArray<string>('agenda').push(['missed']);
    await new Promise((r) => setTimeout(r, 3000));
    expect(b.doc.getArray('agenda').toJSON()).toEqual(['before']);

    // A third node of a newer version speaks on the room's channel (and the other channels).
    third.publish(roomChannel(roomId), fromTheFuture(MessageType.DocUpdate));
    third.publish(nodesChannel(), fromTheFuture(MessageType.NodeAlive));
    third.publish('menteo:control:revocations', fromTheFuture(MessageType.Revocation));

    // B answers with a state-vector resync; A's reply (a sync reply gets through) brings the missed edit.
    await waitFor(() => b.doc.getArray('agenda').length === 2, 'the resync to bring the missed edit', 10_000);
    expect(b.doc.getArray('agenda').toJSON()).toEqual(['before', 'missed']);
    for (const node of nodes) {
      expect(await unknownVersions(node, 'fanout')).toBe(1);
      expect(await unknownVersions(node, 'nodes')).toBe(1);
      expect(await unknownVersions(node, 'revocations')).toBe(1);
    }

    // Both nodes still serve: a new edit goes through once B's bus is whole again.
    buses[1]!.muted = false;
    b.doc.getArray<string>('agenda').push(['after']);
    await waitFor(() => a.doc.getArray('agenda').length === 3, 'a later edit to cross over');
    const health = await Promise.all(nodes.map((n) => fetch(`${n.url}/healthz`).then((r) => r.status)));
    expect(health).toEqual([200, 200]);
  });
});
