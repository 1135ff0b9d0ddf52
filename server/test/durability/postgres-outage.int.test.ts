import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import * as Y from 'yjs';
import { createPgInstance, type PgInstance } from '../pg-instance.ts';
import { startNodeProcess, type NodeProcess } from '../process.ts';
import { provisionRoom, type ProvisionedRoom } from '../provision.ts';
import { SyncClient, waitFor } from '../sync-client.ts';

/**
 * Issue 3 item 7: Postgres goes away under a live room. Editing continues between the
 * members, acks stop, /readyz says the database check fails; when Postgres returns the
 * queue drains in order, acks cover everything, and a restarted node shows every edit.
 * The server runs on a Postgres instance this test owns, so it may stop it.
 */

/** The test's writers send bursts; this file is about the database going away, not the rate limit. */
const BURSTS = { MAX_UPDATES_PER_SECOND: '10000' };

const agendaIds = (doc: Y.Doc): Set<string> =>
  new Set(
    doc
      .getArray<Y.Map<unknown>>('agenda')
      .toArray()
      .map((m) => String(m.get('id'))),
  );

function addItems(client: SyncClient, label: string, from: number, count: number): number {
  let clock = 0;
  for (let seq = from; seq < from + count; seq++) {
    clock = client.edit((doc) => {
      const item = new Y.Map<unknown>();
      item.set('id', `${label}-${seq}`);
      item.set('text', `${label} edit ${seq}`);
      item.set('addedBy', label);
      item.set('discussed', false);
      doc.getArray('agenda').push([item]);
    });
  }
  return clock;
}

const idsFor = (label: string, from: number, count: number) => Array.from({ length: count }, (_, i) => `${label}-${from + i}`);
const hasAll = (doc: Y.Doc, ids: string[]) => {
  const present = agendaIds(doc);
  return ids.every((id) => present.has(id));
};

async function readyz(url: string): Promise<{ status: number; body: { ok: boolean; checks: Record<string, boolean> } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; checks: Record<string, boolean> } };
}

describe('a node whose Postgres goes away and comes back', () => {
  let pg: PgInstance;
  const nodes: NodeProcess[] = [];
  const clients: SyncClient[] = [];

  beforeAll(async () => {
    pg = await createPgInstance();
  }, 90_000);
  afterAll(async () => {
    for (const c of clients) c.terminate();
    for (const n of nodes) await n.kill9();
    await pg?.destroy();
  });

  it('keeps live editing going, stops acks and reports it, then drains in order and loses nothing', async () => {
    // A high compaction threshold keeps every row in room_updates, so the order check below sees the raw log.
    const env = { COMPACT_AFTER_UPDATES: '10000000', ROOM_IDLE_MS: '600000', ...BURSTS };
    const node = await startNodeProcess({ databaseUrl: pg.url, nodeId: 'outage-a', env });
    nodes.push(node);
    const room: ProvisionedRoom = await provisionRoom(node.url, pg.url);
    const a = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, ack: true, cookie: room.mentor.session });
    const b = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, ack: true, cookie: room.mentee.session });
    clients.push(a, b);
    await Promise.all([a.synced, b.synced]);

    // Before the outage: edits cross and get acked.
    let aClock = addItems(a, 'a', 0, 20);
    let bClock = addItems(b, 'b', 0, 20);
    await waitFor(() => a.isSaved(aClock) && b.isSaved(bClock), 'acks before the outage');
    await waitFor(() => hasAll(b.doc, idsFor('a', 0, 20)) && hasAll(a.doc, idsFor('b', 0, 20)), 'edits to cross');

    await pg.stop('fast');

    // During the outage: the members still see each other's edits live, but nothing is acked.
    const savedBefore = [a.savedSv.get(a.doc.clientID), b.savedSv.get(b.doc.clientID)];
    aClock = addItems(a, 'a', 20, 50);
    bClock = addItems(b, 'b', 20, 50);
    await waitFor(() => hasAll(b.doc, idsFor('a', 20, 50)) && hasAll(a.doc, idsFor('b', 20, 50)), 'live edits during the outage');
    let ready = await readyz(node.url);
    const deadline = Date.now() + 15_000;
    while (ready.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await readyz(node.url);
    }
    expect(ready.status).toBe(503);
    expect(ready.body.ok).toBe(false);
    expect(ready.body.checks.database).toBe(false);
    // Give a would-be commit plenty of time: an ack now would claim a save that cannot have happened.
    await new Promise((r) => setTimeout(r, 1000));
    expect(a.isSaved(aClock)).toBe(false);
    expect(b.isSaved(bClock)).toBe(false);
    expect([a.savedSv.get(a.doc.clientID), b.savedSv.get(b.doc.clientID)]).toEqual(savedBefore);
    expect(node.isAlive()).toBe(true);

    // More edits while still down, then Postgres returns.
    aClock = addItems(a, 'a', 70, 30);
    bClock = addItems(b, 'b', 70, 30);
    await pg.start();
    await waitFor(() => a.isSaved(aClock) && b.isSaved(bClock), 'acks to resume and cover every edit', 30_000);
    await waitFor(() => hasAll(b.doc, idsFor('a', 0, 100)) && hasAll(a.doc, idsFor('b', 0, 100)), 'both docs complete');
    let readyAgain = await readyz(node.url);
    for (let i = 0; i < 50 && readyAgain.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      readyAgain = await readyz(node.url);
    }
    expect(readyAgain.status).toBe(200);

    // The log drained in order: within the rows, each writer's clock ranges only ever move forward.
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ data: Uint8Array }[]>`select data from room_updates where room_id = ${room.roomId} order by id`;
      expect(rows.length).toBeGreaterThan(0);
      for (const clientId of [a.doc.clientID, b.doc.clientID]) {
        let high = 0;
        for (const row of rows) {
          const meta = Y.parseUpdateMeta(new Uint8Array(row.data));
          const from = meta.from.get(clientId);
          const to = meta.to.get(clientId);
          if (from === undefined || to === undefined) continue;
          expect(from, `client ${clientId}: a row starts before an earlier row ended`).toBeGreaterThanOrEqual(high);
          high = to;
        }
        expect(high).toBe(clientId === a.doc.clientID ? aClock : bClock);
      }
    } finally {
      await sql.end();
    }

    // A restart shows every edit.
    await node.stop();
    const again = await startNodeProcess({ databaseUrl: pg.url, nodeId: 'outage-b', env });
    nodes.push(again);
    const reader = new SyncClient({ wsUrl: again.wsUrl, roomId: room.roomId, cookie: room.mentee.session });
    clients.push(reader);
    await reader.synced;
    const present = agendaIds(reader.doc);
    const expected = [...idsFor('a', 0, 100), ...idsFor('b', 0, 100)];
    expect(expected.filter((id) => !present.has(id))).toEqual([]);
  }, 120_000);
  it('bounds the queue while Postgres is down: an overloading writer gets 1013, and its edits all land after it reconnects', async () => {
    const maxPending = 100;
    const node = await startNodeProcess({
      databaseUrl: pg.url,
      nodeId: 'outage-bound',
      env: { MAX_PENDING_UPDATES: String(maxPending), COMPACT_AFTER_UPDATES: '10000000', ...BURSTS },
    });
    nodes.push(node);
    const room: ProvisionedRoom = await provisionRoom(node.url, pg.url);
    const a = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, ack: true, cookie: room.mentor.session });
    const b = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, cookie: room.mentee.session });
    clients.push(a, b);
    await Promise.all([a.synced, b.synced]);

    await pg.stop('fast');
    // Well past twice the bound, paced under the rate limit; the node must cut the writer off on the way.
    let made = 0;
    let clock = 0;
    while (a.isOpen && made < maxPending * 4) {
      clock = addItems(a, 'a', made, 1);
      made++;
      if (made % 20 === 0) await new Promise((r) => setTimeout(r, 250));
    }
    const closed = await Promise.race([a.closed, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    expect(closed?.code).toBe(1013);
    expect(made).toBeLessThan(maxPending * 4);
    expect(b.closeInfo).toBeNull();
    expect(node.isAlive()).toBe(true);
    // A newcomer is not let in while the node cannot save (nor authenticate) anything.
    const c = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, cookie: room.mentee.session });
    clients.push(c);
    expect((await c.closed).code).toBe(1013);

    await pg.start();
    let ready = await readyz(node.url);
    for (let i = 0; i < 100 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await readyz(node.url);
    }
    expect(ready.status).toBe(200);
    // The same client (same doc) reconnects: y-websocket sync re-sends what the node did not take.
    const again = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, ack: true, cookie: room.mentor.session, doc: a.doc });
    clients.push(again);
    await again.synced;
    await waitFor(() => again.isSaved(clock), 'every edit of the cut-off writer to be acked', 30_000);

    const reader = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, cookie: room.mentee.session });
    clients.push(reader);
    await reader.synced;
    const present = agendaIds(reader.doc);
    expect(idsFor('a', 0, made).filter((id) => !present.has(id))).toEqual([]);
  }, 120_000);
});
