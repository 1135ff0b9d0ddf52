import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createDb, loadRoomState, type DbHandle } from '@menteo/db';
import { CloseCode } from '@menteo/protocol';
import { createPgInstance, type PgInstance } from '../pg-instance.ts';
import { startTestServer, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, isSaved, rawSocket, waitFor, waitForAsync, waitSynced, type TestClient } from './clients.ts';

/**
 * The update log's memory bound while Postgres is away. Postgres only: this test stops the
 * database server, which an embedded PGlite cannot do.
 */
describe('the update log while Postgres is away', () => {
  let pg: PgInstance;
  let handle: DbHandle;
  let server: TestServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    pg = await createPgInstance();
    handle = await createDb({ kind: 'postgres', url: pg.url, poolSize: 3 });
    server = await startTestServer({
      db: handle,
      config: {
        limits: { maxMessageBytes: 1 << 20, maxDocBytes: 1 << 24, maxUpdatesPerSecond: 100_000, maxPendingUpdates: 100, signupsPerIpPerHour: 1_000_000 },
        log: { commitWindowMs: 5, compactAfterUpdates: 100_000, roomIdleMs: 60_000 },
      },
    });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.close();
    await handle?.close();
    await pg?.destroy();
  });

  const readyz = async () => (await (await fetch(`${server.url}/readyz`)).json()) as { checks: Record<string, boolean> };

  it('keeps members editing live, refuses new writers with 1013 past its bound, then drains it all into Postgres', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(handle.db);
    const a = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true });
    const b = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
    clients.push(a, b);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getArray<number>('actions').push([-1]);
    await waitFor(() => isSaved(a), 'saved before the outage');

    await pg.stop('immediate');
    for (let i = 0; i < 150; i++) {
      a.doc.getArray<number>('actions').push([i]);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => b.doc.getArray('actions').length === 151, 'live edits reach the other member');
    expect(isSaved(a)).toBe(false);
    expect((await readyz()).checks.updateLog).toBe(false);

    // Past the bound (100 pending), a new writer is refused before anything else is tried.
    const late = rawSocket(`${server.wsUrl}/yjs/${roomId}`, { cookie: mentee.cookie });
    expect((await late.closed).code).toBe(CloseCode.TryAgainLater);

    // Past twice the bound, a connected writer is closed too (its client keeps the edits and re-sends them).
    for (let i = 150; i < 260 && a.closes.length === 0; i++) a.doc.getArray<number>('actions').push([i]);
    await waitFor(() => a.closes.includes(CloseCode.TryAgainLater), 'the writer closed with 1013');
    expect(b.closes).toEqual([]);

    await pg.start();
    await waitForAsync(async () => (await readyz()).checks.updateLog === true, 'the log drains', 30_000);
    await waitFor(() => a.provider.synced && isSaved(a), 'the writer reconnects and is saved', 30_000);
    const { checkpoint, updates } = await loadRoomState(handle.db, roomId);
    const stored = new Y.Doc();
    if (checkpoint) Y.applyUpdate(stored, checkpoint);
    for (const u of updates) Y.applyUpdate(stored, u);
    expect(stored.getArray('actions').toJSON()).toEqual(a.doc.getArray('actions').toJSON());
    expect(stored.getArray('actions').length).toBeGreaterThan(200);
  });
});
