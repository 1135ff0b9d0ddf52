import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { countRoomUpdates } from '@menteo/db';
import type { CompareResult, HistoryMeetingsResponse, TimelineResponse } from '@menteo/protocol';
import { addAction, createGoal, moveGoal, notesFragment, notesText, readGoals, toggleAction } from '@menteo/room-doc';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, waitFor, waitForAsync, waitSynced, type TestClient } from '../realtime/clients.ts';
import { apiAs } from '../meetings/helpers.ts';

const view = (doc: Y.Doc) => ({ goals: readGoals(doc).map((g) => [g.title, g.status]), notes: notesText(doc).text });

function paragraph(doc: Y.Doc, text: string): void {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  notesFragment(doc).push([p]);
}

describe.each(BACKENDS)('history of meetings on %s', (backend) => {
  let db: TestDb;
  let server: TestServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    db = await createTestDb(backend);
    server = await startTestServer({
      db: db.handle,
      config: { log: { commitWindowMs: 5, compactAfterUpdates: 10, roomIdleMs: 50 }, history: { mergeWindowMs: 200, retentionDays: null } },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('lists three meetings newest first with activity between, serves each as it was at its end, compares and exports one', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const mentorApi = apiAs(server.url, mentor);
    const menteeApi = apiAs(server.url, mentee);
    const base = `/api/rooms/${roomId}`;
    const join = async () => {
      const a = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
      const b = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
      clients.push(a, b);
      await Promise.all([waitSynced(a), waitSynced(b)]);
      return { a, b };
    };
    const settled = (a: TestClient, b: TestClient) =>
      waitFor(() => {
        const held = server.app.realtime.registry.peek(roomId)?.doc;
        return held !== undefined && JSON.stringify(view(a.doc)) === JSON.stringify(view(b.doc)) && JSON.stringify(view(held)) === JSON.stringify(view(a.doc));
      }, 'everyone has the edits');
    const leaveAndCompact = async () => {
      for (const c of clients.splice(0)) c.destroy();
      await waitFor(() => server.app.realtime.registry.peek(roomId) === undefined, 'room unloaded');
      await waitForAsync(async () => (await countRoomUpdates(db.handle.db, roomId)) === 0, 'log folded');
    };
    const meeting = async (edit: (a: TestClient, b: TestClient) => void) => {
      const { a, b } = await join();
      const started = await mentorApi.post(`${base}/meetings`, {});
      expect(started.status).toBe(201);
      const id: string = started.body.meeting.id;
      edit(a, b);
      await settled(a, b);
      const sawAtEnd = view(a.doc);
      expect((await menteeApi.post(`${base}/meetings/${id}/end`)).status).toBe(200);
      await leaveAndCompact();
      return { id, sawAtEnd };
    };

    let goalId = '';
    const m1 = await meeting((a) => {
      goalId = createGoal(a.doc, { title: 'Ship the portfolio', createdBy: mentor.id, status: 'in_progress' });
      paragraph(a.doc, 'First meeting notes.');
    });
    // Between meetings: both edit outside a meeting.
    {
      const { a, b } = await join();
      addAction(a.doc, { text: 'Draft the intro' });
      paragraph(b.doc, 'Mentee homework.');
      await settled(a, b);
      await leaveAndCompact();
    }
    const m2 = await meeting((a, b) => {
      moveGoal(b.doc, goalId, { status: 'done' });
      const action = a.doc.getArray<Y.Map<unknown>>('actions').get(0)?.get('id');
      if (typeof action === 'string') toggleAction(a.doc, action, true);
    });
    const m3 = await meeting((a) => {
      createGoal(a.doc, { title: 'Practice interviews', createdBy: mentor.id });
    });

    // The history page, newest first, one entry per page to exercise the cursor.
    const entries: HistoryMeetingsResponse['entries'] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=1&cursor=${cursor}` : '?limit=1';
      const page = await menteeApi.get<HistoryMeetingsResponse>(`${base}/history/meetings${q}`);
      expect(page.status).toBe(200);
      entries.push(...page.body.entries);
      cursor = page.body.nextCursor;
    } while (cursor);
    const meetings = entries.flatMap((e) => (e.type === 'meeting' ? [e.meeting] : []));
    expect(meetings.map((m) => m.id)).toEqual([m3.id, m2.id, m1.id]);
    expect(meetings.map((m) => m.title)).toEqual(['Meeting 3', 'Meeting 2', 'Meeting 1']);
    expect(meetings.every((m) => m.hasSnapshot && m.durationMs !== null && m.durationMs >= 0)).toBe(true);
    expect(meetings[1]?.summary).toContain('1 goal completed');
    const between = entries.findIndex((e) => e.type === 'meeting' && e.meeting.id === m2.id) + 1;
    const activity = entries[between];
    expect(activity?.type).toBe('activity');
    if (activity?.type === 'activity') {
      expect(activity.activity.text).toMatch(/^1 edit by (mentor|mentee), 1 by (mentor|mentee)$/);
      expect(activity.activity.byAuthor.map((x) => x.author.id).sort()).toEqual([mentor.id, mentee.id].sort());
    }

    // Each meeting's state is the board and notes as the members saw them at its end.
    for (const m of [m1, m2, m3]) {
      const res = await fetch(`${server.url}${base}/meetings/${m.id}/state`, { headers: { cookie: mentor.cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-history-kind')).toBe('meeting');
      const doc = new Y.Doc();
      Y.applyUpdate(doc, new Uint8Array(await res.arrayBuffer()));
      expect(view(doc)).toEqual(m.sawAtEnd);
      doc.destroy();
    }

    // Compare meeting 1 with meeting 2: the goal completed, the action item opened outside and closed in 2.
    const cmp = await mentorApi.get<CompareResult>(`${base}/compare?a=${m1.id}&b=${m2.id}`);
    expect(cmp.status).toBe(200);
    expect(cmp.body.a).toMatchObject({ kind: 'meeting', meetingId: m1.id });
    expect(cmp.body.goals.changed.map((g) => g.fields)).toEqual([[{ field: 'status', from: 'in_progress', to: 'done' }]]);
    expect(cmp.body.actions.closed.map((x) => x.text)).toEqual(['Draft the intro']);
    expect(cmp.body.notes.segments.find((s) => s.op === 'ins')).toMatchObject({ authorId: mentee.id });
    // Meeting 3 against now: nothing changed since.
    const since = await mentorApi.get<CompareResult>(`${base}/compare?a=${m3.id}`);
    expect(since.body.goals).toEqual({ added: [], removed: [], changed: [] });

    // A timeline over the whole span still names every author after three compactions.
    const tl = await mentorApi.get<TimelineResponse>(`${base}/history?from=${new Date(Date.now() - 3_600_000).toISOString()}`);
    const texts = tl.body.groups.flatMap((g) => g.steps.map((s) => s.text));
    expect(texts).toContain("mentee moved 'Ship the portfolio' to Done");
    expect(texts).toContain("mentor added the goal 'Practice interviews'");

    // One meeting's export.
    const md = await menteeApi.get(`${base}/meetings/${m2.id}/export.md`);
    expect(md.status).toBe(200);
    expect(md.body).toContain('# Room: Meeting 2, ');
    expect(md.body).toContain('1 goal completed');
    expect(md.body).toContain('First meeting notes.');
    expect(md.body).toContain('Mentee homework.');
    const room = await mentorApi.get(`${base}/export.md`);
    expect(room.body).toContain('## Meetings (3)');
    expect(room.body).toContain('Practice interviews');
  });
});
