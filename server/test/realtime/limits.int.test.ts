import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { CloseCode } from '@menteo/protocol';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, rawSocket, waitFor, waitSynced, type TestClient } from './clients.ts';

describe.each(BACKENDS)('limits on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({
      db: db.handle,
      config: {
        limits: { maxMessageBytes: 4096, maxDocBytes: 16_384, maxUpdatesPerSecond: 20, maxPendingUpdates: 10_000, signupsPerIpPerHour: 1_000_000 },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  async function breaches(code: number): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('menteo_limit_breaches_total') && l.includes(`code="${code}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** Opens a room with an offender and a bystander (plus a second room), runs `offend`, checks only the offender went. */
  async function onlyTheOffenderGoes(code: CloseCode, offend: (offender: TestClient) => void | Promise<void>) {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const other = await createTestRoom(db.handle.db);
    const offender = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
    const bystander = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
    const elsewhere = connectClient(server.wsUrl, other.roomId, { cookie: other.mentor.cookie });
    const before = await breaches(code);
    try {
      await Promise.all([waitSynced(offender), waitSynced(bystander), waitSynced(elsewhere)]);
      bystander.doc.getMap('agreement').set('before', 1);
      await waitFor(() => offender.doc.getMap('agreement').get('before') === 1, 'room works');
      await offend(offender);
      await waitFor(() => offender.closes.includes(code), `offender closed with ${code}`);
      bystander.doc.getMap('agreement').set('after', 2);
      elsewhere.doc.getMap('agreement').set('after', 3);
      const watcher = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
      try {
        await waitSynced(watcher);
        await waitFor(() => watcher.doc.getMap('agreement').get('after') === 2, 'the room still takes edits');
        expect(watcher.doc.getMap('agreement').get('before')).toBe(1);
      } finally {
        watcher.destroy();
      }
      expect(bystander.closes).toEqual([]);
      expect(elsewhere.closes).toEqual([]);
      expect(await breaches(code)).toBe(before + 1);
    } finally {
      for (const c of [offender, bystander, elsewhere]) c.destroy();
    }
  }

  it('closes a client that sends a frame over the message limit with 4413', async () => {
    await onlyTheOffenderGoes(CloseCode.MessageTooLarge, (c) => {
      c.doc.getText('notes').insert(0, 'x'.repeat(8000));
    });
  });

  it('closes a client whose update would grow the document past its limit with 4409, unapplied', async () => {
    await onlyTheOffenderGoes(CloseCode.RoomTooLarge, async (c) => {
      for (let i = 0; i < 8; i++) {
        c.doc.getText('notes').insert(0, 'y'.repeat(3000));
        await new Promise((r) => setTimeout(r, 60));
        if (c.closes.length > 0) break;
      }
      await waitFor(() => c.closes.length > 0, 'the offender closed');
      // The refused update never reached the room: the server holds less than the offender typed.
      const serverText = server.app.realtime.registry.peek(c.provider.roomname)?.doc.getText('notes').length ?? 0;
      expect(serverText % 3000).toBe(0);
      expect(serverText).toBeLessThan(c.doc.getText('notes').length);
    });
  });

  it('closes a client that sends more updates per second than allowed with 4429', async () => {
    await onlyTheOffenderGoes(CloseCode.RateLimited, (c) => {
      for (let i = 0; i < 100; i++) c.doc.getArray<number>('actions').push([i]);
    });
  });

  it('closes a client that sends an undecodable update with 4400 and applies none of it', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const s = rawSocket(`${server.wsUrl}/yjs/${roomId}`, { cookie: mentor.cookie });
    await s.opened;
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, new Uint8Array([1, 1, 200, 1, 0, 4, 255, 255, 255]));
    s.ws.send(encoding.toUint8Array(e));
    expect((await s.closed).code).toBe(CloseCode.BadMessage);
    const c = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
    try {
      await waitSynced(c);
      expect(c.doc.share.size).toBe(0);
    } finally {
      c.destroy();
    }
  });
});
