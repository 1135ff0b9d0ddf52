import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '@menteo/db';
import { createGoal } from '@menteo/room-doc';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, isSaved, waitFor, waitSynced, type TestClient } from '../realtime/clients.ts';
import { meetingSocket, type ClientSocket } from './helpers.ts';

/*
 * Every room of a node reaching MEETING_AUTOSTART_S at once (the members of a whole program
 * arriving together, or a node restarting under them): each automatic start is a handful of
 * queries, and a burst of them used to take every pooled connection, so the update log's group
 * commits (and with them every member's "Saved") waited behind the whole burst. What members
 * notice: every room's meeting starts, and edits made meanwhile are still saved promptly.
 */

const ROOMS = 300;
const WRITERS = 6;

describe('a storm of automatic meeting starts on postgres', () => {
  let db: TestDb;
  let server: TestServer;
  const sockets: ClientSocket[] = [];
  const clients: TestClient[] = [];

  beforeAll(async () => {
    db = await createTestDb('postgres');
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    for (const c of clients.splice(0)) c.destroy();
    // 600 sockets leaving are 300 rooms' presence updates (queries); let them finish before the
    // database goes, so none of them meets a dropped database.
    await new Promise((r) => setTimeout(r, 1_500));
    await server?.close();
    // On a loaded machine they can outlast that: wait until no other backend of this database
    // is busy (three quiet polls, 20 s at most), or closing the pool cuts a query mid-write.
    for (let quiet = 0, until = Date.now() + 20_000; quiet < 3 && Date.now() < until; ) {
      const [row] = rowsOf<{ n: number }>(
        await db.handle.db.execute(
          sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state <> 'idle' and pid <> pg_backend_pid()`,
        ),
      );
      quiet = row?.n === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 200));
    }
    await db?.destroy();
  });

  it(`starts the meeting of each of ${ROOMS} rooms whose members arrived together, and keeps saving edits meanwhile`, async () => {
    // Timers armed as the second member of each room joins fire within the seconds it took
    // them all to join; the harness pool has 5 connections, as a small deployment might.
    server = await startTestServer({ db: db.handle, config: { meetings: { autostartMs: 2_000, autoendMs: 0 } } });
    const rooms = await Promise.all(Array.from({ length: ROOMS }, () => createTestRoom(db.handle.db)));

    // Writers in a few rooms, connected first: they type throughout.
    const writers = rooms.slice(0, WRITERS).map(({ roomId, mentor }) => connectClient(server.wsUrl, roomId, { cookie: mentor.cookie, ack: true }));
    clients.push(...writers);
    await Promise.all(writers.map((w) => waitSynced(w)));

    // Each writer edits, waits for its ack, and edits again, from before the members join until
    // every meeting has started. Each save is kept with the time it was made.
    let storming = true;
    const saves: Array<{ at: number; ms: number }> = [];
    const writing = writers.map(async (w, i) => {
      while (storming) {
        createGoal(w.doc, { title: `Goal ${i}`, createdBy: 'writer' });
        const t0 = performance.now();
        await waitFor(() => isSaved(w), 'an edit saved during the storm', 30_000);
        saves.push({ at: performance.now(), ms: performance.now() - t0 });
        await new Promise((r) => setTimeout(r, 25));
      }
    });
    let joined: Array<Array<Awaited<ReturnType<typeof meetingSocket>>>> = [];
    const started = () => joined.filter((pair) => pair.every((p) => p.lastState() != null)).length;
    let allJoinedAt = 0;
    let allStartedAt = 0;
    try {
      joined = await Promise.all(
        rooms.map(async ({ roomId, mentor, mentee }) => {
          const pair = await Promise.all([meetingSocket(server.url, mentor, roomId), meetingSocket(server.url, mentee, roomId)]);
          sockets.push(...pair.map((p) => p.socket));
          return pair;
        }),
      );
      allJoinedAt = performance.now();
      await waitFor(() => started() === ROOMS, `all ${ROOMS} meetings started (${started()} so far)`, 60_000);
      allStartedAt = performance.now();
    } finally {
      storming = false;
      await Promise.all(writing);
    }

    // Every meeting started by itself, once.
    expect(started()).toBe(ROOMS);
    for (const pair of joined) expect(pair[0]!.lastState()!.startedBy).toBeNull();
    expect(new Set(joined.map((pair) => pair[0]!.lastState()!.id)).size).toBe(ROOMS);
    // Edits kept being saved while the meetings started (from the last join to the last start;
    // the joins themselves are their own storm): none waited behind the burst.
    const during = saves.filter((s) => s.at > allJoinedAt && s.at <= allStartedAt + 100).map((s) => s.ms).sort((a, b) => a - b);
    const figures = `${during.length} saves in ${Math.round(allStartedAt - allJoinedAt)} ms, p50 ${Math.round(during[Math.floor(during.length / 2)] ?? NaN)} ms, max ${Math.round(during.at(-1) ?? NaN)} ms`;
    expect(during.length, figures).toBeGreaterThan(WRITERS);
    expect(during[Math.floor(during.length / 2)]!, figures).toBeLessThan(200);
    expect(during.at(-1)!, figures).toBeLessThan(1_000);
  }, 120_000);
});
