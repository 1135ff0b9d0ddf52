/**
 * Session history (issue 16): a room with 100 meetings and 50,000 logged updates, built in a
 * fresh Postgres database through the server's own paths (log rows with their simulated times
 * and authors, compacted by createRoomStore every 500 rows with the default merge window; each
 * meeting's start state, end snapshot, summary and attendance), then served by a node (in this
 * process, so its CPU time can be read) and timed over HTTP: the history page, a meeting's
 * state, compare, a month of timeline. Each figure is given as wall time and as CPU time of
 * this process (server and the small fetch client): on a machine shared with other work the
 * wall time mostly measures the neighbours. Also: history storage against the raw bytes.
 *
 *   npm run bench -- --scenarios history [--history-meetings 100 --history-updates 50000]
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { sql } from 'drizzle-orm';
import { createDb, createRoom, createUser, getSnapshotTip, historySize, saveMeetingEnd, schema, type Db } from '@menteo/db';
import { SESSION_COOKIE } from '@menteo/protocol';
import {
  addAction,
  addAgendaItem,
  addMilestone,
  createGoal,
  encodeMeetingEnd,
  markDiscussed,
  meetingDigest,
  moveGoal,
  notesFragment,
  summarizeFromDigest,
  type MeetingDigest,
  toggleAction,
  toggleMilestone,
} from '@menteo/room-doc';
import { createRoomStore } from '../src/persistence/room-store.ts';
import { startSession } from '../src/auth/sessions.ts';
import { createTestDatabase } from '../test/postgres.ts';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { MemoryBus } from '../src/bus/MemoryBus.ts';
import { summarize, type Summary } from './stats.ts';

export interface HistoryBenchOptions {
  meetings: number;
  updates: number;
  /** Timed requests per figure. */
  samples: number;
}

export interface HistoryBenchResult {
  options: HistoryBenchOptions;
  build: {
    ms: number;
    rawBytes: number;
    historyRows: number;
    historyBytes: number;
    historyStoredBytes: number;
    snapshotBytes: number;
    /** Meetings whose end is stored whole (the rest are differences). */
    snapshotsFull: number;
    notesChars: number;
    docBytes: number;
  };
  meetingsListMs: Timed;
  meetingStateMs: Timed;
  /** The newest meeting's first read (rebuilt from its chain): one sample, wall and CPU ms. */
  meetingStateNewestFirst: { wall: number; cpu: number };
  meetingStateNewestMs: Timed;
  meetingStateLongestFirst: { wall: number; cpu: number };
  meetingStateLongestMs: Timed;
  /** The stored end rebuilt from the most bytes: those bytes and its parts (a full state + differences). */
  longestChain: { bytes: number; parts: number };
  compareAdjacentMs: Timed;
  compareFarMs: Timed;
  timelineMonthMs: Timed;
  timelineMonthGroups: number;
  stateAtTimeMs: Timed;
}

/** mulberry32: the same room every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'we agreed to ship the portfolio site first then practise interviews weekly and review the cv together'.split(' ');
const DAY = 86_400_000;
const COMPACT_AFTER = 500;

interface Row {
  data: Uint8Array;
  authorId: string;
  at: Date;
}

interface SimMeeting {
  startedAt: Date;
  endedAt: Date;
  /** The doc at its start, as the server keeps it (a digest), and the summary against it. */
  startDigest: MeetingDigest;
  summary: unknown;
}

/**
 * Two members, weekly meetings of 45 minutes with most of the editing (typing in the notes one
 * character per update, goals, milestones, action items, agenda), and some edits between.
 */
export function simulate(
  o: HistoryBenchOptions,
  userIds: [string, string],
  onRows: (rows: Row[]) => Promise<void>,
  /** At each meeting's end, with the doc as the server holds it (the server stores its end from it). */
  onMeetingEnd: (m: SimMeeting, doc: Y.Doc) => Promise<void>,
) {
  const random = rng(16);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const members = userIds.map((id) => ({ id, doc: new Y.Doc() }));
  let now = Date.UTC(2025, 0, 6, 10);
  let pending: Row[] = [];
  for (const m of members) {
    m.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'remote') return;
      pending.push({ data: u, authorId: m.id, at: new Date(now) });
      for (const other of members) if (other !== m) Y.applyUpdate(other.doc, u, 'remote');
    });
  }
  const perMeeting = Math.floor(o.updates / o.meetings);
  const inMeeting = Math.floor(perMeeting * 0.8);
  const meetings: SimMeeting[] = [];
  let paragraph: Y.XmlText | null = null;

  // The board as the simulation knows it: reading the doc back on every edit was quadratic.
  const goals: Array<{ id: string; milestones: string[] }> = [];
  const openActions: string[] = [];
  const openPoints: string[] = [];
  const edit = (who: (typeof members)[number]) => {
    const doc = who.doc;
    const r = random();
    if (r < 0.004 || goals.length === 0) goals.push({ id: createGoal(doc, { title: `Goal ${goals.length + 1}: ${pick(WORDS)} ${pick(WORDS)}`, createdBy: who.id }), milestones: [] });
    else if (r < 0.014) moveGoal(doc, pick(goals).id, { status: pick(['not_started', 'in_progress', 'done'] as const) });
    else if (r < 0.024) {
      const g = pick(goals);
      const id = addMilestone(doc, g.id, `${pick(WORDS)} ${pick(WORDS)}`);
      if (id) g.milestones.push(id);
    } else if (r < 0.03) {
      const g = pick(goals);
      const ms = g.milestones.shift();
      if (ms) toggleMilestone(doc, g.id, ms, true);
    } else if (r < 0.04) openActions.push(addAction(doc, { text: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}` }));
    else if (r < 0.048) {
      const id = openActions.shift();
      if (id) toggleAction(doc, id, true);
    } else if (r < 0.056) openPoints.push(addAgendaItem(doc, { text: `${pick(WORDS)} ${pick(WORDS)}`, addedBy: who.id }));
    else if (r < 0.062) {
      const id = openPoints.shift();
      if (id) markDiscussed(doc, id, true);
    } else {
      // Typing: a character at the end of the last paragraph; now and then a new paragraph.
      const frag = notesFragment(doc);
      const last = frag.length > 0 ? frag.get(frag.length - 1) : null;
      paragraph = last instanceof Y.XmlElement ? (last.get(0) as Y.XmlText) : null;
      if (!paragraph || paragraph.length > 300 || random() < 0.003) {
        const p = new Y.XmlElement('paragraph');
        p.insert(0, [new Y.XmlText('')]);
        frag.push([p]);
        paragraph = p.get(0) as Y.XmlText;
      }
      if (random() < 0.08 && paragraph.length > 0) paragraph.delete(paragraph.length - 1, 1);
      else paragraph.insert(paragraph.length, random() < 0.18 ? ' ' : pick([...'etaoinshrdlu']));
    }
  };

  return (async () => {
    for (let i = 0; i < o.meetings; i++) {
      const start = Date.UTC(2025, 0, 6, 10) + i * 7 * DAY;
      now = start;
      const startDigest = meetingDigest(members[0]!.doc);
      let who = members[i % 2]!;
      for (let k = 0; k < inMeeting; k++) {
        if (random() < 0.01) who = who === members[0] ? members[1]! : members[0]!;
        edit(who);
        now += 2700_000 / inMeeting;
      }
      const m: SimMeeting = { startedAt: new Date(start), endedAt: new Date(now), startDigest, summary: summarizeFromDigest(startDigest, members[0]!.doc) };
      meetings.push(m);
      await onMeetingEnd(m, members[0]!.doc);
      // Between meetings: three days later, each member a little.
      now = start + 3 * DAY;
      for (let k = 0; k < perMeeting - inMeeting; k++) {
        edit(k < (perMeeting - inMeeting) / 2 ? members[0]! : members[1]!);
        now += 3000;
      }
      const batch = pending;
      pending = [];
      await onRows(batch);
    }
    const last = members[0]!.doc;
    return { meetings, doc: last };
  })();
}

export interface Timed {
  wall: Summary;
  cpu: Summary;
}

/** A full GC between figures, so one figure never pays for the garbage of the one before (or of the build). */
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

async function timed(samples: number, fn: (i: number) => Promise<unknown>): Promise<Timed> {
  collect();
  // Warm: the first calls compile the paths and pay for the garbage the build left.
  for (let i = 0; i < 3; i++) await fn(i);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < samples; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn(i);
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall: summarize(wall), cpu: summarize(cpu) };
}

export async function runHistoryBench(o: HistoryBenchOptions, log: (m: string) => void): Promise<HistoryBenchResult> {
  const target = await createTestDatabase();
  const handle = await createDb({ kind: 'postgres', url: target.url, poolSize: 3 });
  const db: Db = handle.db;
  let app: App | null = null;
  try {
    const ana = await createUser(db, { email: `ana-${randomUUID()}@example.test`, displayName: 'Ana', passwordHash: 'x' });
    const ben = await createUser(db, { email: `ben-${randomUUID()}@example.test`, displayName: 'Ben', passwordHash: 'x' });
    if (!ana || !ben) throw new Error('users not created');
    const room = await createRoom(db, { title: 'History bench', createdBy: ben.id });
    await db.insert(schema.roomMembers).values({ roomId: room.id, userId: ana.id, role: 'mentee' });

    log(`history: building ${o.meetings} meetings and ${o.updates} logged updates`);
    const t0 = performance.now();
    const store = createRoomStore(db, { historyMergeWindowMs: 60_000 });
    const empty = Y.encodeStateAsUpdate(new Y.Doc());
    let rawBytes = 0;
    let logged = 0;
    const meetingIds: string[] = [];
    let snapshotsFull = 0;
    const { meetings, doc } = await simulate(
      o,
      [ana.id, ben.id],
      async (rows) => {
        for (let i = 0; i < rows.length; i += COMPACT_AFTER) {
          const batch = rows.slice(i, i + COMPACT_AFTER);
          rawBytes += batch.reduce((n, r) => n + r.data.byteLength, 0);
          logged += batch.length;
          await db.insert(schema.roomUpdates).values(batch.map((r) => ({ roomId: room.id, data: r.data, authorId: r.authorId, createdAt: r.at })));
          await store.compact(room.id, empty);
        }
      },
      // Each meeting's end is stored the way the meetings service stores it (meetings-service close).
      async (m, live) => {
        const [row] = await db
          .insert(schema.meetings)
          .values({ roomId: room.id, number: meetingIds.length + 1, startedAt: m.startedAt, endedAt: m.endedAt, startDigest: m.startDigest })
          .returning({ id: schema.meetings.id });
        meetingIds.push(row!.id);
        const base = await getSnapshotTip(db, room.id);
        const end = encodeMeetingEnd(live, base);
        if (!end.diff) snapshotsFull++;
        await saveMeetingEnd(db, row!.id, { roomId: room.id, snapshot: end.data, base: end.diff ? base : null, version: end.version, summary: m.summary });
        await db.insert(schema.meetingAttendance).values([
          { meetingId: row!.id, userId: ana.id, joinedAt: m.startedAt, leftAt: m.endedAt },
          { meetingId: row!.id, userId: ben.id, joinedAt: m.startedAt, leftAt: m.endedAt },
        ]);
      },
    );
    await db.execute(sql`analyze`);
    const size = await historySize(db, room.id);
    const stored = await db.execute(sql`select coalesce(sum(pg_column_size(h.*)), 0) as n from room_history h`);
    // Everything the meetings area keeps of the doc: end states (full or differences), the
    // latest end's version, the start digests (jsonb, as stored).
    const snaps = await db.execute(
      sql`select coalesce(sum(coalesce(length(end_snapshot), 0) + coalesce(length(end_version), 0) + coalesce(pg_column_size(start_digest), 0)), 0) as n from meetings`,
    );
    const num = (r: unknown) => Number((Array.isArray(r) ? (r as Array<{ n: unknown }>) : [])[0]?.n ?? 0);
    const build = {
      ms: Math.round(performance.now() - t0),
      rawBytes,
      historyRows: size.rows,
      historyBytes: size.bytes,
      historyStoredBytes: num(stored),
      snapshotBytes: num(snaps),
      snapshotsFull,
      notesChars: notesFragment(doc).toString().length,
      docBytes: Y.encodeStateAsUpdate(doc).byteLength,
    };
    log(`history: built in ${build.ms} ms (${logged} updates, ${size.rows} kept rows); starting a node`);

    app = await createApp({ config: testConfig({}), db: handle, bus: new MemoryBus(), logger: createLogger('warn') });
    const server = app.http;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const session = await startSession(db, ana.id, 3_600_000);
    const cookie = `${SESSION_COOKIE}=${session.token}`;
    const base = `${url}/api/rooms/${room.id}`;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      const body = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
      return body;
    };
    const mid = (i: number) => meetingIds[(Math.floor(meetingIds.length / 2) + i) % meetingIds.length]!;
    // First reads of two ends, before any other end is read (a first read rebuilds an end from
    // its chain; the node then remembers it, meetings-source): the newest meeting's, and the one
    // rebuilt from the most bytes (its chain's full state and every difference after it), the
    // chain's worst case. A few requests first (meeting 2's end is in the first, short chain;
    // the doc now is as large as the newest end), so that they do not pay for compiling the
    // node's code: without them, whichever came first took 190–220 ms instead of 30.
    await get('/history/meetings');
    for (let i = 0; i < 3; i++) await get(`/meetings/${meetingIds[1]}/state`);
    for (let i = 0; i < 3; i++) await get(`/state?at=now`);
    const firstRead = async (path: string) => {
      collect();
      const c = process.cpuUsage();
      const t = performance.now();
      await get(path);
      const d = process.cpuUsage(c);
      return { wall: performance.now() - t, cpu: (d.user + d.system) / 1000 };
    };
    const meetingStateNewestFirst = await firstRead(`/meetings/${meetingIds.at(-1)}/state`);
    const longest = (await db.execute(sql`select id, snapshot_chain_bytes as n from meetings order by snapshot_chain_bytes desc nulls last limit 1`)) as unknown as Array<{ id: string; n: number }>;
    const chainParts = (await db.execute(
      sql`with recursive c(id, base) as (select id, snapshot_base from meetings where id = ${longest[0]!.id}::uuid union all select m.id, m.snapshot_base from meetings m join c on m.id = c.base) select count(*)::int as n from c`,
    )) as unknown as Array<{ n: number }>;
    const meetingStateLongestFirst = await firstRead(`/meetings/${longest[0]!.id}/state`);
    const longestChain = { bytes: Number(longest[0]!.n), parts: Number(chainParts[0]!.n) };
    const meetingStateMs = await timed(o.samples, (i) => get(`/meetings/${mid(i)}/state`));
    const meetingStateNewestMs = await timed(o.samples, () => get(`/meetings/${meetingIds.at(-1)}/state`));
    const meetingStateLongestMs = await timed(o.samples, () => get(`/meetings/${longest[0]!.id}/state`));
    const compareAdjacentMs = await timed(o.samples, (i) => get(`/compare?a=${mid(i)}&b=${mid(i + 1)}`));
    const compareFarMs = await timed(Math.max(3, Math.floor(o.samples / 4)), () => get(`/compare?a=${meetingIds[0]}&b=now`));
    const monthFrom = (i: number) => new Date(meetings[Math.floor(meetings.length / 2)]!.startedAt.getTime() - DAY + i * DAY);
    let groups = 0;
    const timelineMonthMs = await timed(o.samples, async (i) => {
      const from = monthFrom(i);
      const body = await get(`/history?from=${from.toISOString()}&to=${new Date(from.getTime() + 30 * DAY).toISOString()}`);
      groups = (JSON.parse(Buffer.from(body).toString('utf8')) as { groups: unknown[] }).groups.length;
    });
    const meetingsListMs = await timed(o.samples, () => get('/history/meetings'));
    const stateAtTimeMs = await timed(o.samples, (i) => get(`/state?at=${new Date(monthFrom(i).getTime() + 3.5 * DAY).toISOString()}`));
    return { options: o, build, meetingsListMs, meetingStateMs, meetingStateNewestFirst, meetingStateNewestMs, meetingStateLongestFirst, meetingStateLongestMs, longestChain, compareAdjacentMs, compareFarMs, timelineMonthMs, timelineMonthGroups: groups, stateAtTimeMs };
  } finally {
    if (app) await app.close();
    await handle.close();
    await target.drop();
  }
}
