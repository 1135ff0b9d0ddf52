import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countRoomUpdates, historySize, readRoomHistory } from '@menteo/db';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, waitFor, waitForAsync, waitSynced, type TestClient } from '../realtime/clients.ts';

/** The merge window of these tests; each pause between phases is longer. */
const WINDOW_MS = 300;
const PAUSE_MS = WINDOW_MS + 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)('kept history on %s', (backend) => {
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
    server = await startTestServer({
      db: db.handle,
      config: {
        log: { commitWindowMs: 5, compactAfterUpdates: 10, roomIdleMs: 100 },
        history: { mergeWindowMs: WINDOW_MS, retentionDays: null },
      },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('keeps every compacted row’s author and time, and rebuilds the doc the clients saw at any pause', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    const history = server.app.realtime.history;
    const began = new Date();
    await sleep(20);

    /** Each member edits in turn; then, in a pause longer than the merge window, what both see. */
    const edits = { [mentor.id]: 0, [mentee.id]: 0 };
    const seen: Array<{ at: Date; notes: string; actions: unknown[] }> = [];
    for (let phase = 0; phase < 4; phase++) {
      for (let i = 0; i < 12; i++) {
        const [who, id] = i % 4 < 2 ? [a, mentor.id] : [b, mentee.id];
        const notes = who.doc.getText('notes');
        notes.insert(notes.length, String.fromCharCode(97 + ((phase * 12 + i) % 26)));
        if (i % 6 === 5) who.doc.getArray<number>('actions').push([phase * 100 + i]);
        edits[id]! += i % 6 === 5 ? 2 : 1;
        await sleep(15);
      }
      if (phase === 1) {
        // Delete-only edits are history too.
        a.doc.getText('notes').delete(0, 3);
        edits[mentor.id]!++;
      }
      const held = () => server.app.realtime.registry.peek(roomId)?.doc;
      await waitFor(
        () =>
          a.doc.getText('notes').toString() === b.doc.getText('notes').toString() &&
          held()?.getText('notes').toString() === a.doc.getText('notes').toString() &&
          held()?.getArray('actions').length === a.doc.getArray('actions').length &&
          b.doc.getArray('actions').length === a.doc.getArray('actions').length,
        'everyone has the phase',
      );
      await sleep(PAUSE_MS);
      seen.push({ at: new Date(), notes: a.doc.getText('notes').toString(), actions: a.doc.getArray('actions').toJSON() });
      await sleep(PAUSE_MS);
    }

    // Leaving: the idle room is compacted, so every row is now in room_history, none in the log.
    a.destroy();
    b.destroy();
    await waitFor(() => server.app.realtime.registry.peek(roomId) === undefined, 'room unloaded');
    await waitForAsync(async () => (await countRoomUpdates(db.handle.db, roomId)) === 0, 'the log folded');
    const ended = new Date();

    const rows = await readRoomHistory(db.handle.db, roomId, began, ended);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect([mentor.id, mentee.id]).toContain(row.authorId);
      expect(row.baseline).toBe(false);
      expect(row.firstAt.getTime()).toBeGreaterThanOrEqual(began.getTime());
      expect(row.lastAt.getTime()).toBeLessThanOrEqual(ended.getTime());
      expect(row.lastAt.getTime() - row.firstAt.getTime()).toBeLessThan(WINDOW_MS);
    }
    // Each member's edits are all there, under their name: one log row per client transaction.
    const byAuthor = (id: string) => rows.filter((r) => r.authorId === id).reduce((n, r) => n + r.updates, 0);
    expect(byAuthor(mentor.id)).toBe(edits[mentor.id]);
    expect(byAuthor(mentee.id)).toBe(edits[mentee.id]);
    // Runs were merged: fewer kept rows than log rows.
    expect(rows.length).toBeLessThan(rows.reduce((n, r) => n + r.updates, 0));
    expect((await historySize(db.handle.db, roomId)).bytes).toBeGreaterThan(0);

    for (const moment of seen) {
      const doc = await history.asOf(roomId, moment.at);
      expect(doc).not.toBeNull();
      expect(doc!.getText('notes').toString()).toBe(moment.notes);
      expect(doc!.getArray('actions').toJSON()).toEqual(moment.actions);
      doc!.destroy();
    }
    const before = await history.asOf(roomId, new Date(began.getTime() - 1000));
    expect(before!.getText('notes').toString()).toBe('');
    before!.destroy();

    // Retention: pruning folds the old rows into one baseline; "as of" before it is unknown, after it unchanged.
    expect(await history.prune(new Date(Date.now() + 1000))).toBe(rows.length);
    const kept = await readRoomHistory(db.handle.db, roomId, began, ended);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.baseline).toBe(true);
    expect(await history.asOf(roomId, seen[0]!.at)).toBeNull();
    const latest = await history.asOf(roomId, ended);
    expect(latest!.getText('notes').toString()).toBe(seen.at(-1)!.notes);
    latest!.destroy();
  });
});
