import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { createDb, createRoom, createUser, getSnapshotTip, schema } from '@menteo/db';
import {
  addAction,
  addAgendaItem,
  addMilestone,
  carryOverAgenda,
  createGoal,
  encodeMeetingEnd,
  goalText,
  markDiscussed,
  meetingDigest,
  notesFragment,
  summarizeFromDigest,
  toggleMilestone,
} from '@menteo/room-doc';
import { createApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { MemoryBus } from '../src/bus/MemoryBus.ts';
import type { MemberRoom } from '../src/membership/rooms-service.ts';
import { createTestDatabase } from '../test/postgres.ts';
import { summarize, type Summary } from './stats.ts';

export interface MeetingEndOptions {
  /** Target encoded size of the room doc, bytes. */
  docBytes: number;
  /** Meetings ended (each started, edited a little, ended). */
  meetings: number;
}

export interface MeetingEndResult {
  options: MeetingEndOptions;
  docBytes: number;
  /** services.meetings.end() on the node: claim, attendance, snapshot + summary + carry-over, store the snapshot and summary. */
  endMs: Summary;
  /** CPU time of the process (the node, its Postgres client) during that call. */
  endCpuMs: Summary;
  /**
   * The in-memory part alone (encode the end state, summarize against the start's digest, carry
   * over) on a fresh copy of the doc: what the first end after a node (re)loaded the room costs,
   * as the notes' word counts are not kept for the copy yet (room-doc meetings.ts).
   */
  deriveMs: Summary;
  /** Bytes of the stored end (a difference from the previous end after the first). */
  snapshotBytes: Summary;
}

const words = (n: number, seed: number) => Array.from({ length: n }, (_, i) => `word${(i * 7 + seed) % 997}`).join(' ');

/** A room doc of about `bytes`: goals with descriptions and milestones, long notes, agenda and actions. */
function fill(doc: Y.Doc, bytes: number): void {
  let i = 0;
  while (Y.encodeStateAsUpdate(doc).byteLength < bytes) {
    doc.transact(() => {
      for (let k = 0; k < 20; k++, i++) {
        const g = createGoal(doc, { title: `Goal ${i}`, createdBy: 'bench' });
        goalText(doc, g, 'description')!.insert(0, words(150, i));
        for (let m = 0; m < 4; m++) addMilestone(doc, g, `Milestone ${i}.${m}`);
        const p = new Y.XmlElement('paragraph');
        const t = new Y.XmlText();
        p.insert(0, [t]);
        notesFragment(doc).push([p]);
        t.insert(0, words(300, i));
        addAgendaItem(doc, { text: `Point ${i}`, addedBy: 'bench' });
        addAction(doc, { text: `Action ${i}` });
      }
    });
  }
}

/** A few edits of the kind a meeting makes: milestones ticked, points discussed, a new goal. */
function meetingEdits(doc: Y.Doc, round: number): void {
  const goals = doc.getMap<Y.Map<unknown>>('goals');
  let n = 0;
  for (const [id, g] of goals) {
    const ms = g.get('milestones') as Y.Array<Y.Map<unknown>>;
    const first = ms.get(0);
    if (first && first.get('done') !== true) {
      toggleMilestone(doc, id, first.get('id') as string);
      if (++n >= 5) break;
    }
  }
  const agenda = doc.getArray<Y.Map<unknown>>('agenda');
  for (let k = 0; k < 3 && k < agenda.length; k++) markDiscussed(doc, agenda.get(k).get('id') as string, true);
  addAgendaItem(doc, { text: `New point ${round}`, addedBy: 'bench' });
  createGoal(doc, { title: `Goal from meeting ${round}`, createdBy: 'bench' });
}

export async function runMeetingEnd(opts: MeetingEndOptions, log: (m: string) => void): Promise<MeetingEndResult> {
  const pg = await createTestDatabase();
  const db = await createDb({ kind: 'postgres', url: pg.url, poolSize: 5 });
  const app = await createApp({ config: testConfig({ meetings: { autostartMs: 0, autoendMs: 0 } }), db, bus: new MemoryBus(), logger: createLogger('silent') });
  try {
    const mentor = await createUser(db.db, { email: 'bench-mentor@example.test', displayName: 'Mentor', passwordHash: 'x' });
    const mentee = await createUser(db.db, { email: 'bench-mentee@example.test', displayName: 'Mentee', passwordHash: 'x' });
    if (!mentor || !mentee) throw new Error('users not created');
    const row = await createRoom(db.db, { title: 'Bench', createdBy: mentor.id });
    await db.db.insert(schema.roomMembers).values({ roomId: row.id, userId: mentee.id, role: 'mentee' });
    const room = (await app.services.rooms.asMember(mentor.id, row.id)) as MemberRoom;
    const registry = app.realtime.registry;
    const docBytes = await registry.serverEdit(row.id, (doc) => {
      fill(doc, opts.docBytes);
      return Y.encodeStateAsUpdate(doc).byteLength;
    });
    log(`meeting end: a ${(docBytes / 1e6).toFixed(2)} MB room doc, ${opts.meetings} meetings`);

    const endMs: number[] = [];
    const endCpuMs: number[] = [];
    const deriveMs: number[] = [];
    const snapshotBytes: number[] = [];
    for (let m = 0; m < opts.meetings; m++) {
      const digest = await registry.serverEdit(row.id, (doc) => meetingDigest(doc));
      const { meeting } = await app.services.meetings.start(room);
      await registry.serverEdit(row.id, (doc) => meetingEdits(doc, m));
      // The same in-memory work on a fresh copy, timed alone (the notes' word counts cold).
      const base = await getSnapshotTip(db.db, row.id);
      await registry.serverEdit(row.id, (doc) => {
        const copy = new Y.Doc();
        Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
        const t0 = performance.now();
        const end = encodeMeetingEnd(copy, base);
        summarizeFromDigest(digest, copy);
        carryOverAgenda(copy, 'Meeting');
        deriveMs.push(performance.now() - t0);
        snapshotBytes.push(end.data.byteLength);
        copy.destroy();
      });
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await app.services.meetings.end(room, meeting.id);
      endMs.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      endCpuMs.push((c.user + c.system) / 1000);
    }
    return {
      options: opts,
      docBytes,
      endMs: summarize(endMs),
      endCpuMs: summarize(endCpuMs),
      deriveMs: summarize(deriveMs),
      snapshotBytes: summarize(snapshotBytes),
    };
  } finally {
    await app.close();
    await db.close();
    await pg.drop();
  }
}
