import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { appendRoomUpdates } from '@menteo/db';
import { CloseCode, privateDocName } from '@menteo/protocol';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, createTestUser, rawSocket, waitFor, waitSynced, type TestClient } from './clients.ts';

const text = (c: TestClient) => c.doc.getText('private').toString();

describe.each(BACKENDS)("a member's private doc, on %s", (backend) => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({ db: db.handle });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it("refuses the partner on the other member's per-user private doc with 4403, and a stranger with 4404", async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const mentorsDoc = privateDocName(roomId, mentor.id);
    const partner = rawSocket(`${server.wsUrl}/yjs/${mentorsDoc}`, { cookie: mentee.cookie });
    expect((await partner.closed).code).toBe(CloseCode.Forbidden);
    const menteesDoc = privateDocName(roomId, mentee.id);
    const other = rawSocket(`${server.wsUrl}/yjs/${menteesDoc}`, { cookie: mentor.cookie });
    expect((await other.closed).code).toBe(CloseCode.Forbidden);
    const stranger = await createTestUser(db.handle.db, 'stranger');
    const s = rawSocket(`${server.wsUrl}/yjs/${mentorsDoc}`, { cookie: stranger.cookie });
    expect((await s.closed).code).toBe(CloseCode.NoSuchRoom);
    const malformed = rawSocket(`${server.wsUrl}/yjs/${mentorsDoc}~x`, { cookie: mentor.cookie });
    expect((await malformed.closed).code).toBe(CloseCode.NoSuchRoom);
  });

  it('lets the owner in under the per-user name and keeps the partner out of it', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = connectClient(server.wsUrl, privateDocName(roomId, mentor.id), { cookie: mentor.cookie });
    const b = connectClient(server.wsUrl, privateDocName(roomId, mentee.id), { cookie: mentee.cookie });
    try {
      await Promise.all([waitSynced(a), waitSynced(b)]);
      a.doc.getText('private').insert(0, 'mentor only');
      b.doc.getText('private').insert(0, 'mentee only');
      await new Promise((r) => setTimeout(r, 100));
      expect(text(a)).toBe('mentor only');
      expect(text(b)).toBe('mentee only');
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('serves the same stored doc under the legacy `<roomId>~private` name and the per-user name', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    // Existing data: written before per-user names, stored as `<roomId>~private~<userId>`.
    const before = new Y.Doc();
    before.getText('private').insert(0, 'written long ago');
    await appendRoomUpdates(db.handle.db, [{ roomId: privateDocName(roomId, mentor.id), data: Y.encodeStateAsUpdate(before), authorId: mentor.id }]);

    const legacy = connectClient(server.wsUrl, `${roomId}~private`, { cookie: mentor.cookie });
    const perUser = connectClient(server.wsUrl, privateDocName(roomId, mentor.id), { cookie: mentor.cookie });
    try {
      await Promise.all([waitSynced(legacy), waitSynced(perUser)]);
      expect(text(legacy)).toBe('written long ago');
      expect(text(perUser)).toBe('written long ago');
      // One doc on the server: an edit under either name reaches the other at once.
      legacy.doc.getText('private').insert(0, 'old client: ');
      await waitFor(() => text(perUser) === 'old client: written long ago', 'legacy edit reaches the per-user name');
      perUser.doc.getText('private').insert(text(perUser).length, ' (new client)');
      await waitFor(() => text(legacy).endsWith('(new client)'), 'per-user edit reaches the legacy name');
    } finally {
      legacy.destroy();
      perUser.destroy();
    }
  });
});
