import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { appendRoomUpdates, compactRoomLog, countRoomUpdates, loadRoomState } from '@menteo/db';
import { docFromStored } from '@menteo/room-doc';
import { createRoomStore } from '../../src/persistence/room-store.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, waitFor, waitForAsync, waitSynced, type TestClient } from './clients.ts';

describe.each(BACKENDS)('checkpoints and compaction on %s', (backend) => {
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
    server = await startTestServer({ db: db.handle, config: { log: { commitWindowMs: 5, compactAfterUpdates: 10, roomIdleMs: 100 } } });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  async function stored(roomId: string): Promise<Y.Doc> {
    const { checkpoint, updates } = await loadRoomState(db.handle.db, roomId);
    return docFromStored(checkpoint ? [checkpoint, ...updates] : updates).doc;
  }

  it('folds a long log tail into a checkpoint while the room is open, keeping every edit', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(a);
    for (let i = 0; i < 60; i++) {
      a.doc.getArray<number>('actions').push([i]);
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => server.app.realtime.registry.peek(roomId)?.doc.getArray('actions').length === 60, 'server has all');
    const expected = Array.from({ length: 60 }, (_, i) => i);
    await waitForAsync(async () => (await loadRoomState(db.handle.db, roomId)).checkpoint !== null, 'a checkpoint');
    await waitForAsync(async () => (await countRoomUpdates(db.handle.db, roomId)) < 60, 'rows folded');
    // The last edits may still be in the commit window; they must all arrive.
    await waitForAsync(async () => (await stored(roomId)).getArray('actions').length === 60, 'all 60 stored');
    expect((await stored(roomId)).getArray('actions').toJSON()).toEqual(expected);
  });

  it('compacts a room when it goes idle and unloads it; reopening shows everything', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(a);
    for (let i = 0; i < 5; i++) a.doc.getText('notes').insert(i, String(i));
    await waitFor(() => server.app.realtime.registry.peek(roomId)?.doc.getText('notes').toString() === '01234', 'server has it');
    a.destroy();
    await waitFor(() => server.app.realtime.registry.peek(roomId) === undefined, 'room unloaded');
    expect(await countRoomUpdates(db.handle.db, roomId)).toBe(0);
    expect((await stored(roomId)).getText('notes').toString()).toBe('01234');
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await waitSynced(b);
    expect(b.doc.getText('notes').toString()).toBe('01234');
  });

  it('keeps a log row that commits while a compaction of the same doc runs', async () => {
    const roomId = `compaction-race-${backend}-${Date.now()}`;
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 20; i++) source.getArray<number>('a').push([i]);
    await appendRoomUpdates(db.handle.db, updates.slice(0, 10).map((data) => ({ roomId, data, authorId: null })));
    let concurrent: Promise<void> | null = null;
    const result = await compactRoomLog(db.handle.db, roomId, Y.encodeStateAsUpdate(new Y.Doc()), (checkpoint, rows) => {
      // Another node commits rows 10..19 while this transaction holds its snapshot of the log.
      concurrent = appendRoomUpdates(db.handle.db, updates.slice(10).map((data) => ({ roomId, data, authorId: null })));
      return Y.mergeUpdates(checkpoint ? [checkpoint, ...rows] : rows);
    });
    await concurrent;
    expect(result.folded).toBe(10);
    expect((await stored(roomId)).getArray('a').toJSON()).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // A second compaction folds the late rows too.
    const store = createRoomStore(db.handle.db);
    await store.compact(roomId, Y.encodeStateAsUpdate(new Y.Doc()));
    expect(await countRoomUpdates(db.handle.db, roomId)).toBe(0);
    expect((await stored(roomId)).getArray('a').toJSON()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('loses no edit while a writer streams through repeated compactions', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    for (let i = 0; i < 150; i++) {
      (i % 2 ? a : b).doc.getArray<number>('actions').push([i]);
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    await waitFor(() => server.app.realtime.registry.peek(roomId)?.doc.getArray('actions').length === 150, 'server has all');
    a.destroy();
    b.destroy();
    await waitFor(() => server.app.realtime.registry.peek(roomId) === undefined, 'room unloaded');
    const doc = await stored(roomId);
    expect(doc.getArray<number>('actions').toArray().sort((x, y) => x - y)).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('opens a room with 10,000 logged updates with all its content, then folds the tail', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 10_000; i++) source.getText('notes').insert(i, String(i % 10));
    for (let i = 0; i < updates.length; i += 2000) {
      await appendRoomUpdates(db.handle.db, updates.slice(i, i + 2000).map((data) => ({ roomId, data, authorId: null })));
    }
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(a);
    expect(a.doc.getText('notes').toString()).toBe(source.getText('notes').toString());
    // The tail is past compactAfterUpdates, so the load folds it for the next opener.
    await waitForAsync(async () => (await countRoomUpdates(db.handle.db, roomId)) === 0, 'the tail folded', 30_000);
    expect((await stored(roomId)).getText('notes').toString()).toBe(source.getText('notes').toString());
  });
});
