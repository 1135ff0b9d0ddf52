/**
 * `npm run bench` (repo root) → this script. Real node processes on real Postgres (a fresh
 * database per scenario on the machine's Postgres) and, for several nodes, a
 * benchmark-owned redis-server. Prints a table per scenario and writes bench/results.json.
 *
 *   npm run bench                          full size (issue 3 and 4 numbers)
 *   npm run bench -- --quick               a smoke run in about a minute
 *   npm run bench -- --scenarios open      one scenario (single, open, multi, programs, meetings)
 *   npm run bench -- --rooms 500 --duration 60 --workers 3 --nodes 3
 *   npm run bench -- --scenarios single --edit agenda   one edit kind (default: typing,agenda)
 *   npm run bench -- --priority=-10       on a machine busy with other work (see priority.ts)
 *   npm run bench -- --placement affine   several nodes with both members of a room on one node
 *                                         (default split,affine; split is issue 4's case)
 *   npm run bench -- --scenarios multi --redis single,cluster-classic,cluster-sharded
 *                                         issue 20: the multi-node load over one Redis, over a Redis
 *                                         Cluster (3 masters + 3 replicas) with classic PUBLISH, and
 *                                         with sharded pub/sub: messages each shard handles per edit
 *   npm run bench -- --repeat 5           each load that many times: the table of the median run,
 *                                         and every run's p99 (a shared VM swings run to run)
 *   npm run bench -- --scenarios chat     issue 15's chat: 1,000 rooms × 1 message/s on one node
 *   npm run bench -- --scenarios chat --chat-bus memory,redis   also with the socket.io Redis adapter
 *   npm run bench -- --scenarios history  session history (issue 16): 100 meetings, 50,000 updates
 *   npm run bench -- --peers              issue 19: ours vs Hocuspocus (memory, extension-database on
 *                                         Postgres) and @y/websocket-server, ramping rooms per server
 *                                         until one fails (peers.ts); --peers-steps 250,500,1000 for
 *                                         the ramp, --peers-targets ours,hocuspocus to pick servers;
 *                                         with --repeat 3 each server ramps three times, taking turns,
 *                                         and rooms held is the median ramp's
 *   npm run bench -- --neighbours 2       with 2 processes each keeping 60 % of a core busy at the
 *                                         benchmark's priority: a repeatable squeeze (neighbours.ts)
 */
import fs from 'node:fs';
import os from 'node:os';
import { runMeetingEnd } from './meeting-end.ts';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, type LoadResult, type RedisKind } from './load.ts';
import { startNeighbours } from './neighbours.ts';
import { runOpenTime, type OpenResult } from './open-time.ts';
import { runChatBench, type ChatBenchResult } from './chat.ts';
import { runHistoryBench, type HistoryBenchResult } from './history-api.ts';
import { programsRows, runProgramsBench } from './programs.ts';
import { PEER_TARGETS, peersReport, runPeers, type PeerTarget } from './peers.ts';
import { printTable, round, type Summary } from './stats.ts';
import type { Timed } from './history-api.ts';
import type { EditKind } from './protocol.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    'peers-steps': { type: 'string' },
    'peers-targets': { type: 'string', default: PEER_TARGETS.join(',') },
    'peers-duration': { type: 'string', default: '15' },
    scenarios: { type: 'string', default: 'single,open,multi,chat,history,programs,meetings' },
    'chat-bus': { type: 'string', default: 'memory' },
    'history-meetings': { type: 'string', default: '100' },
    'history-updates': { type: 'string', default: '50000' },
    pairs: { type: 'string', default: '1000' },
    rooms: { type: 'string' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1' },
    // Both by default: typing is what a session is mostly made of; agenda items are the
    // heaviest common edit (2.4 KB of server heap each), a stress no room sustains for long.
    edit: { type: 'string', default: 'typing,agenda' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '100' },
    nodes: { type: 'string', default: '2' },
    // split: mentor and mentee on different nodes (issue 4's figure); affine: on the node a
    // room-affine balancer picks (the README's recommended deployment).
    placement: { type: 'string', default: 'split,affine' },
    // What carries the fan-out with several nodes (issue 20): single, cluster-classic, cluster-sharded.
    redis: { type: 'string', default: 'single' },
    'open-rooms': { type: 'string', default: '7' },
    'open-updates': { type: 'string', default: '10000' },
    priority: { type: 'string', default: '0' },
    repeat: { type: 'string', default: '1' },
    neighbours: { type: 'string', default: '0' },
    profile: { type: 'string' },
    // What `npm start` runs the server with (README, Performance); --node-args= to compare without.
    'node-args': { type: 'string', default: '--max-semi-space-size=32' },
    out: { type: 'string', default: fileURLToPath(new URL('./results.json', import.meta.url)) },
  },
  allowPositionals: false,
});

const num = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
};

function editKind(v: string): EditKind {
  if (v !== 'agenda' && v !== 'typing') throw new Error(`--edit must be agenda or typing, got ${v}`);
  return v;
}

const edits = args.edit.split(',').map((e) => editKind(e.trim()));
const placements = args.placement.split(',').map((p) => {
  const v = p.trim();
  if (v !== 'split' && v !== 'affine') throw new Error(`--placement must be split or affine, got ${p}`);
  return v;
});
const redisKinds = args.redis.split(',').map((k): RedisKind => {
  const v = k.trim();
  if (v !== 'single' && v !== 'cluster-classic' && v !== 'cluster-sharded') throw new Error(`--redis must be single, cluster-classic or cluster-sharded, got ${k}`);
  return v;
});
/** Result keys: the first edit kind keeps the plain name (singleNode), later ones get a suffix. */
const keyFor = (base: string, kind: EditKind, i: number) => (i === 0 ? base : `${base}-${kind}`);
const editTitle = (kind: EditKind) => (kind === 'typing' ? 'typing in the notes' : 'an agenda item per edit');

const quick = args.quick;
const priority = Number(args.priority);
if (!Number.isInteger(priority) || priority < -20 || priority > 19) throw new Error(`--priority must be a nice value (-20..19), got ${args.priority}`);
const scenarios = new Set(args.scenarios.split(',').map((s) => s.trim()));
for (const s of scenarios) if (!['single', 'open', 'multi', 'chat', 'history', 'programs', 'meetings'].includes(s)) throw new Error(`unknown scenario ${s}`);
const load = {
  rooms: num(args.rooms ?? (quick ? '50' : '1000'), 'rooms'),
  durationMs: num(quick ? '8' : args.duration, 'duration') * 1000,
  warmupMs: num(quick ? '2' : args.warmup, 'warmup') * 1000,
  rate: num(args.rate, 'rate'),
  workers: num(args.workers, 'workers'),
  concurrency: num(args.concurrency, 'concurrency'),
  priority,
  profileDir: args.profile ?? null,
  nodeArgs: args['node-args'].split(' ').filter(Boolean),
};
const open = {
  rooms: num(quick ? '2' : args['open-rooms'], 'open-rooms'),
  updates: num(quick ? '2000' : args['open-updates'], 'open-updates'),
  // The server's default COMPACT_AFTER_UPDATES: the longest tail a kept room can have is one less.
  compactAfter: 500,
  priority,
  nodeArgs: load.nodeArgs,
};

const history = {
  meetings: num(quick ? '10' : args['history-meetings'], 'history-meetings'),
  updates: num(quick ? '5000' : args['history-updates'], 'history-updates'),
  samples: quick ? 5 : 20,
};

const repeat = num(args.repeat, 'repeat');
const neighbours = Number(args.neighbours);
if (!Number.isInteger(neighbours) || neighbours < 0 || neighbours > 8) throw new Error(`--neighbours must be 0..8, got ${args.neighbours}`);

/**
 * Runs one load `repeat` times and keeps the run with the median edit-to-peer p99, with
 * every run's p99 beside it: on a shared 2-core VM, one run's tail says as much about the
 * neighbours as about the server.
 */
async function repeatedLoad(opts: Parameters<typeof runLoad>[0]): Promise<LoadResult & { p99Runs: number[] }> {
  const runs: LoadResult[] = [];
  for (let i = 0; i < repeat; i++) {
    if (repeat > 1) log(`run ${i + 1} of ${repeat}`);
    runs.push(await runLoad(opts, log));
  }
  const sorted = [...runs].sort((a, b) => a.peerLatencyMs.p99 - b.peerLatencyMs.p99);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { ...median, p99Runs: runs.map((r) => r.peerLatencyMs.p99) };
}

const redisTitle = (k: RedisKind) =>
  k === 'single' ? 'Redis' : k === 'cluster-classic' ? 'a Redis Cluster, classic pub/sub' : 'a Redis Cluster, sharded pub/sub';

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const ms = (s: Summary, k: 'p50' | 'p99' | 'max') => (s.n ? `${round(s[k], 1)} ms` : 'n/a');

function loadRows(r: LoadResult & { p99Runs: number[] }): Array<[string, string | number, string?]> {
  const runs = [...r.p99Runs].sort((a, b) => a - b);
  const rows: Array<[string, string | number, string?]> = [
    ['rooms × clients', `${r.options.rooms} × 2`],
    ...(r.options.nodes > 1
      ? ([['members placed', r.options.placement === 'split' ? 'on different nodes' : 'both on their room’s node']] as Array<[string, string]>)
      : []),
    ['edit', r.options.edit === 'typing' ? 'a word typed into the notes' : 'a talking point added to the agenda'],
    ['machine load (1 min avg, 2 cores)', round(r.loadAverage, 1)],
    ['edits/s (measured window)', round(r.edits.perSecond, 0)],
    ['edits sent (total)', r.edits.sent],
    ['edit-to-peer p50', ms(r.peerLatencyMs, 'p50')],
    ['edit-to-peer p99', ms(r.peerLatencyMs, 'p99'), r.options.nodes === 1 ? '≤ 20 ms' : r.options.placement === 'split' ? '≤ 15 ms' : ''],
    ['edit-to-peer max', ms(r.peerLatencyMs, 'max')],
    ...(runs.length > 1
      ? ([[`edit-to-peer p99, each of ${runs.length} runs (this table: the median run)`, runs.map((v) => round(v, 1)).join(', ') + ' ms']] as Array<[string, string]>)
      : []),
    ['saved-ack p50', ms(r.ackLatencyMs, 'p50')],
    ['saved-ack p99', ms(r.ackLatencyMs, 'p99'), '≤ 50 ms'],
    ['undelivered / unacked at end', `${r.undeliveredToPeer} / ${r.unacked}`, '0 / 0'],
    ['clients missing edits in Postgres', r.persisted.clientsMissingEdits, '0'],
    ['log rows / checkpoints', `${r.persisted.logRows} / ${r.persisted.checkpointRows}`],
    ['rows (log + compacted) vs edits sent', `${r.persisted.logRows + r.persisted.compactedUpdates} vs ${r.edits.sent}`],
    ['unexpected closes', JSON.stringify(r.unexpectedCloses)],
    ['connect (all clients)', `${Math.round(r.connect.ms)} ms, ${r.connect.failures} failed`],
  ];
  r.nodes.forEach((n, i) => {
    const c = r.commits[i]!;
    rows.push([`${n.nodeId} INSERTs / mean rows`, `${c.seconds.count} / ${round(c.rows.mean, 1)}`]);
    rows.push([
      `${n.nodeId} INSERT mean / p99 bucket / > 20 ms / > 50 ms`,
      `${round(c.seconds.mean * 1000, 1)} ms / ≤ ${round(c.seconds.p99UpperBound * 1000, 0)} ms / ${round((c.seconds.over['0.02'] ?? 0) * 100, 1)} % / ${round((c.seconds.over['0.05'] ?? 0) * 100, 1)} %`,
    ]);
  });
  for (const n of r.nodes) {
    rows.push([`${n.nodeId} CPU`, `${round(n.cpuPercent, 0)} %`]);
    rows.push([`${n.nodeId} CPU per 1,000 edits`, `${round(n.cpuMsPer1000Edits, 0)} ms`]);
    rows.push([`${n.nodeId} event-loop delay p50 / p99 / max`, `${round(n.loopDelayMs.p50, 1)} / ${round(n.loopDelayMs.p99, 1)} / ${round(n.loopDelayMs.max, 1)} ms`]);
    const kinds = Object.entries(n.gc.byKind).map(([kind, k]) => `${k.count} ${kind} × ${round(k.meanMs, 1)}`);
    rows.push([`${n.nodeId} GC pauses: count × mean ms`, kinds.join(', ') || 'none']);
    rows.push([`${n.nodeId} GC paused per second / longest`, `${round(n.gc.pausedMsPerSecond, 1)} ms / ${round(n.gc.longestMs, 1)} ms`]);
    rows.push([`${n.nodeId} heap idle → loaded → end`, `${round(n.heapIdleMB, 0)} → ${round(n.heapLoadedMB, 0)} → ${round(n.heapAfterMB, 0)} MB`]);
    rows.push([`${n.nodeId} RSS idle → loaded → end`, `${round(n.rssIdleMB, 0)} → ${round(n.rssLoadedMB, 0)} → ${round(n.rssAfterMB, 0)} MB`]);
  }
  rows.push(['node warnings / errors logged', `${r.nodeLog.warnings} / ${r.nodeLog.errors}`]);
  for (const m of r.nodeLog.messages.slice(0, 5)) rows.push(['  log', m.slice(0, 90)]);
  // With several nodes each room is held on two of them: the figure sums the deltas over all nodes.
  const sumNote = r.nodes.length > 1 ? ', all nodes' : '';
  rows.push([`memory per room, one more room (RSS${sumNote})`, `${round(r.memoryPerRoomKB.rss, 1)} KB`, r.nodes.length > 1 ? '' : '≤ 60 KB']);
  rows.push([`memory per room, one more room (live heap${sumNote})`, `${round(r.memoryPerRoomKB.heap, 1)} KB`]);
  rows.push([`memory per room, all RSS since idle ÷ rooms${sumNote}`, `${round(r.memoryPerRoomKB.rssFromIdle, 1)} KB`]);
  r.generator.forEach((g, i) =>
    rows.push([
      `generator ${i} CPU / loop p99 / max / RSS`,
      `${round(g.cpuPercent, 0)} % / ${round(g.loopDelayP99Ms, 1)} / ${round(g.loopDelayMaxMs, 1)} ms / ${round(g.rssMB, 0)} MB`,
    ]),
  );
  if (r.redis) {
    rows.push([`Redis ${r.options.redis === 'cluster-sharded' ? 'SPUBLISH' : 'PUBLISH'} per edit`, round(r.redis.publishPerEdit, 2), '≤ 2']);
    rows.push(['Redis commands per edit', round(r.redis.commandsPerEdit, 2)]);
  }
  if (r.redis && r.options.redis === 'single') rows.push(['messages the one Redis handles per edit', round(r.redis.publishPerEdit, 2)]);
  for (const s of r.shards ?? []) {
    rows.push([
      `shard :${s.shard} (master + replica): messages handled per edit`,
      `${round(s.handledPerEdit, 2)} (${round(s.clientPublishesPerEdit, 2)} from nodes + ${round(s.forwardedPerEdit, 2)} over the cluster bus); ${round(s.commandsPerEdit, 2)} commands`,
    ]);
  }
  return rows;
}

function openRows(r: OpenResult): Array<[string, string | number, string?]> {
  const { kept, neverCompacted: never } = r;
  const samples = (v: number[]) => v.map((x) => round(x, 1)).join(', ');
  return [
    ['rooms per case × logged updates', `${r.options.rooms} × ${r.options.updates}`],
    ['machine load (1 min avg, 2 cores)', round(r.loadAverage, 1)],
    [`long history as the server keeps it: checkpoint + ${kept.stored.logRows}-row tail`, ''],
    ['  cold open p50 (fresh node, connect → synced, all content)', ms(kept.coldMs, 'p50'), '≤ 20 ms'],
    ['  cold open max', ms(kept.coldMs, 'max')],
    ['  cold opens', samples(kept.coldSamples)],
    [`${never.stored.logRows} rows never compacted (pathological: compaction failing)`, ''],
    // Not back to back: opened right after another, the previous room's load-time compaction
    // (about 140 ms of the node's time for 10,000 rows) is measured too: 107 ms p50 when this was written.
    ['  cold open p50 (after the previous room finished compacting)', ms(never.coldMs, 'p50')],
    ['  cold open max', ms(never.coldMs, 'max')],
    ['  cold opens', samples(never.coldSamples)],
    ['first open on the just-started node (not counted)', `${round(r.firstOpenMs, 1)} ms`],
    ['reopen after unload (checkpoint only) p50', ms(r.reopenMs, 'p50')],
    ['reopen max', ms(r.reopenMs, 'max')],
    ['log rows / checkpoints after', `${r.afterRun.logRows} / ${r.afterRun.checkpoints}`],
  ];
}

function chatRows(r: ChatBenchResult, runs: ChatBenchResult[]): Array<[string, string | number, string?]> {
  const refused = Object.entries(r.refused).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  return [
    ['rooms × clients', `${r.options.rooms} × 2`],
    ['machine load (1 min avg, 2 cores)', round(r.loadAverage, 1)],
    ['messages/s (measured window)', round(r.messagesPerSecond, 0)],
    ['sent / acked / refused', `${r.sent} / ${r.acked} / ${refused}`],
    ['delivery (send → other member) p50', ms(r.deliveryMs, 'p50')],
    ['delivery p99', ms(r.deliveryMs, 'p99'), '≤ 20 ms'],
    ['delivery max', ms(r.deliveryMs, 'max')],
    ...(runs.length > 1
      ? ([[`delivery p99, each of ${runs.length} runs (this table: the median run)`, runs.map((x) => round(x.deliveryMs.p99, 1)).join(', ') + ' ms']] as Array<[string, string]>)
      : []),
    ['sent ack (committed) p50 / p99', `${round(r.ackMs.p50, 1)} / ${round(r.ackMs.p99, 1)} ms`],
    ['acked but undelivered / unanswered', `${r.undelivered} / ${r.unanswered}`, '0 / 0'],
    ['rows in Postgres vs acked (missing)', `${r.persisted.rows} vs ${r.persisted.acked} (${r.persisted.missing})`, '0 missing'],
    ['meetings started by themselves (first to last)', `${r.meetings.started} (${r.meetings.spreadMs} ms)`],
    ['group commits / mean rows / mean INSERT', `${r.commits.count} / ${round(r.commits.meanRows, 1)} / ${round(r.commits.meanMs, 1)} ms`],
    ['node CPU / per 1,000 messages', `${round(r.node.cpuPercent, 0)} % / ${round(r.node.cpuMsPer1000Messages, 0)} ms`],
    ['node RSS', `${round(r.node.rssMB, 0)} MB`],
    ...r.generators.map((g, i): [string, string] => [`generator ${i} CPU / loop p99 / max`, `${round(g.cpuPercent, 0)} % / ${round(g.loopP99Ms, 1)} / ${round(g.loopMaxMs, 1)} ms`]),
  ];
}

/** p50 wall / p50 CPU / max wall. */
const t = (x: Timed) => `${round(x.wall.p50, 1)} / ${round(x.cpu.p50, 1)} / ${round(x.wall.max, 1)} ms`;

function historyRows(r: HistoryBenchResult): Array<[string, string | number, string?]> {
  const b = r.build;
  const pct = (n: number) => `${round((100 * n) / b.rawBytes, 0)} %`;
  return [
    ['meetings × logged updates', `${r.options.meetings} × ${r.options.updates}`],
    ['machine load (1 min avg, 2 cores)', round(os.loadavg()[0] ?? 0, 1)],
    ['timings below: p50 wall / p50 CPU / max wall', ''],
    ['raw update bytes', b.rawBytes],
    ['kept history rows / data bytes', `${b.historyRows} / ${b.historyBytes} (${pct(b.historyBytes)} of raw)`, '≤ 200 %'],
    ['kept history as stored rows (pg_column_size)', `${b.historyStoredBytes} (${pct(b.historyStoredBytes)} of raw)`],
    ['meetings end states, chained (meetings area)', `${b.snapshotBytes} (${pct(b.snapshotBytes)} of raw), ${b.snapshotsFull} of ${r.options.meetings} full`],
    ['history storage: kept rows + meetings', `${b.historyBytes + b.snapshotBytes} (${pct(b.historyBytes + b.snapshotBytes)} of raw)`, '≤ 200 %'],
    ['final doc: bytes / notes chars', `${b.docBytes} / ${b.notesChars}`],
    ['history page (20 entries)', t(r.meetingsListMs), '≤ 50 ms'],
    ["a meeting's state (meetings 50–69)", t(r.meetingStateMs), '≤ 100 ms'],
    ["the newest meeting's state, first read (wall / CPU)", `${round(r.meetingStateNewestFirst.wall, 1)} / ${round(r.meetingStateNewestFirst.cpu, 1)} ms`, '≤ 100 ms'],
    ["the newest meeting's state, read again", t(r.meetingStateNewestMs), '≤ 100 ms'],
    [`the longest chain's state (${r.longestChain.parts} parts, ${r.longestChain.bytes} bytes), first read`, `${round(r.meetingStateLongestFirst.wall, 1)} / ${round(r.meetingStateLongestFirst.cpu, 1)} ms`, '≤ 100 ms'],
    ["  read again", t(r.meetingStateLongestMs)],
    ['compare two consecutive meetings', t(r.compareAdjacentMs), '≤ 150 ms'],
    ['compare the first meeting with now', t(r.compareFarMs)],
    [`a month of timeline (${r.timelineMonthGroups} groups)`, t(r.timelineMonthMs), '≤ 300 ms'],
    ['state as of a time between meetings', t(r.stateAtTimeMs)],
    ['build (simulate, log, compact, meetings)', `${b.ms} ms`],
  ];
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgAtStart: os.loadavg().map((v) => round(v, 2)), node: process.version },
    neighbours,
  };
  if (neighbours > 0) {
    startNeighbours(neighbours, priority);
    log(`${neighbours} CPU neighbour(s) at 60 % of a core each, priority ${priority}`);
  }
  if (args.peers) {
    const targets = args['peers-targets'].split(',').map((t) => {
      const v = t.trim() as PeerTarget;
      if (!PEER_TARGETS.includes(v)) throw new Error(`--peers-targets: unknown server ${t} (${PEER_TARGETS.join(', ')})`);
      return v;
    });
    const steps = (args['peers-steps'] ?? (quick ? '50,100' : '250,500,1000,1500,2000,2500,3000,4000')).split(',').map((v) => num(v.trim(), 'peers-steps'));
    const durationMs = num(quick ? '6' : args['peers-duration'], 'peers-duration') * 1000;
    const r = await runPeers(
      { targets, steps, durationMs, warmupMs: Math.min(load.warmupMs, durationMs / 3), rate: load.rate, workers: load.workers, concurrency: load.concurrency, nodeArgs: load.nodeArgs, p99LimitMs: 50, priority, rounds: repeat },
      log,
    );
    console.log(`\nPeers (issue 19): ${steps.join(', ')} rooms × 2 clients × ${load.rate} edit/s, ${durationMs / 1000} s per step${repeat > 1 ? `, ${repeat} ramps per server` : ''}\n`);
    console.log(peersReport(r));
    results.peers = r;
    // The peers run stands alone unless scenarios were asked for too.
    if (!process.argv.some((a) => a.startsWith('--scenarios'))) scenarios.clear();
  }
  if (scenarios.has('single')) {
    for (const [i, edit] of edits.entries()) {
      log(`single node: ${load.rooms} rooms × 2 clients × ${load.rate} edit/s (${editTitle(edit)}), ${load.durationMs / 1000} s`);
      const r = await repeatedLoad({ ...load, nodes: 1, edit, placement: 'split', redis: 'single' });
      printTable(`Single node, ${editTitle(edit)} (issue 3)`, loadRows(r));
      results[keyFor('singleNode', edit, i)] = r;
    }
  }
  if (scenarios.has('open')) {
    log(`open time: ${open.rooms} rooms per case with ${open.updates} logged updates each`);
    const r = await runOpenTime(open, log);
    printTable('Open a room with a long history (issue 3)', openRows(r));
    results.openTime = r;
  }
  if (scenarios.has('multi')) {
    const nodes = num(args.nodes, 'nodes');
    for (const redisKind of redisKinds) {
      for (const placement of placements) {
        for (const [i, edit] of edits.entries()) {
          const where = placement === 'split' ? 'mentor and mentee on different nodes' : 'both members on their room’s node (room-affine balancer)';
          log(`multi-node: ${nodes} nodes, ${load.rooms} rooms, ${where} (${editTitle(edit)})${redisKind === 'single' ? '' : `, ${redisTitle(redisKind)}`}`);
          const r = await repeatedLoad({ ...load, nodes, edit, placement, redis: redisKind });
          printTable(
            `${nodes} nodes over ${redisTitle(redisKind)}, ${placement === 'split' ? 'members on different nodes' : 'room-affine'}, ${editTitle(edit)} (issue ${redisKind === 'single' ? 4 : 20})`,
            loadRows(r),
          );
          const key = keyFor(placement === 'split' ? 'multiNode' : 'multiNodeAffine', edit, i);
          results[redisKind === 'single' ? key : `${key}-${redisKind}`] = r;
        }
      }
    }
  }
  if (scenarios.has('chat')) {
    for (const bus of args['chat-bus'].split(',').map((b) => b.trim())) {
      if (bus !== 'memory' && bus !== 'redis') throw new Error(`--chat-bus must be memory or redis, got ${bus}`);
      const runs: ChatBenchResult[] = [];
      for (let i = 0; i < repeat; i++) {
        log(`chat: ${load.rooms} rooms × ${load.rate} message/s on one node (${bus} bus), ${load.durationMs / 1000} s${repeat > 1 ? `, run ${i + 1} of ${repeat}` : ''}`);
        runs.push(
          await runChatBench(
            { rooms: load.rooms, rate: load.rate, durationMs: load.durationMs, warmupMs: load.warmupMs, workers: load.workers, priority, bus, nodeArgs: load.nodeArgs },
            log,
          ),
        );
      }
      const sorted = [...runs].sort((a, b) => a.deliveryMs.p99 - b.deliveryMs.p99);
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
      printTable(`Chat on one node, ${bus === 'memory' ? 'in-process bus' : 'socket.io Redis adapter'} (issue 15)`, chatRows(median, runs));
      results[bus === 'memory' ? 'chat' : 'chat-redis'] = { ...median, p99Runs: runs.map((r) => r.deliveryMs.p99) };
    }
  }
  if (scenarios.has('history')) {
    const r = await runHistoryBench(history, log);
    printTable(`Session history: ${history.meetings} meetings, ${history.updates} logged updates (issue 16)`, historyRows(r));
    results.history = r;
  }
  if (scenarios.has('programs')) {
    const r = await runProgramsBench({ pairs: quick ? 200 : num(args.pairs, 'pairs'), reads: quick ? 10 : 30 });
    printTable(`Programs: ${r.pairs} pairs, CSV import and the coordinator's dashboard (issue 17)`, programsRows(r));
    results.programs = r;
  }
  if (scenarios.has('meetings')) {
    const r = await runMeetingEnd({ docBytes: 1_000_000, meetings: args.quick ? 5 : 20 }, log);
    const spread = (x: Summary) => `${round(x.p50, 1)} ms (p10–p90 ${round(x.p10, 1)}–${round(x.p90, 1)}, max ${round(x.max, 1)})`;
    printTable('End a meeting of a 1 MB room doc (issue 15)', [
      ['room doc', `${round(r.docBytes / 1e6, 2)} MB`],
      ['machine load (1 min avg, 2 cores)', round(os.loadavg()[0] ?? 0, 1)],
      ['end (claim, snapshot, summary, carry-over, store): wall p50', spread(r.endMs), '≤ 50 ms'],
      ['  CPU of the node process in that call, p50', spread(r.endCpuMs), '≤ 50 ms'],
      ['  in memory (encode, summarize, carry over) on a fresh copy of the doc, as when a node has just loaded the room, p50', spread(r.deriveMs)],
      ['  stored end bytes p50 / max', `${round(r.snapshotBytes.p50, 0)} / ${round(r.snapshotBytes.max, 0)}`],
      ['  meetings', String(r.endMs.n)],
    ]);
    results.meetingEnd = r;
  }
  results.loadavgAtEnd = os.loadavg().map((v) => round(v, 2));
  // Raw samples make the file huge; keep the summaries.
  // A peers run keeps its own file, so it does not replace the scenarios' results.json.
  const out = args.peers && !process.argv.some((a) => a.startsWith('--out')) ? fileURLToPath(new URL('./results-peers.json', import.meta.url)) : args.out;
  fs.writeFileSync(out, JSON.stringify(results, (k, v: unknown) => (k === 'finalClocks' ? undefined : v), 2) + '\n');
  log(`wrote ${out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
