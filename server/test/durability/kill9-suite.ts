import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createTestDatabase } from '../postgres.ts';
import { startNodeProcess, type NodeProcess } from '../process.ts';
import { provisionRoom, type ProvisionedRoom } from '../provision.ts';
import { SyncClient, waitFor } from '../sync-client.ts';

/**
 * Issue 3 item 4: an edit the server acked (type 100 covers its clock) survives kill -9.
 * A real server process on real Postgres; two members stream agenda items with ?ack=1;
 * the node is killed with SIGKILL mid-stream; a new node on the same database must
 * serve every acked edit to a fresh client.
 */

interface Writer {
  client: SyncClient;
  /** clockAfter[i] = the writer's Yjs clock once edit i was made. */
  clockAfter: number[];
  label: string;
}

function addItem(w: Writer): void {
  const seq = w.clockAfter.length;
  const clock = w.client.edit((doc) => {
    const item = new Y.Map<unknown>();
    item.set('id', `${w.label}-${seq}`);
    item.set('text', `${w.label} edit ${seq}`);
    item.set('addedBy', w.label);
    item.set('discussed', false);
    doc.getArray('agenda').push([item]);
  });
  w.clockAfter.push(clock);
}

/** Pushes one agenda item per tick until the socket closes; returns a stop function. */
function stream(w: Writer, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (w.client.isOpen) addItem(w);
  }, everyMs);
  return () => clearInterval(timer);
}

/** The writers stream far faster than a person types; this test is about durability, not the rate limit. */
const STREAM_ENV = { MAX_UPDATES_PER_SECOND: '10000' };

const ackedCount = (w: Writer): number => {
  const saved = w.client.savedSv.get(w.client.doc.clientID) ?? 0;
  return w.clockAfter.filter((c) => c <= saved).length;
};

/** Where the node keeps its data: a fresh Postgres database, or the embedded PGlite in a temp dir (the default deployment). */
interface Store {
  env: { databaseUrl: string | null; dataDir?: string };
  destroy(): Promise<void>;
}

async function createStore(backend: 'postgres' | 'pglite'): Promise<Store> {
  if (backend === 'postgres') {
    const pg = await createTestDatabase();
    return { env: { databaseUrl: pg.url }, destroy: () => pg.drop() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-kill9-'));
  return { env: { databaseUrl: null, dataDir: dir }, destroy: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The kill -9 suite against one backend; each backend has its own test file so they run in parallel. */
export function kill9Suite(backend: 'postgres' | 'pglite'): void {
  describe(`a node on ${backend} killed with -9 mid-stream`, () => {
    let store: Store;
    const nodes: NodeProcess[] = [];
    const clients: SyncClient[] = [];
    let roomOfTest: ProvisionedRoom | null = null;
    let writersOfTest: Writer[] = [];

    beforeAll(async () => {
      store = await createStore(backend);
    });
    afterAll(async () => {
      for (const c of clients) c.terminate();
      for (const n of nodes) await n.kill9();
      await store?.destroy();
    });

    it('loses none of the edits it acked: a restarted node serves every one of them', async () => {
      const first = await startNodeProcess({ ...store.env, nodeId: `kill9-${backend}-a`, env: STREAM_ENV });
      nodes.push(first);
      const room: ProvisionedRoom = await provisionRoom(first.url, store.env.databaseUrl);

      const writers: Writer[] = (['mentor', 'mentee'] as const).map((role) => {
        const client = new SyncClient({ wsUrl: first.wsUrl, roomId: room.roomId, ack: true, cookie: room[role].session });
        clients.push(client);
        return { client, clockAfter: [], label: role };
      });
      await Promise.all(writers.map((w) => w.client.synced));
      roomOfTest = room;
      writersOfTest = writers;

      const stops = writers.map((w) => stream(w, 3));
      // Let both writers get a few hundred edits acked, then kill while they keep sending.
      await waitFor(() => writers.every((w) => ackedCount(w) >= 150), 'both writers to have 150 acked edits', 30_000);
      // A last burst right before the signal guarantees edits in flight, however the scheduler treated the stream.
      for (const w of writers) for (let i = 0; i < 20; i++) addItem(w);
      await first.kill9();
      for (const stop of stops) stop();
      await Promise.all(writers.map((w) => w.client.closed));

      const acked = writers.map(ackedCount);
      const sent = writers.map((w) => w.clockAfter.length);
      // The premise of the test: the kill happened mid-stream, with edits in flight.
      expect(sent.reduce((a, b) => a + b)).toBeGreaterThan(acked.reduce((a, b) => a + b));

      const second = await startNodeProcess({ ...store.env, nodeId: `kill9-${backend}-b`, env: STREAM_ENV });
      nodes.push(second);
      const reader = new SyncClient({ wsUrl: second.wsUrl, roomId: room.roomId, cookie: room.mentee.session });
      clients.push(reader);
      await reader.synced;

      const ids = new Set(
        reader.doc
          .getArray<Y.Map<unknown>>('agenda')
          .toArray()
          .map((m) => m.get('id')),
      );
      for (const [wi, w] of writers.entries()) {
        const missing: number[] = [];
        for (let seq = 0; seq < acked[wi]!; seq++) if (!ids.has(`${w.label}-${seq}`)) missing.push(seq);
        expect(missing, `${w.label}: acked edits missing after restart`).toEqual([]);
      }
      // Recorded for the report: how much was acked, and how much beyond the acks also made it.
      console.info(
        `kill -9 on ${backend}: sent ${sent.join('+')}, acked ${acked.join('+')}, present after restart ${ids.size} (provisioned via ${room.via})`,
      );
      expect(ids.size).toBeGreaterThanOrEqual(acked.reduce((a, b) => a + b));
    }, 120_000);
    it('gets the unacked edits back too once their still-running clients reconnect', async () => {
      // Continues from the previous test's state: the writers' docs still hold everything they sent.
      const node = nodes.at(-1)!;
      expect(node.isAlive()).toBe(true);
      const room = roomOfTest!;
      const rejoined = writersOfTest.map(
        (w) => new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, ack: true, cookie: room[w.label as 'mentor' | 'mentee'].session, doc: w.client.doc }),
      );
      clients.push(...rejoined);
      await Promise.all(rejoined.map((c) => c.synced));
      await waitFor(
        () => rejoined.every((c, i) => c.isSaved(writersOfTest[i]!.clockAfter.at(-1)!)),
        'the reconnected writers to be acked for everything they ever sent',
        30_000,
      );
      const reader = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, cookie: room.mentee.session });
      clients.push(reader);
      await reader.synced;
      const ids = new Set(
        reader.doc
          .getArray<Y.Map<unknown>>('agenda')
          .toArray()
          .map((m) => m.get('id')),
      );
      const expected = writersOfTest.flatMap((w) => w.clockAfter.map((_, seq) => `${w.label}-${seq}`));
      expect(expected.filter((id) => !ids.has(id))).toEqual([]);
    }, 60_000);
  });
}
