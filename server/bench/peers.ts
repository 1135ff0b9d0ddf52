/**
 * `npm run bench -- --peers` (issue 19): the same wire-level workload — 2 clients per room,
 * each typing a word into the notes `rate` times a second — against this server (persisting
 * and acking every edit in Postgres) and, one after the other in the same run, Hocuspocus in
 * memory, Hocuspocus storing through @hocuspocus/extension-database into the same Postgres,
 * and the plain y-websocket server. Each server is a fresh process per step (its own fresh
 * database where it has one), measured from /proc; the ramp stops for a server at its first
 * failing step. Pass: every client connected and synced, no unexpected close, nothing lost
 * (every edit reached the peer; for ours, every edit covered by a saved ack), edit-to-peer p99 < 50 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { freePort } from '../test/pg-instance.ts';
import { createTestDatabase } from '../test/postgres.ts';
import { processUsage, startNodeProcess } from '../test/process.ts';
import { provisionRoomsInDb } from '../test/provision.ts';
import type { PeerGeneratorCommand, PeerGeneratorEvent, PeerGeneratorReport, PeerRoom, PeerWire } from './peers-generator.ts';
import { postgresBackends, setPriority } from './priority.ts';
import { summarize } from './stats.ts';

export type PeerTarget = 'ours' | 'hocuspocus' | 'hocuspocus-db' | 'y-websocket';
export const PEER_TARGETS: PeerTarget[] = ['ours', 'hocuspocus', 'hocuspocus-db', 'y-websocket'];

export interface PeersOptions {
  targets: PeerTarget[];
  steps: number[];
  durationMs: number;
  warmupMs: number;
  rate: number;
  workers: number;
  concurrency: number;
  nodeArgs: string[];
  p99LimitMs: number;
  /** Nice value for the server under test, its Postgres backends and the generators (0: unchanged); see priority.ts. */
  priority: number;
  /** Ramps per server, the servers taking turns (ours, peer, ours, peer, …); the summary is the median ramp's. */
  rounds: number;
}

export interface PeerStep {
  target: PeerTarget;
  /** Which ramp of the target this step belongs to (1-based). */
  round: number;
  rooms: number;
  pass: boolean;
  why: string[];
  connect: { clients: number; failures: number; ms: number; perSecond: number };
  edits: { sent: number; inWindow: number };
  peerP50Ms: number;
  peerP99Ms: number;
  undelivered: number;
  unacked: number;
  closes: Record<string, number>;
  serverCpuPercent: number;
  cpuMsPer1000Edits: number;
  rssIdleMB: number;
  rssLoadedMB: number;
  memoryPerRoomKB: number;
  /** Ours only: heap bytes allocated per edit (see allocatedBytes below), NaN for peers. */
  allocatedBytesPerEdit: number;
  /** Hocuspocus + database: documents in its table at the end of the step (null elsewhere). */
  storedDocuments: number | null;
  generators: Array<{ cpuPercent: number; loopP99Ms: number; loopMaxMs: number }>;
  loadAverage: number;
}

const MB = 1024 * 1024;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Started {
  pid: number;
  /** The database the server uses, if any (its backends get the benchmark's priority). */
  databaseUrl: string | null;
  /** Where the node writes its allocation total (ours only). */
  allocFile: string | null;
  wire: PeerWire;
  /** Hocuspocus + database only: how many documents its table holds (checked before the stop). */
  storedDocuments?: () => Promise<number>;
  rooms: PeerRoom[];
  stop(): Promise<void>;
}

/** Forks one of bench/peers/*.ts on a free port and waits for its 'ready'. */
async function forkPeer(script: string, env: Record<string, string>, nodeArgs: string[]): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = fork(here(`./peers/${script}`), [], {
    execArgv: [...nodeArgs, '--import', 'tsx'],
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  return { child, port };
}

const killChild = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
};

const roomIds = (n: number) => Array.from({ length: n }, (_, i) => `bench-room-${i}`);

async function startTarget(target: PeerTarget, rooms: number, nodeArgs: string[]): Promise<Started> {
  if (target === 'ours') {
    const db = await createTestDatabase();
    const allocFile = `${os.tmpdir()}/menteo-bench-alloc-${process.pid}.json`;
    fs.rmSync(allocFile, { force: true });
    const node = await startNodeProcess({
      databaseUrl: db.url,
      nodeId: 'peers-ours',
      logLevel: 'warn',
      env: { BENCH_ALLOC_FILE: allocFile },
      nodeArgs: ['--import', here('./peers/alloc-file.mjs'), ...nodeArgs],
    });
    const provisioned = await provisionRoomsInDb(db.url, rooms);
    return {
      pid: node.pid,
      databaseUrl: db.url,
      allocFile,
      wire: 'menteo',
      rooms: provisioned.map((r) => ({ roomId: r.roomId, wsUrl: node.wsUrl, sessions: [r.mentor.session, r.mentee.session] })),
      stop: async () => {
        await node.stop(5000);
        await db.drop();
      },
    };
  }
  if (target === 'y-websocket') {
    const { child, port } = await forkPeer('y-websocket.ts', {}, nodeArgs);
    return { pid: child.pid!, databaseUrl: null, allocFile: null, wire: 'plain', rooms: roomIds(rooms).map((roomId) => ({ roomId, wsUrl: `ws://127.0.0.1:${port}` })), stop: () => killChild(child) };
  }
  const db = target === 'hocuspocus-db' ? await createTestDatabase() : null;
  const { child, port } = await forkPeer('hocuspocus.ts', db ? { DATABASE_URL: db.url } : {}, nodeArgs);
  return {
    pid: child.pid!,
    databaseUrl: db?.url ?? null,
    allocFile: null,
    wire: 'hocuspocus',
    storedDocuments: db
      ? async () => {
          const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
          try {
            // Hocuspocus stores 2 s after the last change and at most 10 s after the first (its
            // defaults); with an edit a second the 10 s bound is the one that fires.
            const until = Date.now() + 12_000;
            for (;;) {
              const [row] = await sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM bench_hocuspocus_documents`;
              if ((row?.n ?? 0) >= rooms || Date.now() > until) return row?.n ?? 0;
              await sleep(500);
            }
          } finally {
            await sql.end();
          }
        }
      : undefined,
    rooms: roomIds(rooms).map((roomId) => ({ roomId, wsUrl: `ws://127.0.0.1:${port}` })),
    stop: async () => {
      await killChild(child);
      await db?.drop();
    },
  };
}

function forkGenerator(): ChildProcess {
  return fork(here('./peers-generator.ts'), [], {
    execArgv: ['--max-semi-space-size=32', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

const nextEvent = <T extends PeerGeneratorEvent['type']>(child: ChildProcess, type: T) =>
  new Promise<Extract<PeerGeneratorEvent, { type: T }>>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as PeerGeneratorEvent).type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<PeerGeneratorEvent, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`generator exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

const command = (child: ChildProcess, cmd: PeerGeneratorCommand) => child.send(cmd);

/** Ours only: the bytes the node's JS heap has allocated so far (peers/alloc-file.mjs), or NaN. */
function allocatedSoFar(file: string | null): number {
  if (!file) return NaN;
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { allocated: number }).allocated;
  } catch {
    return NaN;
  }
}

async function runStep(target: PeerTarget, rooms: number, round: number, opts: PeersOptions, log: (m: string) => void): Promise<PeerStep> {
  const started = await startTarget(target, rooms, opts.nodeArgs);
  const generators: ChildProcess[] = [];
  try {
    await sleep(1000);
    const idle = await processUsage(started.pid);
    for (let w = 0; w < opts.workers; w++) generators.push(forkGenerator());
    const connected = generators.map((g) => nextEvent(g, 'connected'));
    generators.forEach((g, w) =>
      command(g, {
        type: 'connect',
        wire: started.wire,
        rooms: started.rooms.filter((_, i) => i % opts.workers === w),
        concurrency: Math.max(1, Math.round(opts.concurrency / opts.workers)),
      }),
    );
    const conn = await Promise.all(connected);
    // After connecting, the server's Postgres pool is open: its backends get the same priority.
    const backends = opts.priority !== 0 && started.databaseUrl ? await postgresBackends(started.databaseUrl) : [];
    setPriority([started.pid, ...generators.map((g) => g.pid), ...backends], opts.priority);
    const connect = {
      clients: conn.reduce((n, c) => n + c.clients, 0),
      failures: conn.reduce((n, c) => n + c.failures, 0),
      ms: Math.max(...conn.map((c) => c.ms)),
      perSecond: 0,
    };
    connect.perSecond = connect.clients / (connect.ms / 1000);
    await sleep(1000);
    const loaded = await processUsage(started.pid);
    const reports = generators.map((g) => nextEvent(g, 'report'));
    generators.forEach((g) => command(g, { type: 'run', durationMs: opts.durationMs, warmupMs: opts.warmupMs, drainMs: 3000, ratePerClient: opts.rate }));
    await sleep(opts.warmupMs);
    const from = await processUsage(started.pid);
    const allocFrom = allocatedSoFar(started.allocFile);
    const fromWall = performance.now();
    await sleep(opts.durationMs - opts.warmupMs);
    const to = await processUsage(started.pid);
    const allocTo = allocatedSoFar(started.allocFile);
    const windowMs = performance.now() - fromWall;
    const loadAverage = os.loadavg()[0] ?? 0;
    const rs: PeerGeneratorReport[] = await Promise.all(reports);
    const storedDocuments = started.storedDocuments ? await started.storedDocuments() : null;
    const latency = summarize(rs.flatMap((r) => r.peerLatency));
    const closes: Record<string, number> = {};
    for (const r of rs) for (const [k, v] of Object.entries(r.closes)) closes[k] = (closes[k] ?? 0) + v;
    const inWindow = rs.reduce((n, r) => n + r.sentInWindow, 0);
    const undelivered = rs.reduce((n, r) => n + r.undeliveredToPeer, 0);
    const unacked = rs.reduce((n, r) => n + r.unacked, 0);
    const why: string[] = [];
    if (connect.failures > 0 || connect.clients < rooms * 2) why.push(`${connect.failures} rooms failed to connect`);
    if (Object.keys(closes).length > 0) why.push(`closes ${JSON.stringify(closes)}`);
    if (undelivered > 0) why.push(`${undelivered} undelivered`);
    if (unacked > 0) why.push(`${unacked} unacked`);
    // Every room should be in Hocuspocus's table once its debounce has fired.
    if (storedDocuments !== null && storedDocuments < rooms) why.push(`${rooms - storedDocuments} documents not stored`);
    if (!(latency.p99 < opts.p99LimitMs)) why.push(`p99 ${latency.p99.toFixed(1)} ms`);
    const step: PeerStep = {
      target,
      round,
      rooms,
      pass: why.length === 0,
      why,
      connect,
      edits: { sent: rs.reduce((n, r) => n + r.sent, 0), inWindow },
      peerP50Ms: latency.p50,
      peerP99Ms: latency.p99,
      undelivered,
      unacked,
      closes,
      serverCpuPercent: ((to.cpuMs - from.cpuMs) / windowMs) * 100,
      cpuMsPer1000Edits: inWindow > 0 ? ((to.cpuMs - from.cpuMs) / inWindow) * 1000 : NaN,
      rssIdleMB: idle.rssBytes / MB,
      rssLoadedMB: loaded.rssBytes / MB,
      memoryPerRoomKB: (loaded.rssBytes - idle.rssBytes) / 1024 / rooms,
      allocatedBytesPerEdit: inWindow > 0 ? (allocTo - allocFrom) / inWindow : NaN,
      storedDocuments,
      generators: rs.map((r) => ({ cpuPercent: r.cpuPercent, loopP99Ms: r.loopDelayMs.p99, loopMaxMs: r.loopDelayMs.max })),
      loadAverage,
    };
    log(
      `${target} ${rooms} rooms: ${step.pass ? 'pass' : `FAIL (${why.join(', ')})`}; p99 ${latency.p99.toFixed(1)} ms, ` +
        `CPU ${step.serverCpuPercent.toFixed(0)} %, ${step.cpuMsPer1000Edits.toFixed(0)} ms/1,000 edits, ` +
        `connect ${Math.round(connect.ms)} ms, ${storedDocuments === null ? '' : `${storedDocuments} documents stored, `}generator CPU ${rs.map((r) => r.cpuPercent.toFixed(0)).join('/')} %`,
    );
    return step;
  } finally {
    for (const g of generators) if (g.connected) command(g, { type: 'close' });
    await Promise.all(generators.map((g) => (g.exitCode === null ? new Promise((r) => g.once('exit', r)) : null)));
    await started.stop();
  }
}

export interface PeersResult {
  options: PeersOptions;
  steps: PeerStep[];
  /** Per target: the last passing step of its median ramp (null: not even the first step passed). */
  held: Record<string, PeerStep | null>;
  /** Per target: rooms held by each ramp, in the order they ran (0: not even the first step). */
  heldPerRamp: Record<string, number[]>;
}

/** The ramp with the median rooms held (the lower middle one of an even count). */
function medianRamp(held: number[]): number {
  const order = held.map((rooms, i) => ({ rooms, i })).sort((a, b) => a.rooms - b.rooms || a.i - b.i);
  return order[Math.floor((order.length - 1) / 2)]!.i;
}

export async function runPeers(opts: PeersOptions, log: (m: string) => void): Promise<PeersResult> {
  const steps: PeerStep[] = [];
  const lastPass: Record<string, Array<PeerStep | null>> = {};
  for (let round = 1; round <= opts.rounds; round++) {
    for (const target of opts.targets) {
      let held: PeerStep | null = null;
      for (const rooms of opts.steps) {
        log(`${target}${opts.rounds > 1 ? ` (ramp ${round} of ${opts.rounds})` : ''}: ${rooms} rooms × 2 clients × ${opts.rate} edit/s, ${opts.durationMs / 1000} s`);
        const step = await runStep(target, rooms, round, opts, log);
        steps.push(step);
        if (!step.pass) break;
        held = step;
      }
      (lastPass[target] ??= []).push(held);
    }
  }
  const held: Record<string, PeerStep | null> = {};
  const heldPerRamp: Record<string, number[]> = {};
  for (const [target, ramps] of Object.entries(lastPass)) {
    heldPerRamp[target] = ramps.map((s) => s?.rooms ?? 0);
    held[target] = ramps[medianRamp(heldPerRamp[target])] ?? null;
  }
  return { options: opts, steps, held, heldPerRamp };
}

const f = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

function mdTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

const LABEL: Record<PeerTarget, string> = {
  ours: 'Menteo (Postgres, acked)',
  hocuspocus: 'Hocuspocus 4.7.0, memory',
  'hocuspocus-db': 'Hocuspocus 4.7.0 + extension-database',
  'y-websocket': '@y/websocket-server 0.1.1, memory',
};

/**
 * The report as Markdown (pasted as is into the README): the summary per server at the last
 * step it passed, the ratios ours/peer, and every step with the generators' own CPU and lag.
 * CPU per edit, memory per room and connect rate grow with the rooms, so the ratios compare
 * each pair at the largest step both passed.
 */
export function peersReport(r: PeersResult): string {
  const out: string[] = [];
  const top = r.options.steps.at(-1)!;
  const heldRooms = (t: PeerTarget) => r.held[t]?.rooms ?? 0;
  const oneRamp = (n: number) => (n === top ? `≥ ${n} (ramp ended)` : n === 0 ? `< ${r.options.steps[0]}` : String(n));
  const heldText = (t: PeerTarget) => {
    const ramps = r.heldPerRamp[t] ?? [];
    return ramps.length > 1 ? `${oneRamp(heldRooms(t))} (median of ${ramps.join(', ')})` : oneRamp(heldRooms(t));
  };
  out.push(
    ...mdTable(
      ['server', 'rooms held', 'CPU ms / 1,000 edits', 'memory / room (RSS)', 'connect rate', 'allocated / edit'],
      r.options.targets.map((t) => {
        const s = r.held[t];
        return [
          LABEL[t],
          heldText(t),
          s ? f(s.cpuMsPer1000Edits) : 'n/a',
          s ? `${f(s.memoryPerRoomKB, 1)} KB` : 'n/a',
          s ? `${f(s.connect.perSecond)} clients/s` : 'n/a',
          s && Number.isFinite(s.allocatedBytesPerEdit) ? `${f(s.allocatedBytesPerEdit / 1024, 1)} KB` : 'not measured',
        ];
      }),
    ),
  );
  if (r.options.targets.includes('ours')) {
    out.push('');
    const ratios: string[][] = [];
    for (const t of r.options.targets) {
      if (t === 'ours') continue;
      const common = Math.min(heldRooms('ours'), heldRooms(t));
      // From each server's median ramp.
      const ours = r.steps.find((s) => s.target === 'ours' && s.round === r.held.ours?.round && s.rooms === common);
      const peer = r.steps.find((s) => s.target === t && s.round === r.held[t]?.round && s.rooms === common);
      const roomsRatio = heldRooms(t) > 0 && heldRooms('ours') > 0 ? ratio(heldRooms('ours'), heldRooms(t)) : 'n/a (a server held no step)';
      ratios.push([
        `ours / ${LABEL[t]}`,
        roomsRatio + (heldRooms('ours') === top || heldRooms(t) === top ? ' (a ramp ended, not a limit)' : ''),
        ours && peer ? `${ratio(ours.cpuMsPer1000Edits, peer.cpuMsPer1000Edits)} at ${common}` : 'n/a',
        ours && peer ? `${ratio(ours.memoryPerRoomKB, peer.memoryPerRoomKB)} at ${common}` : 'n/a',
        ours && peer ? `${ratio(ours.connect.perSecond, peer.connect.perSecond)} at ${common}` : 'n/a',
      ]);
    }
    out.push(...mdTable(['ratio', 'rooms held', 'CPU / edit', 'memory / room', 'connect rate'], ratios));
  }
  out.push('');
  out.push(
    ...mdTable(
      ['server', 'ramp', 'rooms', 'result', 'p50 / p99', 'server CPU', 'CPU ms / 1,000 edits', 'alloc / edit', 'RSS idle → loaded', 'connect', 'generators CPU · loop p99 / max', 'load avg'],
      r.steps.map((s) => [
        s.target,
        String(s.round),
        String(s.rooms),
        s.pass ? 'pass' : `fail: ${s.why.join(', ')}`,
        `${f(s.peerP50Ms, 1)} / ${f(s.peerP99Ms, 1)} ms`,
        `${f(s.serverCpuPercent)} %`,
        f(s.cpuMsPer1000Edits),
        Number.isFinite(s.allocatedBytesPerEdit) ? `${f(s.allocatedBytesPerEdit / 1024, 1)} KB` : '—',
        `${f(s.rssIdleMB)} → ${f(s.rssLoadedMB)} MB`,
        `${s.connect.clients} in ${f(s.connect.ms / 1000, 1)} s`,
        s.generators.map((g) => `${f(g.cpuPercent)} % · ${f(g.loopP99Ms, 1)} / ${f(g.loopMaxMs)} ms`).join('; '),
        f(s.loadAverage, 1),
      ]),
    ),
  );
  return out.join('\n');
}
