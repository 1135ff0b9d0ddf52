import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { createRoundRobinProxy, type RoundRobinProxy } from '../../scripts/proxy.ts';
import { createTestDb, type TestDb } from '../harness.ts';
import { startNodeProcess, type NodeProcess } from '../process.ts';
import { startRedisInstance, type RedisInstance } from '../redis-instance.ts';
import { connectClient, createTestRoom, cutSocket, isSaved, waitFor, waitSynced, type TestClient } from '../realtime/clients.ts';

/**
 * Issue 4: real node processes on one Postgres and one (test-owned) Redis. The tests run
 * in order on one cluster: the Redis restart and the kill -9 come last.
 */
describe('a cluster of three node processes', () => {
  let redis: RedisInstance;
  let db: TestDb;
  let nodes: NodeProcess[] = [];
  let proxy: RoundRobinProxy;
  let proxyUrl: string;
  const clients: TestClient[] = [];
  const client = (...args: Parameters<typeof connectClient>) => {
    const c = connectClient(...args);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await startRedisInstance();
    db = await createTestDb('postgres');
    const start = (i: number) => startNodeProcess({ databaseUrl: db.url!, redisUrl: redis.url, nodeId: `n${i}`, logLevel: 'info' });
    // Migrations ran in createTestDb, so the nodes may start together.
    nodes = await Promise.all([1, 2, 3].map(start));
    proxy = createRoundRobinProxy(() => nodes.filter((n) => n.isAlive()).map((n) => n.port));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    proxyUrl = `ws://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  }, 180_000);
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.destroy();
    await redis?.destroy();
  }, 60_000);

  const items = (c: TestClient) => c.doc.getArray<string>('agenda').toArray();
  const sameDoc = (a: TestClient, b: TestClient) =>
    Buffer.from(Y.encodeStateVector(a.doc)).equals(Buffer.from(Y.encodeStateVector(b.doc))) &&
    JSON.stringify(items(a)) === JSON.stringify(items(b));

  it('makes concurrent edits of a room’s two members on different nodes converge, and carries awareness across', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(nodes[1]!.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    for (let i = 0; i < 30; i++) {
      a.doc.getArray<string>('agenda').push([`a${i}`]);
      b.doc.getArray<string>('agenda').insert(0, [`b${i}`]);
      a.doc.getText('notes').insert(0, 'x');
      b.doc.getText('notes').insert(0, 'y');
    }
    await waitFor(() => items(a).length === 60 && sameDoc(a, b), 'both members to hold the same 60 items');
    expect(a.doc.getText('notes').toString()).toBe(b.doc.getText('notes').toString());

    // A state's `user` is stamped by the member's node with who is signed in (Room.stampAwareness),
    // so the marker rides in a field of the client's own; the stamp must cross nodes with it.
    a.provider.awareness.setLocalStateField('where', 'Mentor on n1');
    b.provider.awareness.setLocalStateField('where', 'Mentee on n2');
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.where === 'Mentor on n1', 'a’s awareness on b');
    await waitFor(() => a.provider.awareness.getStates().get(b.doc.clientID)?.where === 'Mentee on n2', 'b’s awareness on a');
    expect(b.provider.awareness.getStates().get(a.doc.clientID)?.user?.userId).toBe(mentor.id);
    expect(a.provider.awareness.getStates().get(b.doc.clientID)?.user?.userId).toBe(mentee.id);

    // A third member view on the third node gets both edits and both presences at once.
    const c = client(nodes[2]!.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(c);
    await waitFor(() => sameDoc(a, c), 'the third node to serve the same doc');
    await waitFor(() => c.provider.awareness.getStates().get(b.doc.clientID)?.where === 'Mentee on n2', 'awareness on the third node');
  }, 90_000);

  it('keeps a member’s second tab in view when the tab that relayed it closes on another node, and drops it when it closes itself', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const first = client(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie });
    const partner = client(nodes[2]!.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(first), waitSynced(partner)]);
    first.provider.awareness.setLocalStateField('focus', { kind: 'agenda' });
    await waitFor(() => partner.provider.awareness.getStates().get(first.doc.clientID)?.focus?.kind === 'agenda', 'the first tab at the partner');
    // The second tab's state reaches n1 first, relayed by the first tab (a browser's tabs share
    // awareness over a BroadcastChannel); the second tab itself is on n2.
    const second = client(nodes[1]!.wsUrl, roomId, { cookie: mentor.cookie, connect: false });
    const secondId = second.doc.clientID;
    second.provider.awareness.setLocalStateField('focus', { kind: 'notes' });
    applyAwarenessUpdate(first.provider.awareness, encodeAwarenessUpdate(second.provider.awareness, [secondId]), 'broadcast channel');
    second.provider.connect();
    await waitSynced(second);
    second.provider.awareness.setLocalStateField('cursor', { anchor: 7 });
    await waitFor(() => partner.provider.awareness.getStates().get(secondId)?.cursor?.anchor === 7, 'the second tab’s caret at the partner');
    const removedAtPartner: number[] = [];
    partner.provider.awareness.on('change', ({ removed }: { removed: number[] }) => removedAtPartner.push(...removed));

    // The first tab closes: only its own state goes; the second tab never blinks out.
    cutSocket(first);
    await waitFor(() => removedAtPartner.includes(first.doc.clientID), 'the first tab gone from the partner', 3000);
    await new Promise((r) => setTimeout(r, 500));
    expect(removedAtPartner).not.toContain(secondId);
    expect(partner.provider.awareness.getStates().get(secondId)?.cursor?.anchor).toBe(7);

    // The second tab closes: gone at once, not after the 30 s awareness timeout.
    cutSocket(second);
    await waitFor(() => !partner.provider.awareness.getStates().has(secondId), 'the second tab gone from the partner', 3000);
  });

  it('converges within 2 s after Redis restarts while both members keep editing, with every edit present', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(nodes[1]!.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    const made = { a: 0, b: 0 };
    const notes = (c: TestClient) => c.doc.getText('notes');
    const typing = setInterval(() => {
      a.doc.getArray<string>('agenda').push([`a${made.a++}`]);
      b.doc.getArray<string>('agenda').push([`b${made.b++}`]);
      // Deletions too: they do not show in state vectors, so only a full resync heals them.
      notes(a).insert(0, 'xy');
      notes(a).delete(0, 1);
    }, 25);
    try {
      await waitFor(() => made.a >= 10, 'edits before the outage');
      await redis.stop();
      await new Promise((r) => setTimeout(r, 1500));
      await redis.start();
    } finally {
      clearInterval(typing);
    }
    const backAt = Date.now();
    const expected = made.a + made.b;
    const converged = () => sameDoc(a, b) && items(a).length === expected && notes(b).toString() === 'y'.repeat(made.a);
    await waitFor(converged, 'convergence after the restart', 2000).catch((err: Error) => {
      throw new Error(`${err.message}: a has ${items(a).length}, b has ${items(b).length}, expected ${expected}`);
    });
    expect(Date.now() - backAt).toBeLessThanOrEqual(2000);
    for (let i = 0; i < made.b; i++) expect(items(a)).toContain(`b${i}`);
    for (let i = 0; i < made.a; i++) expect(items(b)).toContain(`a${i}`);
    expect(nodes.every((n) => n.isAlive())).toBe(true);
  }, 90_000);

  it('moves the clients of a node killed with -9 to another node, where they converge with every acked edit', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const before = new Map(proxy.counts);
    const a = client(proxyUrl, roomId, { cookie: mentor.cookie, ack: true });
    await waitSynced(a);
    const aPort = [...proxy.counts].find(([port, n]) => n > (before.get(port) ?? 0))![0];
    const victim = nodes.find((n) => n.port === aPort)!;
    const b = client(nodes.find((n) => n !== victim)!.wsUrl, roomId, { cookie: mentee.cookie, ack: true });
    await waitSynced(b);
    // A second tab of the mentor, pinned to the victim: after the kill it has nowhere to go.
    const ghost = client(victim.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(ghost);
    ghost.provider.awareness.setLocalStateField('user', { name: 'Mentor, second tab' });
    const ghostOnB = () => b.provider.awareness.getStates().has(ghost.doc.clientID);
    await waitFor(ghostOnB, 'the second tab’s presence on b’s node');

    for (let i = 0; i < 40; i++) {
      a.doc.getArray<string>('agenda').push([`a${i}`]);
      b.doc.getArray<string>('agenda').push([`b${i}`]);
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => isSaved(a) && isSaved(b), 'every edit acked');
    const acked = items(a).length;
    expect(acked).toBe(80);
    // Unacked edits in flight at the kill are fine: the client re-sends them on reconnect.
    for (let i = 40; i < 50; i++) a.doc.getArray<string>('agenda').push([`a${i}`]);
    await victim.kill9();
    const killedAt = Date.now();
    // Nothing told b's node that the second tab left; it notices the node went silent.
    await waitFor(() => !ghostOnB(), 'the dead node’s client to leave b’s presence', 15_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000); // y-protocols alone: 30 s

    await waitFor(() => a.provider.wsconnected && a.provider.synced, 'a to reconnect through the balancer', 15_000);
    b.doc.getArray<string>('agenda').push(['b-after']);
    a.doc.getArray<string>('agenda').push(['a-after']);
    await waitFor(() => sameDoc(a, b) && items(a).length === 92, 'a and b to converge after the failover', 10_000).catch((err: Error) => {
      throw new Error(`${err.message}: a has ${items(a).length}, b has ${items(b).length}; a on ${a.provider.wsconnected}`);
    });
    await waitFor(() => isSaved(a) && isSaved(b), 'acks after the failover', 10_000);

    // A fresh member view (loaded from Postgres on a surviving node) has everything acked.
    const c = client(proxyUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(c);
    await waitFor(() => items(c).length === 92, 'a fresh client to see every edit');
    for (let i = 0; i < 50; i++) expect(items(c)).toContain(`a${i}`);
  }, 90_000);
});
