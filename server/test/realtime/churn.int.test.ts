import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, waitFor, waitSynced } from './clients.ts';

describe.each(BACKENDS)('connection churn on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle, config: { log: { commitWindowMs: 5, compactAfterUpdates: 500, roomIdleMs: 20 } } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('unloads every room and keeps no connection after hundreds of real joins and leaves, with every edit kept', async () => {
    const rooms = await Promise.all(Array.from({ length: 5 }, () => createTestRoom(db.handle.db)));
    const registry = server.app.realtime.registry;
    const upgradeListeners = server.app.http.listenerCount('upgrade');
    for (let round = 0; round < 20; round++) {
      const clients = rooms.flatMap(({ roomId, mentor, mentee }) => [
        connectClient(server.wsUrl, roomId, { cookie: mentor.cookie }),
        connectClient(server.wsUrl, roomId, { cookie: mentee.cookie }),
      ]);
      await Promise.all(clients.map((c) => waitSynced(c)));
      clients.forEach((c, i) => c.doc.getArray<string>('agenda').push([`${round}-${i % 2}`]));
      await waitFor(
        () => rooms.every(({ roomId }) => (registry.peek(roomId)?.doc.getArray('agenda').length ?? 0) >= (round + 1) * 2),
        'edits reach the server',
      );
      for (const c of clients) c.destroy();
      // Every other round, wait for the rooms to unload, so the next round reloads them from Postgres.
      if (round % 2 === 1) await waitFor(() => registry.size === 0, 'rooms unloaded');
    }
    await waitFor(() => registry.size === 0 && registry.connections === 0, 'all rooms unloaded');
    expect(server.app.http.listenerCount('upgrade')).toBe(upgradeListeners);
    const check = connectClient(server.wsUrl, rooms[0]!.roomId, { cookie: rooms[0]!.mentor.cookie });
    await waitSynced(check);
    expect(check.doc.getArray('agenda').length).toBe(40);
    check.destroy();
  });
});
