import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { eq, max } from 'drizzle-orm';
import { appendRoomUpdates, compactRoomLog, schema } from '@menteo/db';
import { addMilestone, createGoal, readGoals, toggleMilestone } from '@menteo/room-doc';
import { BACKENDS, createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { roomWithMentee, signup } from './api-client.ts';

/** What an editing client would send: the doc's change since `before`, as one update. */
function changeSince(doc: Y.Doc, before: Uint8Array): Uint8Array {
  return Y.encodeStateAsUpdate(doc, Y.encodeStateVectorFromUpdate(before));
}

describe.each(BACKENDS)('room progress and last activity on %s', (backend) => {
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

  it('reports zeros and no activity for a room whose doc was never written', async () => {
    const { client } = await signup(server.url, 'Nora New');
    const room = (await client.post('/api/rooms', { title: 'Empty' })).body.room;
    const empty = { goals: 0, goalsDone: 0, milestones: 0, milestonesDone: 0, milestonePercent: 0 };
    expect(room).toMatchObject({ progress: empty, lastActivityAt: null });
    expect((await client.get('/api/rooms')).body.rooms[0]).toMatchObject({ id: room.id, progress: empty, lastActivityAt: null });
    expect((await client.get(`/api/rooms/${room.id}`)).body.room).toMatchObject({ progress: empty, lastActivityAt: null });
  });

  it('derives goals and milestones from the checkpoint plus the log tail, for both members, ignoring dropped goals and private docs', async () => {
    const { mentor, mentee, room } = await roomWithMentee(server.url);
    const other = (await mentor.client.post('/api/rooms', { title: 'Untouched' })).body.room;
    const sql = db.handle.db;

    // Compacted part: a goal with three milestones (one ticked), and a dropped goal with two.
    const doc = new Y.Doc();
    const learn = createGoal(doc, { title: 'Learn Rust', status: 'in_progress', createdBy: mentee.user.id });
    const ms = ['Book', 'Exercises', 'Project'].map((t) => addMilestone(doc, learn, t) ?? '');
    toggleMilestone(doc, learn, ms[0] ?? '', true);
    const dropped = createGoal(doc, { title: 'Learn Perl', status: 'dropped', createdBy: mentee.user.id });
    addMilestone(doc, dropped, 'Camel book');
    addMilestone(doc, dropped, 'One-liners');
    const first = Y.encodeStateAsUpdate(doc);
    await appendRoomUpdates(sql, [{ roomId: room.id, data: first, authorId: mentee.user.id }]);
    const compacted = await compactRoomLog(sql, room.id, Y.encodeStateAsUpdate(new Y.Doc()), (cp, rows) =>
      Y.mergeUpdates([...(cp ? [cp] : []), ...rows]),
    );
    expect(compacted.folded).toBe(1);

    const afterCompaction = (await mentor.client.get(`/api/rooms/${room.id}`)).body.room;
    expect(afterCompaction.progress).toEqual({ goals: 1, goalsDone: 0, milestones: 3, milestonesDone: 1, milestonePercent: 33 });
    const [checkpoint] = await sql
      .select({ updatedAt: schema.roomCheckpoints.updatedAt })
      .from(schema.roomCheckpoints)
      .where(eq(schema.roomCheckpoints.roomId, room.id));
    expect(afterCompaction.lastActivityAt).toBe(checkpoint?.updatedAt.toISOString());

    // Log tail: a second milestone ticked, and a goal done with its one milestone ticked.
    toggleMilestone(doc, learn, ms[1] ?? '', true);
    const done = createGoal(doc, { title: 'Give a talk', status: 'done', createdBy: mentee.user.id });
    toggleMilestone(doc, done, addMilestone(doc, done, 'Submit abstract') ?? '', true);
    await appendRoomUpdates(sql, [{ roomId: room.id, data: changeSince(doc, first), authorId: mentee.user.id }]);
    // A member's private doc shares the room id as a prefix; its goals are nobody else's figures.
    const privateDoc = new Y.Doc();
    createGoal(privateDoc, { title: 'Secret goal', status: 'done', createdBy: mentee.user.id });
    await appendRoomUpdates(sql, [{ roomId: `${room.id}~private`, data: Y.encodeStateAsUpdate(privateDoc), authorId: null }]);
    expect(readGoals(doc)).toHaveLength(3);

    const [tail] = await sql
      .select({ newest: max(schema.roomUpdates.createdAt) })
      .from(schema.roomUpdates)
      .where(eq(schema.roomUpdates.roomId, room.id));
    const expected = {
      progress: { goals: 2, goalsDone: 1, milestones: 4, milestonesDone: 3, milestonePercent: 75 },
      lastActivityAt: tail?.newest?.toISOString(),
    };
    expect(expected.lastActivityAt).toEqual(expect.any(String));
    for (const client of [mentor.client, mentee.client]) {
      expect((await client.get(`/api/rooms/${room.id}`)).body.room).toMatchObject(expected);
      const listed = (await client.get('/api/rooms')).body.rooms;
      expect(listed.find((r: { id: string }) => r.id === room.id)).toMatchObject(expected);
    }
    const mentorList = (await mentor.client.get('/api/rooms')).body.rooms;
    expect(mentorList.find((r: { id: string }) => r.id === other.id)).toMatchObject({
      progress: { goals: 0, goalsDone: 0, milestones: 0, milestonesDone: 0, milestonePercent: 0 },
      lastActivityAt: null,
    });
  });
});
