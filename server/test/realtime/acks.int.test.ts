import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadRoomState } from '@menteo/db';
import { docFromStored } from '@menteo/room-doc';
import { MemoryBus, MemoryBusHub } from '../../src/bus/MemoryBus.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, isSaved, waitFor, waitForAsync, waitSynced, type TestClient } from './clients.ts';

describe.each(BACKENDS)('saved acks on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  const clients: TestClient[] = [];
  const client = (...args: Parameters<typeof connectClient>) => {
    const c = connectClient(...args);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  /** What a fresh load from Postgres would contain right now. */
  async function stored(roomId: string): Promise<Y.Doc> {
    const { checkpoint, updates } = await loadRoomState(db.handle.db, roomId);
    return docFromStored(checkpoint ? [checkpoint, ...updates] : updates).doc;
  }

  it('acks an ?ack=1 client with a state vector that covers its edits only once they are in Postgres', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    await waitSynced(a);
    await waitFor(() => a.ackFrames > 0, 'the greeting ack');
    for (let i = 0; i < 30; i++) {
      a.doc.getArray<number>('actions').push([i]);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    // Each time the server says "saved", Postgres must already hold everything it covers.
    const ownClock = () => a.acked.get(a.doc.clientID) ?? 0;
    while (!isSaved(a)) {
      const clock = ownClock();
      if (clock > 0) {
        const doc = await stored(roomId);
        expect(Y.decodeStateVector(Y.encodeStateVector(doc)).get(a.doc.clientID) ?? 0).toBeGreaterThanOrEqual(clock);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const doc = await stored(roomId);
    expect(doc.getArray('actions').toJSON()).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('never sends type 100 to a stock client, even while an ack client in the same room gets acks', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const acking = client(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    const stock = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(acking), waitSynced(stock)]);
    for (let i = 0; i < 10; i++) {
      acking.doc.getText('notes').insert(0, 'a');
      stock.doc.getText('notes').insert(0, 's');
    }
    await waitFor(() => isSaved(acking), 'the ack client is saved');
    // The stock client's edits are committed all the same; it just is never told.
    await waitForAsync(
      async () => (await stored(roomId)).getText('notes').toString().split('s').length - 1 === 10,
      "the stock client's edits committed",
    );
    expect(stock.ackFrames).toBe(0);
    expect(acking.doc.getText('notes').toString()).toBe(stock.doc.getText('notes').toString());
  });

  it("acks only the author of a commit: a member who only receives edits is not sent acks for them", async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const writer = client(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    const reader = client(server.wsUrl, roomId, { cookie: mentee.cookie, ack: true });
    await Promise.all([waitSynced(writer), waitSynced(reader)]);
    await waitFor(() => reader.ackFrames > 0 && writer.ackFrames > 0, 'the greeting acks');
    const readerAcks = reader.ackFrames;
    for (let i = 0; i < 10; i++) writer.doc.getText('notes').insert(0, 'w');
    await waitFor(() => isSaved(writer), 'the writer is saved');
    await waitFor(() => reader.doc.getText('notes').toString() === 'w'.repeat(10), 'the reader has the edits');
    await new Promise((r) => setTimeout(r, 100));
    expect(reader.ackFrames).toBe(readerAcks);
  });

  it('acks an edit that only deletes, once the deletion is in Postgres', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    await waitSynced(a);
    a.doc.getText('notes').insert(0, 'keep this, drop that');
    await waitFor(() => isSaved(a), 'the insert is saved');
    const before = a.ackFrames;
    // A delete-only update does not move the state vector, so only an ack frame can say it is saved.
    a.doc.getText('notes').delete(9, 11);
    await waitFor(() => a.ackFrames > before, 'an ack after the deletion');
    expect((await stored(roomId)).getText('notes').toString()).toBe('keep this');
  });

  it('acks what a reconnecting client made offline once it is committed', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    await waitSynced(a);
    a.doc.getMap('agreement').set('before', true);
    await waitFor(() => isSaved(a), 'saved before');
    a.provider.disconnect();
    a.doc.getMap('agreement').set('offline', true);
    expect(isSaved(a)).toBe(false);
    a.provider.connect();
    await waitFor(() => isSaved(a), 'saved after reconnect');
    expect((await stored(roomId)).getMap('agreement').toJSON()).toEqual({ before: true, offline: true });
  });

  it('tells a client that joins a room with history what is already saved', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    await waitSynced(a);
    a.doc.getText('notes').insert(0, 'hello');
    await waitFor(() => isSaved(a), 'saved');
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie, ack: true });
    await waitSynced(b);
    await waitFor(() => (b.acked.get(a.doc.clientID) ?? 0) >= 5, "b's first ack covers a's edit");
  });
});

describe.each(BACKENDS)('saved acks across two nodes on %s', (backend) => {
  let db: TestDb;
  let a: TestServer;
  let b: TestServer;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    db = await createTestDb(backend);
    const hub = new MemoryBusHub();
    // A compaction would ack everything anyway; the threshold keeps it out of the way.
    const config = { log: { commitWindowMs: 5, compactAfterUpdates: 100_000, roomIdleMs: 60_000 } };
    a = await startTestServer({ db: db.handle, bus: new MemoryBus(hub), config });
    b = await startTestServer({ db: db.handle, bus: new MemoryBus(hub), config });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.destroy();
  });

  it('acks a client that moved to another node, which only heard of its earlier edits over the bus', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    // The mentee keeps the room loaded on B from the start, so B learns the mentor's first
    // edits only over the bus, never from its own log or a load.
    const watcher = connectClient(b.wsUrl, roomId, { cookie: mentee.cookie, ack: true });
    clients.push(watcher);
    await waitSynced(watcher);
    const doc = new Y.Doc();
    const onA = connectClient(a.wsUrl, roomId, { cookie: mentor.cookie, ack: true, doc });
    clients.push(onA);
    await waitSynced(onA);
    doc.getText('notes').insert(0, 'written on A. ');
    await waitFor(() => isSaved(onA), 'saved on A');
    await waitFor(() => watcher.doc.getText('notes').toString() === 'written on A. ', 'B has it over the bus');
    onA.provider.destroy();

    // The same client (same doc, same clientID) reconnects to B and goes on typing.
    const onB = connectClient(b.wsUrl, roomId, { cookie: mentor.cookie, ack: true, doc });
    clients.push(onB);
    await waitSynced(onB);
    doc.getText('notes').insert(doc.getText('notes').length, 'Then on B.');
    await waitFor(() => isSaved(onB), 'saved on B', 3000);
    const stored = await loadRoomState(db.handle.db, roomId);
    const check = new Y.Doc();
    for (const part of [...(stored.checkpoint ? [stored.checkpoint] : []), ...stored.updates]) Y.applyUpdate(check, part);
    expect(check.getText('notes').toString()).toBe('written on A. Then on B.');
  });
});
