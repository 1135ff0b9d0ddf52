import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { io as connectIo, type Socket } from 'socket.io-client';
import { pino } from 'pino';
import type { ClientToServerEvents, PresenceMember, ServerToClientEvents } from '@menteo/protocol';
import { roomChannel, type Bus } from '../../src/bus/Bus.ts';
import { createBus } from '../../src/bus/create-bus.ts';
import { MemoryBus } from '../../src/bus/MemoryBus.ts';
import { RedisClusterBus } from '../../src/bus/RedisClusterBus.ts';
import { testConfig } from '../../src/config.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { startCuttableLink, startRedisCluster, type CuttableLink, type RedisClusterInstance } from '../redis-cluster-instance.ts';
import { connectClient, createTestRoom, isSaved, waitFor, waitSynced, type TestClient } from '../realtime/clients.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Issue 20: two real nodes (one Postgres) on a real Redis Cluster (3 masters + 3 replicas),
 * rooms on sharded pub/sub, socket.io on the sharded adapter. Node A is configured as
 * production does (createBus from REDIS_CLUSTER_NODES); node B reaches every Redis node
 * through a link the test can cut. The tests share the cluster and run in order: the
 * partition of B, then a master killed mid-editing, last.
 */
describe('two nodes on a Redis Cluster (sharded pub/sub)', () => {
  let cluster: RedisClusterInstance;
  let db: TestDb;
  let busA: Bus;
  let busB: RedisClusterBus;
  const links = new Map<number, CuttableLink>();
  const nodes: TestServer[] = [];
  const clients: TestClient[] = [];
  const sockets: ClientSocket[] = [];
  const client = (...args: Parameters<typeof connectClient>) => {
    const c = connectClient(...args);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
    db = await createTestDb('postgres');
    const config = testConfig({ redisClusterNodes: cluster.seeds });
    busA = await createBus(config, logger);
    for (const { port } of cluster.seeds) links.set(port, await startCuttableLink(port));
    const via = (port: number) => ({ host: '127.0.0.1', port: links.get(port)!.port });
    busB = new RedisClusterBus({
      nodes: cluster.seeds.map((s) => via(s.port)),
      nodeAddressMap: (address) => via(Number(address.split(':').at(-1))),
      logger,
      maxReconnectDelayMs: 100,
    });
    if (!(await busB.start(10_000))) throw new Error('node B’s bus did not connect');
    nodes.push(await startTestServer({ db: db.handle, bus: busA, config: { ...config, nodeId: 'rc-a' } }));
    nodes.push(await startTestServer({ db: db.handle, bus: busB, config: { ...config, nodeId: 'rc-b' } }));
  }, 90_000);
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await Promise.all([busA?.close(), busB?.close()]);
    for (const l of links.values()) await l.close();
    await db?.destroy();
    await cluster?.destroy();
  }, 60_000);

  const items = (c: TestClient) => c.doc.getArray<string>('agenda').toArray();
  const sameDoc = (a: TestClient, b: TestClient) =>
    Buffer.from(Y.encodeStateVector(a.doc)).equals(Buffer.from(Y.encodeStateVector(b.doc))) &&
    JSON.stringify(items(a)) === JSON.stringify(items(b)) &&
    a.doc.getText('notes').toString() === b.doc.getText('notes').toString();
  const calls = async (port: number, command: string) =>
    Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await cluster.cli(port, 'info', 'commandstats'))?.[1] ?? 0);
  const metric = async (node: TestServer, name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(await (await fetch(`${node.url}/metrics`)).text())?.[1] ?? 0);
  /** Both members edit (inserts and deletions) every 20 ms until stopped; returns how many edits each made. */
  const typing = (a: TestClient, b: TestClient) => {
    const made = { a: 0, b: 0 };
    const timer = setInterval(() => {
      a.doc.getArray<string>('agenda').push([`a${made.a++}`]);
      b.doc.getArray<string>('agenda').push([`b${made.b++}`]);
      a.doc.getText('notes').insert(0, 'xy');
      a.doc.getText('notes').delete(0, 1);
    }, 20);
    return { made, stop: () => clearInterval(timer) };
  };

  it('uses the cluster bus from REDIS_CLUSTER_NODES', () => {
    expect(busA).toBeInstanceOf(RedisClusterBus);
    expect(busA).not.toBeInstanceOf(MemoryBus);
  });

  it('makes edits of members on different nodes converge through the room’s shard (SPUBLISH, no PUBLISH), and shows presence across nodes', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const owner = await cluster.masterOf(roomChannel(roomId));
    const masters = await cluster.masters();
    const before = await Promise.all(masters.map(async (p) => [await calls(p, 'spublish'), await calls(p, 'publish')]));
    const a = client(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(nodes[1]!.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    for (let i = 0; i < 30; i++) {
      a.doc.getArray<string>('agenda').push([`a${i}`]);
      b.doc.getArray<string>('agenda').insert(0, [`b${i}`]);
      a.doc.getText('notes').insert(0, 'x');
    }
    await waitFor(() => items(a).length === 60 && sameDoc(a, b), 'both members to hold the same 60 items');
    const after = await Promise.all(masters.map(async (p) => [await calls(p, 'spublish'), await calls(p, 'publish')]));
    masters.forEach((port, i) => {
      const spublish = after[i]![0]! - before[i]![0]!;
      if (port === owner) expect(spublish).toBeGreaterThanOrEqual(30);
      expect(after[i]![1]! - before[i]![1]!).toBe(0); // classic PUBLISH is broadcast to every cluster node
    });

    // Presence rides the sharded socket.io adapter (fetchSockets across both nodes).
    const sio = (url: string, cookie: string) => {
      const socket: ClientSocket = connectIo(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
      sockets.push(socket);
      const rosters: PresenceMember[][] = [];
      socket.on('presence:roster', (r) => rosters.push(r.members));
      return { socket, last: () => rosters.at(-1) ?? [] };
    };
    const [pa, pb] = [sio(nodes[0]!.url, mentor.cookie), sio(nodes[1]!.url, mentee.cookie)];
    expect(await pa.socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
    expect(await pb.socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
    await waitFor(() => pa.last().length === 2 && pb.last().length === 2, 'both rosters to list both members');
    pb.socket.disconnect();
    await waitFor(() => pa.last().length === 1, 'the mentee to leave the mentor’s roster');
  }, 60_000);

  it('resyncs a node’s rooms when it reaches the cluster again after being cut off, both ways', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    const b = client(nodes[1]!.wsUrl, roomId, { cookie: mentee.cookie, ack: true });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getArray<string>('agenda').push(['before']);
    await waitFor(() => items(b).includes('before'), 'an edit across before the cut');
    const resyncsBefore = await metric(nodes[1]!, 'menteo_bus_resyncs_total');

    for (const l of links.values()) l.cut();
    await waitFor(() => !busB.isReady(), 'node B to notice it is cut off');
    for (let i = 0; i < 10; i++) {
      a.doc.getArray<string>('agenda').push([`a-cut${i}`]);
      b.doc.getArray<string>('agenda').push([`b-cut${i}`]);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Both go on locally and to Postgres (acked), but nothing crosses while B is cut off.
    await waitFor(() => isSaved(a) && isSaved(b), 'acks while cut off');
    await new Promise((r) => setTimeout(r, 300));
    expect(items(a).some((x) => x.startsWith('b-cut'))).toBe(false);
    expect(items(b).some((x) => x.startsWith('a-cut'))).toBe(false);

    for (const l of links.values()) l.heal();
    const healedAt = Date.now();
    await waitFor(() => busB.isReady(), 'node B back on the cluster', 10_000);
    await waitFor(() => sameDoc(a, b) && items(a).length === 21, 'convergence after the partition', 5000);
    expect(Date.now() - healedAt).toBeLessThan(5000);
    expect(await metric(nodes[1]!, 'menteo_bus_resyncs_total')).toBeGreaterThan(resyncsBefore);
    expect(busB.stats().reconnects).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('loses no acked edit when the master of the room’s shard is killed mid-editing, and both nodes converge after the replica’s promotion', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    const b = client(nodes[1]!.wsUrl, roomId, { cookie: mentee.cookie, ack: true });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    const victim = await cluster.masterOf(roomChannel(roomId));
    const edits = typing(a, b);
    let settledAt: number;
    try {
      await waitFor(() => edits.made.a >= 20 && items(b).includes('a19'), 'edits across before the kill');
      await cluster.kill(victim);
      await waitFor(() => !busA.isReady() && !busB.isReady(), 'both nodes to notice the dead master', 10_000);
      await waitFor(() => busA.isReady() && busB.isReady(), 'both buses back after the replica’s promotion', 20_000);
      settledAt = Date.now();
      await new Promise((r) => setTimeout(r, 300)); // and a little editing after it
    } finally {
      edits.stop();
    }
    expect(await cluster.masterOf(roomChannel(roomId))).not.toBe(victim);
    const expected = edits.made.a + edits.made.b;
    await waitFor(() => sameDoc(a, b) && items(a).length === expected, 'both nodes to converge after the failover', 5000).catch((err: Error) => {
      throw new Error(`${err.message}: a has ${items(a).length}, b has ${items(b).length}, expected ${expected}`);
    });
    expect(Date.now() - settledAt).toBeLessThan(5000);
    expect(a.doc.getText('notes').toString()).toBe('y'.repeat(edits.made.a));
    await waitFor(() => isSaved(a) && isSaved(b), 'every edit acked');

    // Every acked edit is in Postgres: a node that loads the room afresh (no bus) holds them all.
    const fresh = await startTestServer({ db: db.handle, bus: new MemoryBus(), config: { nodeId: 'rc-fresh' } });
    try {
      const c = client(fresh.wsUrl, roomId, { cookie: mentor.cookie });
      await waitSynced(c);
      await waitFor(() => items(c).length === expected, 'a fresh load from Postgres to hold every edit');
      for (let i = 0; i < edits.made.a; i++) expect(items(c)).toContain(`a${i}`);
      for (let i = 0; i < edits.made.b; i++) expect(items(c)).toContain(`b${i}`);
    } finally {
      await fresh.close();
    }
  }, 60_000);
});
