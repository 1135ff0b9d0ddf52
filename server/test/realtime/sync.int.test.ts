import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { countRoomUpdates, loadRoomState } from '@menteo/db';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { CloseCode } from '@menteo/protocol';
import { connectClient, createTestRoom, cutSocket, isSaved, waitFor, waitSynced, type TestClient } from './clients.ts';

describe.each(BACKENDS)('live co-editing on %s', (backend) => {
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
    server = await startTestServer({ db: db.handle, config: {} });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('two clients converge after concurrent edits', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    for (let i = 0; i < 20; i++) {
      a.doc.getArray<string>('agenda').push([`a${i}`]);
      b.doc.getArray<string>('agenda').push([`b${i}`]);
      a.doc.getText('t').insert(0, 'x');
      b.doc.getText('t').insert(0, 'y');
    }
    await waitFor(() => a.doc.getArray('agenda').length === 40 && b.doc.getArray('agenda').length === 40, 'both see 40 items');
    await waitFor(() => a.doc.getText('t').toString() === b.doc.getText('t').toString() && a.doc.getText('t').length === 40, 'texts equal');
    expect(a.doc.getArray('agenda').toJSON()).toEqual(b.doc.getArray('agenda').toJSON());
  });

  it('merges edits made while disconnected when the client reconnects', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    b.provider.disconnect();
    b.doc.getMap('agreement').set('offline', 'from b');
    a.doc.getMap('agreement').set('online', 'from a');
    await new Promise((r) => setTimeout(r, 100));
    expect(b.doc.getMap('agreement').get('online')).toBeUndefined();
    b.provider.connect();
    await waitFor(() => a.doc.getMap('agreement').get('offline') === 'from b', 'a sees the offline edit');
    await waitFor(() => b.doc.getMap('agreement').get('online') === 'from a', 'b catches up');
  });

  it('forwards awareness between members and drops a member\'s cursor as soon as its socket closes', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.provider.awareness.setLocalStateField('user', { name: 'mentor' });
    const aId = a.doc.clientID;
    await waitFor(() => b.provider.awareness.getStates().get(aId)?.user?.name === 'mentor', 'b sees a');
    // A third client joining later gets the current awareness at once.
    const c = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await waitSynced(c);
    await waitFor(() => c.provider.awareness.getStates().get(aId)?.user?.name === 'mentor', 'c sees a');
    // Cut the socket without a goodbye: the server removes a's state (not the 30 s awareness timeout).
    cutSocket(a);
    await waitFor(() => !b.provider.awareness.getStates().has(aId), 'a gone from b', 3000);
  });

  it('drops a closed tab\'s cursor at once even when another tab relayed its state first', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const first = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    const partner = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(first), waitSynced(partner)]);
    first.provider.awareness.setLocalStateField('focus', { kind: 'agenda' });
    await waitFor(() => partner.provider.awareness.getStates().get(first.doc.clientID)?.focus?.kind === 'agenda', 'the partner sees the first tab');
    // A second tab of the same member: a browser's tabs share awareness over a BroadcastChannel
    // before the new tab's socket is open, and y-websocket relays every change it sees, so the
    // first tab delivers the second tab's state to the server first.
    const second = client(server.wsUrl, roomId, { cookie: mentor.cookie, connect: false });
    const secondId = second.doc.clientID;
    second.provider.awareness.setLocalStateField('focus', { kind: 'notes' });
    applyAwarenessUpdate(first.provider.awareness, encodeAwarenessUpdate(second.provider.awareness, [secondId]), 'broadcast channel');
    await waitFor(() => partner.provider.awareness.getStates().get(secondId)?.focus?.kind === 'notes', 'the relayed state reaches the partner');
    second.provider.connect();
    await waitSynced(second);
    // The tab works in the notes: its caret moves, from its own socket.
    second.provider.awareness.setLocalStateField('cursor', { anchor: 3 });
    await waitFor(() => partner.provider.awareness.getStates().get(secondId)?.cursor?.anchor === 3, 'the partner sees the caret');
    // The tab closes: its caret and "in notes" go at once, not after Awareness' 30 s timeout.
    cutSocket(second);
    await waitFor(() => !partner.provider.awareness.getStates().has(secondId), 'the closed tab gone from the partner', 3000);
    // The first tab's own state stays.
    expect(partner.provider.awareness.getStates().get(first.doc.clientID)?.focus?.kind).toBe('agenda');
  });

  it('keeps every edit across a server restart on the same database', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(a);
    for (let i = 0; i < 50; i++) a.doc.getArray<number>('actions').push([i]);
    await waitFor(() => (server.app.realtime.registry.peek(roomId)?.doc.getArray('actions').length ?? 0) === 50, 'server has 50');
    a.destroy();
    const second = await startTestServer({ db: db.handle });
    try {
      await server.close();
      server = second;
      const b = client(server.wsUrl, roomId, { cookie: mentor.cookie });
      await waitSynced(b);
      expect(b.doc.getArray('actions').toJSON()).toEqual(Array.from({ length: 50 }, (_, i) => i));
    } finally {
      if (server !== second) await second.close();
    }
  });

  it('on shutdown commits every edit it received, then closes clients with 1013', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const node = await startTestServer({ db: db.handle });
    const a = client(node.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(a);
    for (let i = 0; i < 40; i++) a.doc.getArray<number>('actions').push([i]);
    await waitFor(() => node.app.realtime.registry.peek(roomId)?.doc.getArray('actions').length === 40, 'node has all');
    await node.close();
    await waitFor(() => a.closes.length > 0, 'the client sees the close');
    expect(a.closes[0]).toBe(CloseCode.TryAgainLater);
    const { checkpoint, updates } = await loadRoomState(db.handle.db, roomId);
    const stored = new Y.Doc();
    if (checkpoint) Y.applyUpdate(stored, checkpoint);
    for (const u of updates) Y.applyUpdate(stored, u);
    expect(stored.getArray('actions').length).toBe(40);
  });

  it('reports rooms, connections, updates, commits and queue depth on /metrics', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getText('notes').insert(0, 'metrics');
    await waitFor(() => isSaved(a), 'saved');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(text.split('\n').find((l) => l.startsWith(name))?.split(' ').pop() ?? NaN);
    expect(value('menteo_rooms_loaded')).toBeGreaterThanOrEqual(1);
    expect(value('menteo_yjs_connections')).toBeGreaterThanOrEqual(2);
    expect(value('menteo_yjs_updates_total')).toBeGreaterThanOrEqual(1);
    expect(value('menteo_yjs_update_bytes_total')).toBeGreaterThan(0);
    expect(value('menteo_update_log_batch_rows_count')).toBeGreaterThanOrEqual(1);
    expect(value('menteo_update_log_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('menteo_update_log_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('menteo_compactions_total');
  });

  it('appends each edit to the log rather than rewriting the document', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    await waitSynced(a);
    for (let i = 0; i < 5; i++) {
      a.doc.getText('notes').insert(0, 'n');
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitForRows(db, roomId, 5);
    const stored = await loadRoomState(db.handle.db, roomId);
    expect(stored.checkpoint).toBeNull();
    const replay = new Y.Doc();
    for (const u of stored.updates) Y.applyUpdate(replay, u);
    expect(replay.getText('notes').toString()).toBe('nnnnn');
  });
});

async function waitForRows(db: TestDb, roomId: string, n: number): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await countRoomUpdates(db.handle.db, roomId)) < n) {
    if (Date.now() > until) throw new Error(`fewer than ${n} log rows`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
