import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Revocation } from '../../src/auth/revocations.ts';
import { MemoryBus, MemoryBusHub } from '../../src/bus/MemoryBus.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { ApiClient, roomWithMentee } from './api-client.ts';

describe.each(BACKENDS)('the API across two nodes on %s', (backend) => {
  let db: TestDb;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createTestDb(backend);
    const hub = new MemoryBusHub();
    a = await startTestServer({ db: db.handle, bus: new MemoryBus(hub) });
    b = await startTestServer({ db: db.handle, bus: new MemoryBus(hub) });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.destroy();
  });

  it('accepts a session made on one node at the other, and a room token issued by one at the other', async () => {
    const { mentor, room } = await roomWithMentee(a.url);
    const onB = new ApiClient(b.url);
    onB.cookie = mentor.client.cookie;
    expect((await onB.get(`/api/rooms/${room.id}`)).status).toBe(200);
    const token = (await mentor.client.post(`/api/rooms/${room.id}/token`)).body.token;
    const principal = await b.app.ctx.auth.authenticate({ headers: {}, url: `/yjs/${room.id}?token=${token}` } as never);
    expect(principal?.userId).toBe(mentor.user.id);
  });

  it('tells the other node to close a removed mentee’s sockets', async () => {
    const { mentor, mentee, room } = await roomWithMentee(a.url);
    const seenOnB: Revocation[] = [];
    const stop = b.app.ctx.revocations.onRevoke((r) => seenOnB.push(r));
    try {
      expect((await mentor.client.delete(`/api/rooms/${room.id}/members/${mentee.user.id}`)).status).toBe(204);
      await expect.poll(() => seenOnB, { timeout: 1000 }).toContainEqual({ roomId: room.id, userId: mentee.user.id });
    } finally {
      stop();
    }
  });
});
