import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import * as Y from 'yjs';
import { roomOrder } from '../scripts/proxy.ts';
import { createTestDatabase } from '../test/postgres.ts';
import { processUsage, startNodeProcess, type NodeProcess } from '../test/process.ts';
import { provisionRoomsInDb } from '../test/provision.ts';
import type { BenchRoom, EditKind, GeneratorCommand, GeneratorEvent, GeneratorReport } from './protocol.ts';
import { startRedis, startRedisClusterForBench, type BenchRedis, type BenchRedisCluster, type ClusterNodeCounters } from './redis.ts';
import { postgresBackends, setPriority } from './priority.ts';
import { summarize, type Summary } from './stats.ts';

export interface LoadOptions {
  rooms: number;
  durationMs: number;
  warmupMs: number;
  /** Edits per second per client. */
  rate: number;
  edit: EditKind;
  workers: number;
  /** 1 = one node on the in-process bus; more = that many nodes on a benchmark-owned Redis. */
  nodes: number;
  /**
   * With several nodes: 'split' puts a room's mentor and mentee on different nodes (every edit
   * crosses Redis: issue 4's case); 'affine' puts both on the node a room-affine balancer
   * (scripts/proxy.ts, --affinity room) would pick for the room.
   */
  placement: 'split' | 'affine';
  /**
   * With several nodes, what carries the fan-out: 'single' one redis-server (REDIS_URL);
   * 'cluster-classic' a Redis Cluster (3 masters + 3 replicas) used with classic PUBLISH through
   * one of its nodes (REDIS_URL; the cluster broadcasts every message to every node);
   * 'cluster-sharded' the same cluster with sharded pub/sub (REDIS_CLUSTER_NODES).
   */
  redis: RedisKind;
  concurrency: number;
  /** Nice value for everything on the measured path (0: unchanged); see priority.ts. */
  priority: number;
  /** Write a V8 CPU profile of each node to this directory (null: no profiling). */
  profileDir: string | null;
  /** Extra node flags for the server nodes (e.g. --max-old-space-size=160). */
  nodeArgs: string[];
}

export type RedisKind = 'single' | 'cluster-classic' | 'cluster-sharded';

/** Per Redis shard (a master and its replica) over the measured window, per edit sent. */
export interface ShardFigures {
  /** The shard's master port. */
  shard: number;
  /** PUBLISH + SPUBLISH from clients, on any of the shard's nodes. */
  clientPublishesPerEdit: number;
  /** Publishes forwarded to the shard's nodes over the cluster bus (classic: every node; sharded: the master's replica). */
  forwardedPerEdit: number;
  /** Both: messages the shard's nodes each had to take in and deliver to their subscribers. */
  handledPerEdit: number;
  /** Every command the shard's nodes ran, per edit. */
  commandsPerEdit: number;
}

export interface NodeFigures {
  nodeId: string;
  cpuPercent: number;
  cpuMsPer1000Edits: number;
  rssIdleMB: number;
  rssLoadedMB: number;
  rssAfterMB: number;
  heapIdleMB: number;
  heapLoadedMB: number;
  heapAfterMB: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** The node's GC pauses over the window (see gc-on-signal.mjs). */
  gc: GcWindow;
}

export interface GcWindow {
  /** Pauses per kind (minor = scavenge, major = mark-compact, incremental = marking steps). */
  byKind: Record<string, { count: number; meanMs: number }>;
  /** All pauses together, per second of the window. */
  pausedMsPerSecond: number;
  longestMs: number;
}

export interface LoadResult {
  options: LoadOptions;
  connect: { clients: number; failures: number; ms: number };
  edits: { sent: number; inWindow: number; perSecond: number };
  peerLatencyMs: Summary;
  ackLatencyMs: Summary;
  undeliveredToPeer: number;
  unacked: number;
  unexpectedCloses: Record<string, number>;
  persisted: { roomsChecked: number; clientsMissingEdits: number; logRows: number; checkpointRows: number; compactedUpdates: number };
  nodes: NodeFigures[];
  /** The group commit on each node over the measured window: INSERT duration (s) and rows per INSERT. */
  commits: Array<{ seconds: HistogramWindow; rows: HistogramWindow }>;
  /**
   * After a full GC: rss and heap per room between half and all rooms connected (the marginal
   * cost); rssFromIdle divides everything since the idle node by the rooms (fixed costs included).
   */
  memoryPerRoomKB: { rss: number; heap: number; rssFromIdle: number };
  generator: Array<{ cpuPercent: number; loopDelayP99Ms: number; loopDelayMaxMs: number; rssMB: number }>;
  redis: { publishPerEdit: number; commandsPerEdit: number; calls: Record<string, number> } | null;
  /** Redis Cluster runs only: what each shard handled (a single Redis is one "shard": see redis). */
  shards: ShardFigures[] | null;
  /** Warnings and errors the nodes logged during the run (count, and the distinct messages). */
  nodeLog: { warnings: number; errors: number; messages: string[] };
  /** 1-minute load average at the end of the measured window (the machine has os.cpus().length cores). */
  loadAverage: number;
}

const MB = 1024 * 1024;

/** One gauge from the node's /metrics (prom-client default metrics), or NaN. */
async function gauges(node: NodeProcess, names: string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const name of names) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
    out[name] = m ? Number(m[1]) : NaN;
  }
  return out;
}

/** A prom-client histogram's cumulative buckets, count and sum, read off /metrics. */
interface HistogramScrape {
  buckets: Array<[number, number]>;
  count: number;
  sum: number;
}

async function histogram(node: NodeProcess, name: string): Promise<HistogramScrape> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const buckets: Array<[number, number]> = [];
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} (\\S+)`, 'gm'))) {
    buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  const num = (suffix: string) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { buckets, count: num('count'), sum: num('sum') };
}

/** What happened between two scrapes: count, mean, and the bucket bound that holds the 99th percentile. */
export interface HistogramWindow {
  count: number;
  mean: number;
  p99UpperBound: number;
  /** Share of observations above each bucket bound. */
  over: Record<string, number>;
}

function histogramWindow(from: HistogramScrape, to: HistogramScrape): HistogramWindow {
  const count = to.count - from.count;
  const over: Record<string, number> = {};
  let p99UpperBound = NaN;
  to.buckets.forEach(([le, n], i) => {
    const inWindow = n - (from.buckets[i]?.[1] ?? 0);
    if (Number.isFinite(le)) over[String(le)] = count > 0 ? (count - inWindow) / count : 0;
    if (Number.isNaN(p99UpperBound) && count > 0 && inWindow >= 0.99 * count) p99UpperBound = le;
  });
  return { count, mean: count > 0 ? (to.sum - from.sum) / count : NaN, p99UpperBound, over };
}

const COMMIT_HISTOGRAMS = ['menteo_update_log_commit_seconds', 'menteo_update_log_batch_rows'] as const;

const heapUsed = async (node: NodeProcess) => (await gauges(node, ['nodejs_heap_size_used_bytes'])).nodejs_heap_size_used_bytes!;

const GC_HOOK = fileURLToPath(new URL('./gc-on-signal.mjs', import.meta.url));

interface GcFile {
  totals: Record<string, { count: number; ms: number }>;
  long: Array<[number, number, string]>;
}

const gcFileOf = (nodeId: string) => `${os.tmpdir()}/menteo-bench-gc-${process.pid}-${nodeId}.json`;

/** The node's GC totals so far; the preload rewrites the file every 250 ms. */
function readGc(node: NodeProcess): GcFile {
  try {
    return JSON.parse(fs.readFileSync(gcFileOf(node.nodeId), 'utf8')) as GcFile;
  } catch {
    return { totals: {}, long: [] };
  }
}

function gcWindow(from: GcFile, to: GcFile, fromWallMs: number, toWallMs: number): GcWindow {
  const byKind: GcWindow['byKind'] = {};
  let ms = 0;
  for (const [kind, t] of Object.entries(to.totals)) {
    const count = t.count - (from.totals[kind]?.count ?? 0);
    const kindMs = t.ms - (from.totals[kind]?.ms ?? 0);
    if (count > 0) byKind[kind] = { count, meanMs: kindMs / count };
    ms += kindMs;
  }
  const inWindow = to.long.filter(([at]) => at >= fromWallMs && at <= toWallMs);
  return {
    byKind,
    pausedMsPerSecond: ms / ((toWallMs - fromWallMs) / 1000),
    longestMs: inWindow.reduce((m, [, d]) => Math.max(m, d), 0),
  };
}

/**
 * The node's memory after a full GC (see gc-on-signal.mjs): heap used is then the live heap.
 * Without it the per-room figure swung by ±15 KB with whatever garbage a scavenge had not
 * yet collected.
 */
async function settledMemory(node: NodeProcess): Promise<{ usage: { cpuMs: number; rssBytes: number }; heap: number }> {
  process.kill(node.pid, 'SIGUSR2');
  // The GC runs on the node's next turn; the metrics request queues behind it.
  await new Promise((r) => setTimeout(r, 200));
  const heap = await heapUsed(node);
  return { usage: await processUsage(node.pid), heap };
}

/**
 * The node's own event-loop delay over the window: prom-client resets its histogram on
 * every scrape, so a scrape at the start and one at the end bracket the window.
 */
const LAG = ['nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds'];

function forkGenerator(profileDir: string | null): ChildProcess {
  return fork(fileURLToPath(new URL('./generator.ts', import.meta.url)), [], {
    // The generator holds thousands of clients and allocates per edit like the server does: the
    // same young-generation size keeps its own scavenges from showing up as latency.
    execArgv: ['--max-semi-space-size=32', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

const nextEvent = <T extends GeneratorEvent['type']>(child: ChildProcess, type: T) =>
  new Promise<Extract<GeneratorEvent, { type: T }>>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as GeneratorEvent).type === type) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<GeneratorEvent, { type: T }>);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`generator exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

const command = (child: ChildProcess, cmd: GeneratorCommand) => child.send(cmd);

/** Rooms × 2 clients × `rate` edits/s against one or more real node processes on real Postgres. */
export async function runLoad(opts: LoadOptions, log: (msg: string) => void): Promise<LoadResult> {
  const db = await createTestDatabase();
  let redis: BenchRedis | null = null;
  let redisCluster: BenchRedisCluster | null = null;
  const nodes: NodeProcess[] = [];
  const generators: ChildProcess[] = [];
  try {
    if (opts.nodes > 1 && opts.redis === 'single') redis = await startRedis();
    if (opts.nodes > 1 && opts.redis !== 'single') redisCluster = await startRedisClusterForBench();
    for (let i = 0; i < opts.nodes; i++) {
      nodes.push(
        await startNodeProcess({
          databaseUrl: db.url,
          redisUrl: redis?.url ?? (opts.redis === 'cluster-classic' ? redisCluster?.firstNodeUrl : undefined),
          nodeId: `bench-${i}`,
          logLevel: 'warn',
          // HEAP_GROWING_PERCENT=0 in the benchmark's environment compares with V8's own policy.
          env: {
            BENCH_GC_FILE: gcFileOf(`bench-${i}`),
            ...(redisCluster && opts.redis === 'cluster-sharded' ? { REDIS_CLUSTER_NODES: redisCluster.env } : {}),
            ...(process.env.HEAP_GROWING_PERCENT ? { HEAP_GROWING_PERCENT: process.env.HEAP_GROWING_PERCENT } : {}),
          },
          echo: process.env.BENCH_ECHO === '1',
          nodeArgs: ['--expose-gc', '--import', GC_HOOK, ...opts.nodeArgs, ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [])],
        }),
      );
    }
    log(`${nodes.length} node(s) up; provisioning ${opts.rooms} rooms`);
    const provisioned = await provisionRoomsInDb(db.url, opts.rooms);
    const ports = nodes.map((n) => n.port);
    const rooms: BenchRoom[] = provisioned.map((r, i) => {
      if (opts.placement === 'affine') {
        const node = nodes[ports.indexOf(roomOrder(r.roomId, ports)[0]!)]!;
        return { roomId: r.roomId, mentor: { session: r.mentor.session, wsUrl: node.wsUrl }, mentee: { session: r.mentee.session, wsUrl: node.wsUrl } };
      }
      return {
        roomId: r.roomId,
        mentor: { session: r.mentor.session, wsUrl: nodes[i % nodes.length]!.wsUrl },
        // With several nodes the mentee always lands on a different node from the mentor.
        mentee: { session: r.mentee.session, wsUrl: nodes[(i + 1) % nodes.length]!.wsUrl },
      };
    });

    await new Promise((r) => setTimeout(r, 1000));
    const idle = await Promise.all(nodes.map((n) => settledMemory(n)));

    for (let w = 0; w < opts.workers; w++) generators.push(forkGenerator(opts.profileDir));
    setPriority([...nodes.map((n) => n.pid), ...generators.map((g) => g.pid), redis?.pid, ...(redisCluster?.pids ?? [])], opts.priority);
    // Rooms connect in two halves, with the node's settled memory read after each: the
    // difference is what one more room costs, free of fixed costs that appear only under load
    // (the young generation growing to its --max-semi-space-size, pools, JIT code).
    const connectHalf = async (half: 0 | 1) => {
      const connected = generators.map((g) => nextEvent(g, 'connected'));
      generators.forEach((g, w) =>
        command(g, {
          type: 'connect',
          rooms: rooms.filter((_, i) => i % opts.workers === w && (i < rooms.length / 2 ? 0 : 1) === half),
          ack: true,
          concurrency: Math.max(1, Math.round(opts.concurrency / opts.workers)),
        }),
      );
      return Promise.all(connected);
    };
    const firstHalf = await connectHalf(0);
    await new Promise((r) => setTimeout(r, 1000));
    const half = await Promise.all(nodes.map((n) => settledMemory(n)));
    const secondHalf = await connectHalf(1);
    // The nodes' pools are open by now: their Postgres backends get the same priority.
    if (opts.priority !== 0) setPriority(await postgresBackends(db.url), opts.priority);
    const conn = [...firstHalf, ...secondHalf];
    const connect = {
      // Each generator reports its running total of clients.
      clients: secondHalf.reduce((n, c) => n + c.clients, 0),
      failures: conn.reduce((n, c) => n + c.failures, 0),
      ms: Math.max(...firstHalf.map((c) => c.ms)) + Math.max(...secondHalf.map((c) => c.ms)),
    };
    log(`${connect.clients} clients connected in ${Math.round(connect.ms)} ms (${connect.failures} failed)`);
    await new Promise((r) => setTimeout(r, 2000));
    const loaded = await Promise.all(nodes.map((n) => settledMemory(n)));
    const halfRooms = rooms.length - Math.ceil(rooms.length / 2);

    const redisBefore = redis ? await redis.commandCalls() : null;
    const clusterBefore = redisCluster ? await redisCluster.counters() : null;
    const reports = generators.map((g) => nextEvent(g, 'report'));
    const drainMs = 10_000;
    for (const g of generators) command(g, { type: 'run', durationMs: opts.durationMs, warmupMs: opts.warmupMs, ratePerClient: opts.rate, drainMs, edit: opts.edit });
    log(`running ${opts.durationMs / 1000} s (${opts.warmupMs / 1000} s warm-up)`);
    await new Promise((r) => setTimeout(r, opts.warmupMs));
    await Promise.all(nodes.map((n) => gauges(n, LAG)));
    const commitsFrom = await Promise.all(nodes.map((n) => Promise.all(COMMIT_HISTOGRAMS.map((h) => histogram(n, h)))));
    const cpuFrom = await Promise.all(nodes.map((n) => processUsage(n.pid)));
    const gcFrom = nodes.map((n) => readGc(n));
    const wallFrom = performance.now();
    const clockFrom = Date.now();
    await new Promise((r) => setTimeout(r, opts.durationMs - opts.warmupMs));
    const cpuTo = await Promise.all(nodes.map((n) => processUsage(n.pid)));
    const clockTo = Date.now();
    // The preload writes every 250 ms: wait for a write that covers the whole window.
    await new Promise((r) => setTimeout(r, 300));
    const gcTo = nodes.map((n) => readGc(n));
    const lag = await Promise.all(nodes.map((n) => gauges(n, LAG)));
    const commitsTo = await Promise.all(nodes.map((n) => Promise.all(COMMIT_HISTOGRAMS.map((h) => histogram(n, h)))));
    const wallMs = performance.now() - wallFrom;
    const loadAverage = os.loadavg()[0]!;
    const results = (await Promise.all(reports)) as GeneratorReport[];
    const redisAfter = redis ? await redis.commandCalls() : null;
    const clusterAfter = redisCluster ? await redisCluster.counters() : null;
    const after = await Promise.all(nodes.map((n) => processUsage(n.pid)));
    const heapAfter = await Promise.all(nodes.map((n) => heapUsed(n)));

    const sent = results.reduce((n, r) => n + r.sent, 0);
    const inWindow = results.reduce((n, r) => n + r.sentInWindow, 0);
    const closes: Record<string, number> = {};
    for (const r of results) for (const [code, n] of Object.entries(r.closes)) closes[code] = (closes[code] ?? 0) + n;
    log('verifying every edit is in Postgres');
    const persisted = await verifyPersisted(
      db.url,
      results.flatMap((r) => r.finalClocks),
    );

    let redisFigures: LoadResult['redis'] = null;
    let shards: ShardFigures[] | null = null;
    if (clusterBefore && clusterAfter) {
      ({ redis: redisFigures, shards } = clusterFigures(clusterBefore, clusterAfter, sent));
    } else if (redisBefore && redisAfter) {
      const calls: Record<string, number> = {};
      for (const [k, v] of Object.entries(redisAfter)) calls[k] = v - (redisBefore[k] ?? 0);
      const publishes = (calls.publish ?? 0) + (calls.spublish ?? 0);
      const total = Object.values(calls).reduce((a, b) => a + b, 0);
      redisFigures = { publishPerEdit: publishes / sent, commandsPerEdit: total / sent, calls };
    }

    return {
      options: opts,
      connect,
      edits: { sent, inWindow, perSecond: inWindow / ((opts.durationMs - opts.warmupMs) / 1000) },
      peerLatencyMs: summarize(results.flatMap((r) => r.peerLatency)),
      ackLatencyMs: summarize(results.flatMap((r) => r.ackLatency)),
      undeliveredToPeer: results.reduce((n, r) => n + r.undeliveredToPeer, 0),
      unacked: results.reduce((n, r) => n + r.unacked, 0),
      unexpectedCloses: closes,
      persisted,
      nodes: nodes.map((n, i) => {
        const cpuMs = cpuTo[i]!.cpuMs - cpuFrom[i]!.cpuMs;
        return {
          nodeId: n.nodeId,
          cpuPercent: (cpuMs / wallMs) * 100,
          cpuMsPer1000Edits: cpuMs / (inWindow / 1000),
          rssIdleMB: idle[i]!.usage.rssBytes / MB,
          rssLoadedMB: loaded[i]!.usage.rssBytes / MB,
          rssAfterMB: after[i]!.rssBytes / MB,
          heapIdleMB: idle[i]!.heap / MB,
          heapLoadedMB: loaded[i]!.heap / MB,
          heapAfterMB: heapAfter[i]! / MB,
          loopDelayMs: {
            p50: lag[i]!.nodejs_eventloop_lag_p50_seconds! * 1000,
            p99: lag[i]!.nodejs_eventloop_lag_p99_seconds! * 1000,
            max: lag[i]!.nodejs_eventloop_lag_max_seconds! * 1000,
          },
          gc: gcWindow(gcFrom[i]!, gcTo[i]!, clockFrom, clockTo),
        };
      }),
      commits: nodes.map((_, i) => ({
        seconds: histogramWindow(commitsFrom[i]![0]!, commitsTo[i]![0]!),
        rows: histogramWindow(commitsFrom[i]![1]!, commitsTo[i]![1]!),
      })),
      memoryPerRoomKB: {
        rss: sumDelta(loaded.map((l) => l.usage.rssBytes), half.map((l) => l.usage.rssBytes)) / halfRooms / 1024,
        heap: sumDelta(loaded.map((l) => l.heap), half.map((l) => l.heap)) / halfRooms / 1024,
        rssFromIdle: sumDelta(loaded.map((l) => l.usage.rssBytes), idle.map((l) => l.usage.rssBytes)) / opts.rooms / 1024,
      },
      generator: results.map((r) => ({
        cpuPercent: r.cpuPercent,
        loopDelayP99Ms: r.loopDelayMs.p99,
        loopDelayMaxMs: r.loopDelayMs.max,
        rssMB: r.rssBytes / MB,
      })),
      redis: redisFigures,
      shards,
      nodeLog: summarizeLogs(nodes),
      loadAverage,
    };
  } finally {
    for (const n of nodes) {
      // A node that just crashed may not have reported its exit yet.
      const exit = await Promise.race([n.exited, new Promise<null>((r) => setTimeout(() => r(null), 2000))]);
      if (!exit) continue;
      const { code, signal } = exit;
      log(`node ${n.nodeId} died during the run (code ${code}, signal ${signal}); its last lines:`);
      for (const line of n.logs.slice(-8)) console.log(`  ${JSON.stringify(line).slice(0, 300)}`);
    }
    for (const g of generators) if (g.connected) command(g, { type: 'close' });
    for (const n of nodes) await n.stop();
    for (const n of nodes) for (const f of [gcFileOf(n.nodeId), `${gcFileOf(n.nodeId)}.tmp`]) fs.rmSync(f, { force: true });
    await redis?.stop();
    await redisCluster?.stop();
    await db.drop();
  }
}

/** pino levels: 40 warn, 50 error, 60 fatal. */
function summarizeLogs(nodes: NodeProcess[]): LoadResult['nodeLog'] {
  let warnings = 0;
  let errors = 0;
  const seen = new Map<string, { count: number; first: string; last: string }>();
  for (const n of nodes) {
    for (const line of n.logs) {
      const level = typeof line.level === 'number' ? line.level : 50;
      if (level >= 50) errors++;
      else if (level >= 40) warnings++;
      const err = line.err as { message?: string } | undefined;
      const key = `${n.nodeId}: ${String(line.msg)}${err?.message ? ` (${err.message})` : ''}`;
      const time = typeof line.time === 'string' ? line.time.slice(11, 19) : '?';
      const entry = seen.get(key);
      if (entry) {
        entry.count++;
        entry.last = time;
      } else if (seen.size < 10) seen.set(key, { count: 1, first: time, last: time });
    }
  }
  const messages = [...seen].map(([k, v]) => `${k} ×${v.count} (${v.first}–${v.last})`);
  return { warnings, errors, messages };
}

const sumDelta = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v - b[i]!, 0);

/**
 * Every client's last edit is in Postgres: for each room, merge its checkpoint and every
 * log row, and check the merged state vector covers each client's final clock.
 */
async function verifyPersisted(
  url: string,
  finalClocks: Array<{ roomId: string; clientId: number; clock: number }>,
): Promise<LoadResult['persisted']> {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    // One snapshot: a compaction between reading checkpoints and log rows must not hide rows.
    const { logRows, cp, checkpoints, updates } = await sql.begin('isolation level repeatable read read only', async (tx) => {
      const [{ count: logRows }] = await tx<[{ count: number }]>`select count(*)::int as count from room_updates`;
      const [cp] = await tx<[{ count: number; compacted: number }]>`
        select count(*)::int as count, coalesce(sum(compacted_updates), 0)::int as compacted from room_checkpoints`;
      const checkpoints = await tx<{ room_id: string; state: Uint8Array }[]>`select room_id, state from room_checkpoints`;
      const updates = await tx<{ room_id: string; data: Uint8Array }[]>`select room_id, data from room_updates`;
      return { logRows, cp, checkpoints, updates };
    });
    const byRoom = new Map<string, Uint8Array[]>();
    for (const row of checkpoints) byRoom.set(row.room_id, [new Uint8Array(row.state)]);
    for (const row of updates) {
      const list = byRoom.get(row.room_id) ?? [];
      list.push(new Uint8Array(row.data));
      byRoom.set(row.room_id, list);
    }
    const svs = new Map<string, Map<number, number>>();
    for (const [roomId, updates] of byRoom) svs.set(roomId, Y.decodeStateVector(Y.encodeStateVectorFromUpdate(Y.mergeUpdates(updates))));
    let missing = 0;
    for (const c of finalClocks) {
      if (c.clock === 0) continue;
      if ((svs.get(c.roomId)?.get(c.clientId) ?? 0) < c.clock) missing++;
    }
    return { roomsChecked: svs.size, clientsMissingEdits: missing, logRows, checkpointRows: cp.count, compactedUpdates: cp.compacted };
  } finally {
    await sql.end();
  }
}

/** Calls and cluster-bus forwards between two counter reads, per shard and summed, per edit. */
function clusterFigures(before: ClusterNodeCounters[], after: ClusterNodeCounters[], sent: number): { redis: LoadResult['redis']; shards: ShardFigures[] } {
  const calls: Record<string, number> = {};
  const byShard = new Map<number, { publishes: number; forwarded: number; commands: number }>();
  for (const a of after) {
    const b = before.find((x) => x.port === a.port);
    const delta: Record<string, number> = {};
    for (const [k, v] of Object.entries(a.calls)) delta[k] = v - (b?.calls[k] ?? 0);
    for (const [k, v] of Object.entries(delta)) calls[k] = (calls[k] ?? 0) + v;
    const shard = byShard.get(a.shard) ?? { publishes: 0, forwarded: 0, commands: 0 };
    shard.publishes += (delta.publish ?? 0) + (delta.spublish ?? 0);
    shard.forwarded += a.publishReceived - (b?.publishReceived ?? 0) + a.publishShardReceived - (b?.publishShardReceived ?? 0);
    shard.commands += Object.values(delta).reduce((x, y) => x + y, 0);
    byShard.set(a.shard, shard);
  }
  const publishes = (calls.publish ?? 0) + (calls.spublish ?? 0);
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  return {
    redis: { publishPerEdit: publishes / sent, commandsPerEdit: total / sent, calls },
    shards: [...byShard]
      .sort(([a], [b]) => a - b)
      .map(([shard, f]) => ({
        shard,
        clientPublishesPerEdit: f.publishes / sent,
        forwardedPerEdit: f.forwarded / sent,
        handledPerEdit: (f.publishes + f.forwarded) / sent,
        commandsPerEdit: f.commands / sent,
      })),
  };
}
