import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { sql } from 'drizzle-orm';
import { getMeetingSnapshot, schema, type Db } from '@menteo/db';
import type { Meeting } from '@menteo/protocol';
import {
  addAction,
  addAgendaItem,
  addMilestone,
  createGoal,
  markDiscussed,
  readActions,
  rebuildMeetingEnd,
  readAgenda,
  readGoals,
  toggleMilestone,
} from '@menteo/room-doc';
import { testConfig } from '../../src/config.ts';
import { MemoryBus, MemoryBusHub } from '../../src/bus/MemoryBus.ts';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, waitFor, waitForAsync, waitSynced, type TestClient } from '../realtime/clients.ts';
import { apiAs, meetingSocket, type ClientSocket } from './helpers.ts';

const sameState = (a: Y.Doc, b: Y.Doc) => Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));
const contentOf = (doc: Y.Doc) => ({ goals: readGoals(doc), agenda: readAgenda(doc), actions: readActions(doc) });
const docOf = (update: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
};

describe.each(BACKENDS)('meetings on %s', (backend) => {
  let db: TestDb;
  const servers: TestServer[] = [];
  const clients: TestClient[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    db = await createTestDb(backend);
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const start = async (config: Parameters<typeof startTestServer>[0]['config'] = {}, bus?: MemoryBus) => {
    const s = await startTestServer({ db: db.handle, bus, config: { meetings: { autostartMs: 0, autoendMs: 0 }, ...config } });
    servers.push(s);
    return s;
  };
  const sio = async (...args: Parameters<typeof meetingSocket>) => {
    const s = await meetingSocket(...args);
    sockets.push(s.socket);
    return s;
  };

  it('two members hold three meetings with edits between: summaries, attendance, carry-over, snapshots kept through compaction', async () => {
    const server = await start({ log: { ...testConfig().log, roomIdleMs: 100 } });
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const mentorApi = apiAs(server.url, mentor);
    const menteeApi = apiAs(server.url, mentee);
    const a = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
    clients.push(a, b);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    const sa = await sio(server.url, mentor, roomId);
    const sb = await sio(server.url, mentee, roomId);
    const serverDoc = () => server.app.realtime.registry.peek(roomId)!.doc;
    const converged = (what: string) => waitFor(() => sameState(a.doc, serverDoc()) && sameState(b.doc, serverDoc()), what);

    const goal = createGoal(a.doc, { title: 'Portfolio', createdBy: mentor.id });
    const milestones = [1, 2, 3].map((i) => addMilestone(a.doc, goal, `Step ${i}`)!);
    const endStates: Uint8Array[] = [];
    const ended: Meeting[] = [];
    for (const i of [1, 2, 3]) {
      addAction(b.doc, { text: `Between ${i}` });
      const started = await mentorApi.post(`/api/rooms/${roomId}/meetings`);
      expect(started.status).toBe(201);
      expect(started.body.meeting).toMatchObject({ number: i, displayTitle: `Meeting ${i}`, endedAt: null, startedBy: mentor.id });
      expect(Math.abs(Date.parse(started.body.serverNow) - Date.now())).toBeLessThan(5000);
      // Both sockets hear of it, with the server's clock for the timer.
      await waitFor(() => sa.lastState()?.number === i && sb.lastState()?.number === i, `meeting ${i} on both sockets`);

      createGoal(a.doc, { title: `Goal ${i}`, createdBy: mentor.id });
      toggleMilestone(b.doc, goal, milestones[i - 1]!);
      const point = addAgendaItem(b.doc, { text: `Point ${i}`, addedBy: mentee.id });
      addAgendaItem(a.doc, { text: `Keep ${i}`, addedBy: mentor.id });
      addAction(a.doc, { text: `Action ${i}` });
      await converged(`meeting ${i} edits on the server`);
      markDiscussed(a.doc, point, true);
      await converged(`meeting ${i} discussed on the server`);
      endStates.push(Y.encodeStateAsUpdate(serverDoc()));

      const end = await menteeApi.post(`/api/rooms/${roomId}/meetings/${started.body.meeting.id}/end`);
      expect(end.status).toBe(200);
      ended.push(end.body.meeting);
      // Ending twice is a conflict, not a second summary.
      expect((await mentorApi.post(`/api/rooms/${roomId}/meetings/${started.body.meeting.id}/end`)).status).toBe(409);
      // The carry-over reaches both members live: the discussed point leaves, "Keep i" says where it came from.
      for (const c of [a, b]) {
        await waitFor(() => !readAgenda(c.doc).some((p) => p.text === `Point ${i}`), `carry-over of meeting ${i}`);
      }
      expect(readAgenda(b.doc).map((p) => [p.text, p.carriedFrom])).toEqual(
        Array.from({ length: i }, (_, k) => [`Keep ${k + 1}`, `Meeting ${k + 1}`]),
      );
      await waitFor(() => sa.seen.ended.length === i && sb.seen.ended.length === i, `both sockets told meeting ${i} ended`);
    }

    // The meetings API: three meetings, newest first, in pages.
    const page1 = await mentorApi.get(`/api/rooms/${roomId}/meetings?limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.meetings.map((m: Meeting) => m.number)).toEqual([3, 2]);
    expect(page1.body.nextBefore).toBe(2);
    const page2 = await menteeApi.get(`/api/rooms/${roomId}/meetings?limit=2&before=2`);
    expect(page2.body.meetings.map((m: Meeting) => m.number)).toEqual([1]);
    expect(page2.body.nextBefore).toBeNull();
    const all: Meeting[] = [...page2.body.meetings, ...page1.body.meetings.reverse()];
    for (const [k, m] of all.entries()) {
      const i = k + 1;
      expect(m.endedAt).not.toBeNull();
      expect(m.endedBy).toBe(mentee.id);
      expect(m.summary!.goals.added.map((g) => g.title)).toEqual([`Goal ${i}`]);
      expect(m.summary!.milestones.done.map((s) => s.title)).toEqual([`Step ${i}`]);
      expect(m.summary!.actions.added.map((x) => x.text)).toEqual([`Action ${i}`]);
      expect(m.summary!.agenda.discussed.map((x) => x.text)).toEqual([`Point ${i}`]);
      expect(m.summary!.agenda.added.map((x) => x.text).sort()).toEqual([`Keep ${i}`, `Point ${i}`]);
      expect(m.summary!.agenda.carriedOver.map((x) => x.text)).toEqual(Array.from({ length: i }, (_, j) => `Keep ${j + 1}`));
      // Both attended the whole meeting: one closed interval each.
      expect(m.attendance.map((x) => x.userId).sort()).toEqual([mentor.id, mentee.id].sort());
      for (const x of m.attendance) {
        expect(x.intervals).toHaveLength(1);
        expect(x.intervals[0]!.leftAt).not.toBeNull();
        expect(x.minutes).toBe(0);
      }
      expect(m).toEqual(ended[k]);
    }
    const one = await mentorApi.get(`/api/rooms/${roomId}/meetings/${all[1]!.id}`);
    expect(one.body.meeting).toEqual(all[1]);

    // Everyone leaves; the idle room is compacted into its checkpoint and unloaded.
    for (const s of sockets.splice(0)) s.disconnect();
    for (const c of clients.splice(0)) c.destroy();
    await waitFor(() => server.app.realtime.registry.peek(roomId) === undefined, 'the room to unload');
    const d: Db = db.handle.db;
    const left = await d.execute(sql`select count(*)::int as n from room_updates where room_id = ${roomId}`);
    expect((left as unknown as { rows?: Array<{ n: number }> }).rows?.[0]?.n ?? (left as unknown as Array<{ n: number }>)[0]?.n).toBe(0);

    // Meeting 2's snapshot is the doc exactly as it was when it ended (before its carry-over),
    // stored as what changed since meeting 1's end and rebuilt from the two.
    const snap = await getMeetingSnapshot(d, roomId, all[1]!.id);
    expect(snap).toHaveLength(2);
    const atEnd = docOf(endStates[1]!);
    const fromSnapshot = docOf(rebuildMeetingEnd(snap!));
    expect(sameState(fromSnapshot, atEnd)).toBe(true);
    expect(contentOf(fromSnapshot)).toEqual(contentOf(atEnd));
    expect(readAgenda(fromSnapshot).map((p) => p.text).sort()).toEqual(['Keep 1', 'Keep 2', 'Point 2']);

    // My rooms shows when they last met.
    const rooms = await mentorApi.get('/api/rooms');
    expect(rooms.body.rooms[0].lastMetAt).toBe(all[2]!.startedAt);
  }, 60_000);

  it('a second Start answers the open meeting, also when two nodes are pressed at the same moment', async () => {
    const hub = new MemoryBusHub();
    const n1 = await start({ nodeId: 'm-a' }, new MemoryBus(hub));
    const n2 = await start({ nodeId: 'm-b' }, new MemoryBus(hub));
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    for (let round = 0; round < 3; round++) {
      const [r1, r2] = await Promise.all([
        apiAs(n1.url, mentor).post(`/api/rooms/${roomId}/meetings`),
        apiAs(n2.url, mentee).post(`/api/rooms/${roomId}/meetings`),
      ]);
      expect([r1.status, r2.status].sort()).toEqual([200, 201]);
      expect(r1.body.meeting.id).toBe(r2.body.meeting.id);
      expect(r1.body.meeting.number).toBe(round + 1);
      const again = await apiAs(n1.url, mentee).post(`/api/rooms/${roomId}/meetings`, { title: 'Ignored' });
      expect(again.status).toBe(200);
      expect(again.body.meeting.id).toBe(r1.body.meeting.id);
      expect((await apiAs(n2.url, mentor).post(`/api/rooms/${roomId}/meetings/${r1.body.meeting.id}/end`)).status).toBe(200);
    }
    const list = await apiAs(n1.url, mentor).get(`/api/rooms/${roomId}/meetings`);
    expect(list.body.meetings).toHaveLength(3);
  }, 30_000);

  it('starts by itself once both are present and ends by itself once both are away (shortened timers)', async () => {
    const server = await start({ meetings: { autostartMs: 200, autoendMs: 300 } });
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const sa = await sio(server.url, mentor, roomId);
    // One member alone: no meeting.
    await new Promise((r) => setTimeout(r, 400));
    expect(sa.lastState()).toBeUndefined();
    const sb = await sio(server.url, mentee, roomId);
    await waitFor(() => sa.lastState() != null && sb.lastState() != null, 'the automatic start on both sockets');
    const meeting = sa.lastState()!;
    expect(meeting.startedBy).toBeNull();
    await waitFor(() => (sa.lastState()?.attendance.length ?? 0) === 2, 'both attending');

    // One leaves and comes back: the meeting stays open.
    sb.socket.disconnect();
    const sb2 = await sio(server.url, mentee, roomId);
    sa.socket.disconnect();
    sb2.socket.disconnect();
    const api = apiAs(server.url, mentor);
    await waitForAsync(async () => (await api.get(`/api/rooms/${roomId}/meetings/${meeting.id}`)).body.meeting.endedAt !== null, 'the automatic end');
    const done = (await api.get(`/api/rooms/${roomId}/meetings/${meeting.id}`)).body.meeting as Meeting;
    expect(done.endedBy).toBeNull();
    expect(done.summary).not.toBeNull();
    const mentee1 = done.attendance.find((x) => x.userId === mentee.id)!;
    expect(mentee1.intervals.length).toBeGreaterThanOrEqual(1);
    expect(mentee1.intervals.every((x) => x.leftAt !== null)).toBe(true);
  }, 30_000);

  it('keeps ends stored whole before chains readable, stores the next end whole and the ones after as differences', async () => {
    const server = await start();
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const api = apiAs(server.url, mentor);
    const d: Db = db.handle.db;
    const a = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
    clients.push(a);
    await waitSynced(a);
    const held = () => server.app.realtime.registry.peek(roomId)?.doc;
    const goalTitles = (doc: Y.Doc) => readGoals(doc).map((g) => g.title).sort();
    const addGoal = async (title: string) => {
      createGoal(a.doc, { title, createdBy: mentor.id });
      await waitFor(() => held() !== undefined && goalTitles(held()!).includes(title), `${title} on the server`);
    };

    // Meeting 1 as the code before chains stored it: the whole doc, no base, no version.
    await addGoal('Before chains');
    const legacy = Y.encodeStateAsUpdate(held()!);
    await d.insert(schema.meetings).values({ roomId, number: 1, startedAt: new Date(Date.now() - 60_000), endedAt: new Date(), endSnapshot: legacy });

    const meet = async (title: string) => {
      const started = await api.post(`/api/rooms/${roomId}/meetings`);
      expect(started.status).toBe(201);
      await addGoal(title);
      expect((await api.post(`/api/rooms/${roomId}/meetings/${started.body.meeting.id}/end`)).status).toBe(200);
      return started.body.meeting.id as string;
    };
    const m2 = await meet('In meeting 2');
    const m3 = await meet('In meeting 3');
    const rows = (await d.execute(
      sql`select number, snapshot_base is null as whole, end_version is not null as has_version, start_digest is null as digest_gone from meetings where room_id = ${roomId}::uuid order by number`,
    )) as unknown as { rows?: unknown[] } & unknown[];
    const list = (rows.rows ?? rows) as Array<{ number: number; whole: boolean; has_version: boolean; digest_gone: boolean }>;
    // No version on the old row, so meeting 2 is stored whole; meeting 3 on top of it, and only
    // the newest end keeps the version the next one needs.
    expect(list.map((r) => [r.number, r.whole, r.has_version, r.digest_gone])).toEqual([
      [1, true, false, true],
      [2, true, false, true],
      [3, false, true, true],
    ]);

    // Every end reads back as it was, through the API.
    const all = (await api.get(`/api/rooms/${roomId}/meetings`)).body.meetings as Meeting[];
    const state = async (id: string) => {
      const res = await fetch(`${server.url}/api/rooms/${roomId}/meetings/${id}/state`, { headers: { cookie: mentor.cookie } });
      expect(res.status).toBe(200);
      return docOf(new Uint8Array(await res.arrayBuffer()));
    };
    expect(goalTitles(await state(all.find((m) => m.number === 1)!.id))).toEqual(['Before chains']);
    expect(goalTitles(await state(m2))).toEqual(['Before chains', 'In meeting 2']);
    expect(goalTitles(await state(m3))).toEqual(['Before chains', 'In meeting 2', 'In meeting 3']);
  }, 30_000);

  it('keeps titles as plain text, validates input and answers 404 for unknown meetings', async () => {
    const server = await start();
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const api = apiAs(server.url, mentor);
    const m = (await api.post(`/api/rooms/${roomId}/meetings`, { title: 'Kick-off' })).body.meeting as Meeting;
    expect(m.displayTitle).toBe('Kick-off');
    const renamed = await api.patch(`/api/rooms/${roomId}/meetings/${m.id}`, { title: '<img src=x onerror=alert(1)>' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.meeting.displayTitle).toBe('<img src=x onerror=alert(1)>');
    expect((await api.patch(`/api/rooms/${roomId}/meetings/${m.id}`, { title: null })).body.meeting.displayTitle).toBe('Meeting 1');
    expect((await api.patch(`/api/rooms/${roomId}/meetings/${m.id}`, { title: 'x'.repeat(121) })).status).toBe(400);
    expect((await api.get(`/api/rooms/${roomId}/meetings/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await api.post(`/api/rooms/${roomId}/meetings/not-an-id/end`)).status).toBe(404);
    expect((await api.get(`/api/rooms/${roomId}/meetings?limit=0`)).status).toBe(400);

    // Cadence: weekly from the last meeting; a set date wins until a meeting starts after it.
    expect((await api.get(`/api/rooms/${roomId}/next-meeting.ics`)).status).toBe(404);
    const weekly = await api.request('PUT', `/api/rooms/${roomId}/schedule`, { kind: 'weekly' });
    expect(weekly.status).toBe(200);
    expect(Date.parse(weekly.body.schedule.nextDueAt) - Date.parse(m.startedAt)).toBe(7 * 86_400_000);
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const set = await api.request('PUT', `/api/rooms/${roomId}/schedule`, { kind: 'every_n_days', everyDays: 10, nextAt: at });
    expect(set.body.schedule).toMatchObject({ kind: 'every_n_days', everyDays: 10, nextAt: at, nextDueAt: at });
    expect((await api.request('PUT', `/api/rooms/${roomId}/schedule`, { kind: 'every_n_days' })).status).toBe(400);
    const ics = await api.get(`/api/rooms/${roomId}/next-meeting.ics`);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toContain('text/calendar');
    expect(ics.body).toContain('BEGIN:VEVENT');
    expect(ics.body).toContain(`DTSTART:${at.replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`);
    const rooms = await api.get('/api/rooms');
    expect(rooms.body.rooms[0].nextDueAt).toBe(at);
  }, 30_000);
});
