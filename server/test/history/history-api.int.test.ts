import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { countRoomUpdates } from '@menteo/db';
import type { CompareResult, RestoreResult, TimelineResponse } from '@menteo/protocol';
import { addAction, addMilestone, createGoal, deleteGoal, moveGoal, notesFragment, readGoals, notesText } from '@menteo/room-doc';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, waitFor, waitForAsync, waitSynced, type TestClient, type TestUser } from '../realtime/clients.ts';
import { ApiClient } from '../api/api-client.ts';

/** The merge window of these tests; each pause between phases is longer, so "as of" a pause is exact. */
const WINDOW_MS = 200;
const PAUSE_MS = WINDOW_MS + 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const api = (server: TestServer, user: TestUser) => {
  const c = new ApiClient(server.url);
  c.cookie = user.cookie.slice(user.cookie.indexOf('=') + 1);
  return c;
};

/** Raw GET (binary bodies: states, PDFs). */
async function getBytes(server: TestServer, user: TestUser, p: string): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
  const res = await fetch(`${server.url}${p}`, { headers: { cookie: user.cookie } });
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

function pdfText(bytes: Uint8Array): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'history-pdf-'));
  try {
    const file = path.join(dir, 'report.pdf');
    writeFileSync(file, bytes);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function paragraph(doc: Y.Doc, text: string): void {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  notesFragment(doc).push([p]);
}

const firstText = (doc: Y.Doc) => (notesFragment(doc).get(0) as Y.XmlElement).get(0) as Y.XmlText;

/** What a member saw at a moment: goal titles/statuses and the notes text. */
const view = (doc: Y.Doc) => ({ goals: readGoals(doc).map((g) => [g.title, g.status, g.milestones.map((m) => m.title)]), notes: notesText(doc).text });

describe.each(BACKENDS)('history API on %s', (backend) => {
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
        log: { commitWindowMs: 5, compactAfterUpdates: 10, roomIdleMs: 50 },
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

  /** Both members leave; the idle room is compacted, so its rows move to room_history. */
  async function leaveAndCompact(roomId: string) {
    for (const c of clients.splice(0)) c.destroy();
    await waitFor(() => server.app.realtime.registry.peek(roomId) === undefined, 'room unloaded');
    await waitForAsync(async () => (await countRoomUpdates(db.handle.db, roomId)) === 0, 'the log folded into history');
  }

  async function join(roomId: string, mentor: TestUser, mentee: TestUser) {
    const a = client(server.wsUrl, roomId, { cookie: mentor.cookie });
    const b = client(server.wsUrl, roomId, { cookie: mentee.cookie });
    await Promise.all([waitSynced(a), waitSynced(b)]);
    return { a, b };
  }

  const sameEverywhere = (a: TestClient, b: TestClient, roomId: string) => {
    const held = server.app.realtime.registry.peek(roomId)?.doc;
    const va = JSON.stringify(view(a.doc));
    return held !== undefined && va === JSON.stringify(view(b.doc)) && va === JSON.stringify(view(held));
  };

  it('tells every step with its author and time across compactions, rebuilds what members saw, compares, restores live and exports', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const began = new Date();
    const seen: Array<{ at: Date; view: ReturnType<typeof view> }> = [];
    const phaseStart: Date[] = [];

    // Phase 1: the mentor sets up a goal with a milestone and writes a paragraph.
    let { a, b } = await join(roomId, mentor, mentee);
    phaseStart.push(new Date());
    const goalId = createGoal(a.doc, { title: 'Ship the portfolio', createdBy: mentor.id, status: 'in_progress' });
    addMilestone(a.doc, goalId, 'Pick three projects');
    paragraph(a.doc, 'We agreed on three projects.');
    await waitFor(() => sameEverywhere(a, b, roomId), 'phase 1 everywhere');
    await sleep(PAUSE_MS);
    seen.push({ at: new Date(), view: view(a.doc) });
    await leaveAndCompact(roomId);

    // Phase 2, after a compaction: both edit the same goal and the same paragraph.
    ({ a, b } = await join(roomId, mentor, mentee));
    await sleep(PAUSE_MS);
    phaseStart.push(new Date());
    moveGoal(b.doc, goalId, { status: 'done' });
    const t = firstText(b.doc);
    t.insert(t.length, ' Mentee drafts the case studies.');
    await waitFor(() => sameEverywhere(a, b, roomId), 'mentee edits everywhere');
    await sleep(PAUSE_MS);
    const ta = firstText(a.doc);
    ta.delete(ta.toString().indexOf('three '), 'three '.length);
    addAction(a.doc, { text: 'Book a mock interview' });
    await waitFor(() => sameEverywhere(a, b, roomId), 'phase 2 everywhere');
    await sleep(PAUSE_MS);
    seen.push({ at: new Date(), view: view(a.doc) });
    await leaveAndCompact(roomId);
    const ended = new Date();

    const mentorApi = api(server, mentor);
    const menteeApi = api(server, mentee);

    // The timeline: every step, by the right member, in its phase.
    const tl = await mentorApi.get<TimelineResponse>(`/api/rooms/${roomId}/history?from=${began.toISOString()}&to=${ended.toISOString()}`);
    expect(tl.status).toBe(200);
    const steps = tl.body.groups.flatMap((g) => g.steps.map((s) => ({ who: g.author.id, text: s.text, at: new Date(g.firstAt) })));
    const find = (text: string) => steps.find((s) => s.text === text);
    expect(find("mentor added the goal 'Ship the portfolio'")?.who).toBe(mentor.id);
    expect(find("mentor added the milestone 'Pick three projects' to 'Ship the portfolio'")?.who).toBe(mentor.id);
    expect(find('mentor added 5 words to the notes')?.who).toBe(mentor.id);
    expect(find("mentee moved 'Ship the portfolio' to Done")?.who).toBe(mentee.id);
    expect(find('mentee added 5 words to the notes')?.who).toBe(mentee.id);
    expect(find('mentor removed 1 word from the notes')?.who).toBe(mentor.id);
    expect(find("mentor added the action item 'Book a mock interview'")?.who).toBe(mentor.id);
    expect(find("mentee moved 'Ship the portfolio' to Done")!.at.getTime()).toBeGreaterThanOrEqual(phaseStart[1]!.getTime());
    expect(find("mentor added the goal 'Ship the portfolio'")!.at.getTime()).toBeLessThan(seen[0]!.at.getTime());

    // State as of each pause equals what the members saw then.
    for (const moment of seen) {
      const res = await getBytes(server, mentee, `/api/rooms/${roomId}/state?at=${moment.at.toISOString()}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-history-at')).toBe(moment.at.toISOString());
      const doc = new Y.Doc();
      Y.applyUpdate(doc, res.bytes);
      expect(view(doc)).toEqual(moment.view);
      doc.destroy();
    }

    // Compare phase 1 with now: the goal's status, the action item, the notes attributed per member.
    const cmp = await menteeApi.get<CompareResult>(`/api/rooms/${roomId}/compare?a=${seen[0]!.at.toISOString()}&b=now`);
    expect(cmp.status).toBe(200);
    expect(cmp.body.goals.changed[0]?.fields).toEqual([{ field: 'status', from: 'in_progress', to: 'done' }]);
    expect(cmp.body.actions.opened.map((x) => x.text)).toEqual(['Book a mock interview']);
    const notes = cmp.body.notes.segments.filter((s) => s.op !== 'same');
    expect(notes.find((s) => s.op === 'del' && s.text.trim() === 'three')?.authorId).toBe(mentor.id);
    expect(notes.find((s) => s.op === 'ins' && s.text.includes('case studies'))?.authorId).toBe(mentee.id);
    expect(cmp.body.authors.map((x) => x.name).sort()).toEqual(['mentee', 'mentor']);

    // Restore: the mentor deletes the goal; the mentee restores it; the mentor sees it live.
    ({ a, b } = await join(roomId, mentor, mentee));
    deleteGoal(a.doc, goalId);
    await waitFor(() => sameEverywhere(a, b, roomId) && readGoals(b.doc).length === 0, 'the deletion everywhere');
    const restored = await menteeApi.post<RestoreResult>(`/api/rooms/${roomId}/restore`, { kind: 'goal', goalId });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ restored: true, kind: 'goal', id: goalId });
    await waitFor(() => readGoals(a.doc).some((g) => g.id === goalId), 'the mentor sees the restored goal live');
    expect(readGoals(a.doc).find((g) => g.id === goalId)?.milestones.map((m) => m.title)).toEqual(['Pick three projects']);
    const again = await mentorApi.post<RestoreResult>(`/api/rooms/${roomId}/restore`, { kind: 'goal', goalId });
    expect(again.body).toMatchObject({ restored: false, reason: 'still_exists' });
    expect(readGoals(a.doc).filter((g) => g.id === goalId)).toHaveLength(1);
    // Notes as of phase 1, as one edit.
    const back = await menteeApi.post<RestoreResult>(`/api/rooms/${roomId}/restore`, { kind: 'notes', from: seen[0]!.at.toISOString() });
    expect(back.body).toMatchObject({ restored: true, kind: 'notes' });
    await waitFor(() => notesText(a.doc).text === seen[0]!.view.notes, 'the mentor sees the restored notes');
    await leaveAndCompact(roomId);
    // Persisted: the room reloaded from Postgres has both.
    const now = await getBytes(server, mentor, `/api/rooms/${roomId}/state?at=now`);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, now.bytes);
    expect(readGoals(reloaded).map((g) => g.title)).toEqual(['Ship the portfolio']);
    expect(notesText(reloaded).text).toBe(seen[0]!.view.notes);
    // …and the timeline names the mentee as the restorer.
    const later = await mentorApi.get<TimelineResponse>(`/api/rooms/${roomId}/history?from=${ended.toISOString()}`);
    const laterSteps = later.body.groups.flatMap((g) => g.steps.map((s) => s.text));
    expect(laterSteps).toContain("mentee added the goal 'Ship the portfolio'");

    // Exports: the shared room only, never the private doc.
    const priv = client(server.wsUrl, `${roomId}~private`, { cookie: mentor.cookie });
    await waitSynced(priv);
    paragraph(priv.doc, 'SECRET PRIVATE THOUGHTS');
    await sleep(100);
    const md = await mentorApi.get(`/api/rooms/${roomId}/export.md`);
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toContain('text/markdown');
    expect(md.headers.get('content-disposition')).toContain('attachment');
    expect(md.body).toContain('Ship the portfolio');
    expect(md.body).toContain('We agreed on three projects.');
    expect(md.body).toContain('Book a mock interview');
    expect(md.body).not.toContain('SECRET');
    const pdf = await getBytes(server, mentee, `/api/rooms/${roomId}/export.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const text = pdfText(pdf.bytes);
    expect(text).toContain('Ship the portfolio');
    expect(text).toContain('We agreed on three projects.');
    expect(text).toContain('Book a mock interview');
    expect(text).not.toContain('SECRET');
  });

  it('refuses bad input with clear errors, and answers 404 once a member is removed', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const m = api(server, mentor);
    const base = `/api/rooms/${roomId}`;
    const fromAfterTo = await m.get(`${base}/history?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect([fromAfterTo.status, fromAfterTo.body.error.code]).toEqual([400, 'from_after_to']);
    const tooLong = await m.get(`${base}/history?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`);
    expect([tooLong.status, tooLong.body.error.code]).toEqual([400, 'range_too_large']);
    expect(tooLong.body.error.message).toContain('31 days');
    expect((await m.get(`${base}/history?from=yesterday`)).status).toBe(400);
    expect((await m.get(`${base}/compare?a=soon`)).status).toBe(400);
    expect((await m.get(`${base}/compare`)).status).toBe(400);
    const unknownMeeting = await m.get(`${base}/compare?a=00000000-0000-4000-8000-000000000000`);
    expect([unknownMeeting.status, unknownMeeting.body.error.code]).toEqual([404, 'not_found']);
    expect((await m.get(`${base}/meetings/not-an-id/state`)).status).toBe(404);
    expect((await m.get(`${base}/history/meetings?cursor=garbage`)).status).toBe(400);
    const ghost = await m.post(`${base}/restore`, { kind: 'goal', goalId: 'never-was' });
    expect([ghost.status, ghost.body.error.code]).toEqual([404, 'not_in_history']);
    expect((await m.post(`${base}/restore`, { kind: 'goal' })).status).toBe(400);
    expect((await m.post(`${base}/restore`, { kind: 'notes', from: 'now', extra: 1 })).status).toBe(400);

    const menteeApi = api(server, mentee);
    expect((await menteeApi.get(`${base}/export.md`)).status).toBe(200);
    expect((await m.delete(`${base}/members/${mentee.id}`)).status).toBe(204);
    for (const p of ['/export.md', '/export.pdf', '/history', '/state', '/compare?a=now', '/history/meetings']) {
      expect((await menteeApi.get(`${base}${p}`)).status, p).toBe(404);
    }
  });
});
