import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRoadmap, readGoals, PROGRAM_GOAL_TITLE } from '@menteo/room-doc';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, waitSynced } from '../realtime/clients.ts';
import { signup } from './api-client.ts';

describe.each(BACKENDS)("a program's roadmap seeds each new pair's board, on %s", (backend) => {
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

  it("starts a pair's board with the program's roadmap goals and milestones next to the program's own", async () => {
    const coordinator = await signup(server.url, 'Coordinator');
    const mentor = await signup(server.url, 'Mentor');
    const mentee = await signup(server.url, 'Mentee');
    const created = await coordinator.client.post('/api/programs', {
      name: 'Speakers 2027',
      startDate: '2027-01-01',
      endDate: '2027-06-30',
      cadenceDays: 14,
      milestones: [{ title: 'Agree goals', dueOffsetDays: 14 }],
      roadmapId: 'public-speaking',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const programId = created.body.program.id;
    const csv = `mentor_email,mentee_email\n${mentor.user.email},${mentee.user.email}\n`;
    const paired = await coordinator.client.request('POST', `/api/programs/${programId}/pairings`, undefined, {
      raw: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(paired.status, JSON.stringify(paired.body)).toBe(201);
    const roomId: string = paired.body.created[0].roomId;

    const c = connectClient(server.wsUrl, roomId, { cookie: `menteo_session=${mentor.client.cookie}` });
    try {
      await waitSynced(c);
      const goals = readGoals(c.doc);
      const roadmap = getRoadmap('public-speaking');
      expect(goals.map((g) => g.title).sort()).toEqual([PROGRAM_GOAL_TITLE, ...(roadmap?.goals.map((g) => g.title) ?? [])].sort());
      const speaking = goals.filter((g) => g.title !== PROGRAM_GOAL_TITLE);
      expect(speaking.flatMap((g) => g.milestones).length).toBe(roadmap?.goals.flatMap((g) => g.milestones).length);
    } finally {
      c.destroy();
    }
  });
});
