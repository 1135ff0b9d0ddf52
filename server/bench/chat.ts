import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createTestDatabase } from '../test/postgres.ts';
import { processUsage, startNodeProcess, type NodeProcess } from '../test/process.ts';
import { provisionRoomsInDb } from '../test/provision.ts';
import type { ChatBenchRoom, ChatGeneratorCommand, ChatGeneratorEvent, ChatGeneratorReport } from './chat-generator.ts';
import { postgresBackends, setPriority } from './priority.ts';
import { startRedis, type BenchRedis } from './redis.ts';
import { summarize, type Summary } from './stats.ts';

/**
 * Issue 15's chat figure: `rooms` rooms on one node, each sending `rate` chat messages a
 * second (mentor and mentee taking turns), for `durationMs`. Delivery is measured from the
 * sender's `chat:send` to the other member's `chat:message` (which the server emits only
 * after the group commit), the ack from send to ack. Every acked message must be in Postgres
 * at the end. `bus`: 'memory' (the embedded default) or 'redis' (the socket.io Redis adapter
 * on one node: each emit also goes through Redis).
 */
export interface ChatBenchOptions {
  rooms: number;
  rate: number;
  durationMs: number;
  warmupMs: number;
  workers: number;
  priority: number;
  bus: 'memory' | 'redis';
  nodeArgs: string[];
}

export interface ChatBenchResult {
  options: ChatBenchOptions;
  loadAverage: number;
  sent: number;
  acked: number;
  refused: Record<string, number>;
  messagesPerSecond: number;
  deliveryMs: Summary;
  ackMs: Summary;
  undelivered: number;
  unanswered: number;
  /** Rows in chat_messages for the benchmark's rooms, against the acked count. */
  persisted: { rows: number; acked: number; missing: number };
  /** Meetings started by themselves during the run (BENCH_CHAT_MEETINGS), first to last start. */
  meetings: { started: number; spreadMs: number };
  node: { cpuPercent: number; cpuMsPer1000Messages: number; rssMB: number };
  commits: { count: number; meanRows: number; meanMs: number };
  generators: Array<{ cpuPercent: number; loopP99Ms: number; loopMaxMs: number }>;
}

const forkGenerator = (): ChildProcess =>
  fork(fileURLToPath(new URL('./chat-generator.ts', import.meta.url)), [], {
    execArgv: ['--max-semi-space-size=32', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

const nextEvent = <T extends ChatGeneratorEvent['type']>(child: ChildProcess, type: T) =>
  new Promise<Extract<ChatGeneratorEvent, { type: T }>>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as ChatGeneratorEvent).type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<ChatGeneratorEvent, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`chat generator exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

const command = (child: ChildProcess, cmd: ChatGeneratorCommand) => child.send(cmd);

/** The node's chat commit histogram (count, sum) off /metrics. */
async function commitStats(node: NodeProcess): Promise<{ count: number; sum: number }> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { count: read('menteo_chat_commit_seconds_count'), sum: read('menteo_chat_commit_seconds_sum') };
}

export async function runChatBench(opts: ChatBenchOptions, log: (msg: string) => void): Promise<ChatBenchResult> {
  const db = await createTestDatabase();
  let redis: BenchRedis | null = null;
  let node: NodeProcess | null = null;
  const generators: ChildProcess[] = [];
  try {
    if (opts.bus === 'redis') redis = await startRedis();
    // Chat alone: with both members of 1,000 rooms present, meetings would auto-start a minute
    // in, all at once, and their snapshots and attendance rows would share the pool and Postgres
    // with the chat (BENCH_CHAT_MEETINGS=1 keeps the default to see that; =<seconds> sets
    // MEETING_AUTOSTART_S, so that the start of 1,000 meetings falls in the measured window).
    const meetingsEnv = process.env.BENCH_CHAT_MEETINGS;
    node = await startNodeProcess({
      databaseUrl: db.url,
      redisUrl: redis?.url,
      nodeId: 'bench-chat',
      logLevel: 'warn',
      nodeArgs: opts.nodeArgs,
      env: meetingsEnv === '1' ? {} : meetingsEnv && Number(meetingsEnv) > 1 ? { MEETING_AUTOSTART_S: meetingsEnv } : { MEETING_AUTOSTART_S: '0' },
    });
    log(`chat node up (${opts.bus} bus); provisioning ${opts.rooms} rooms`);
    const provisioned = await provisionRoomsInDb(db.url, opts.rooms);
    const rooms: ChatBenchRoom[] = provisioned.map((r) => ({ roomId: r.roomId, mentor: r.mentor.session, mentee: r.mentee.session }));
    for (let w = 0; w < opts.workers; w++) generators.push(forkGenerator());
    setPriority([node.pid, ...generators.map((g) => g.pid), redis?.pid], opts.priority);
    const connected = generators.map((g) => nextEvent(g, 'connected'));
    generators.forEach((g, w) =>
      command(g, { type: 'connect', url: node!.url, rooms: rooms.filter((_, i) => i % opts.workers === w), concurrency: 25 }),
    );
    const conn = await Promise.all(connected);
    log(`${conn.reduce((n, c) => n + c.clients, 0)} chat clients connected (${conn.reduce((n, c) => n + c.failures, 0)} failed)`);
    if (opts.priority !== 0) setPriority(await postgresBackends(db.url), opts.priority);
    await new Promise((r) => setTimeout(r, 1000));

    const reports = generators.map((g) => nextEvent(g, 'report'));
    generators.forEach((g) => command(g, { type: 'run', durationMs: opts.durationMs, warmupMs: opts.warmupMs, rate: opts.rate, drainMs: 5000 }));
    // The node's CPU and commits over the measured window only (after the warm-up).
    await new Promise((r) => setTimeout(r, opts.warmupMs));
    const [u0, c0] = await Promise.all([processUsage(node.pid), commitStats(node)]);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, opts.durationMs - opts.warmupMs));
    const [u1, c1] = await Promise.all([processUsage(node.pid), commitStats(node)]);
    const windowS = (performance.now() - t0) / 1000;
    const loadAverage = os.loadavg()[0]!;
    const results: ChatGeneratorReport[] = await Promise.all(reports);

    const sent = results.reduce((n, r) => n + r.sent, 0);
    const acked = results.reduce((n, r) => n + r.acked, 0);
    const refused: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.refused)) refused[k] = (refused[k] ?? 0) + v;
    const delivery = summarize(results.flatMap((r) => r.delivery));
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const [{ n }] = (await sql`select count(*)::int as n from chat_messages`) as unknown as [{ n: number }];
    // With automatic starts on: how many rooms' meetings started, and over how long.
    const [m] = (await sql`select count(*)::int as n, extract(epoch from max(started_at) - min(started_at)) * 1000 as spread from meetings`) as unknown as [
      { n: number; spread: number | null },
    ];
    await sql.end();
    const windowMessages = delivery.n;
    const cpuMs = u1.cpuMs - u0.cpuMs;
    return {
      options: opts,
      loadAverage,
      sent,
      acked,
      refused,
      messagesPerSecond: windowMessages / windowS,
      deliveryMs: delivery,
      ackMs: summarize(results.flatMap((r) => r.ack)),
      undelivered: results.reduce((x, r) => x + r.undelivered, 0),
      unanswered: results.reduce((x, r) => x + r.unanswered, 0),
      persisted: { rows: n, acked, missing: Math.max(0, acked - n) },
      meetings: { started: m.n, spreadMs: Math.round(Number(m.spread ?? 0)) },
      node: { cpuPercent: (cpuMs / 1000 / windowS) * 100, cpuMsPer1000Messages: (cpuMs / Math.max(1, windowMessages)) * 1000, rssMB: u1.rssBytes / 1024 / 1024 },
      commits: {
        count: c1.count - c0.count,
        meanRows: windowMessages / Math.max(1, c1.count - c0.count),
        meanMs: ((c1.sum - c0.sum) / Math.max(1, c1.count - c0.count)) * 1000,
      },
      generators: results.map((r) => ({ cpuPercent: r.cpuPercent, loopP99Ms: r.loopDelayMs.p99, loopMaxMs: r.loopDelayMs.max })),
    };
  } finally {
    for (const g of generators) {
      if (g.connected) command(g, { type: 'close' });
    }
    await node?.stop(10_000).catch(() => {});
    await redis?.stop();
    await db.drop();
  }
}
