/**
 * One load-generator process (forked by bench/run.ts). It holds both clients of each of
 * its rooms, so the sender's timestamp and the peer's receipt are read off one clock.
 *
 * Per client it keeps a small Y.Doc with only its own edits (applyRemote: false): the peer
 * recognises an edit by the clientID/clock range the received update covers
 * (Y.parseUpdateMeta), not by applying it, which keeps thousands of clients cheap.
 * It measures its own CPU and event-loop delay, so the report can show it was not the bottleneck.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { SyncClient } from '../test/sync-client.ts';
import type { BenchRoom, EditKind, GeneratorCommand, GeneratorEvent, GeneratorReport } from './protocol.ts';

interface Client {
  roomId: string;
  sc: SyncClient;
  label: string;
  sentAt: number[];
  clockAfter: number[];
  /** Next own edit the peer has not been seen to receive yet. */
  peerPtr: number;
  /** Next own edit not yet covered by a saved ack. */
  ackPtr: number;
  peer: Client | null;
}

const send = (event: GeneratorEvent) => process.send!(event);
let clients: Client[] = [];
const peerLatency: number[] = [];
const ackLatency: number[] = [];
const closes: Record<string, number> = {};
let measure = { from: 0, to: Number.POSITIVE_INFINITY };
let running = false;
let ackEnabled = false;

function makeClient(room: BenchRoom, role: 'mentor' | 'mentee', ack: boolean): Client {
  const who = room[role];
  const sc = new SyncClient({ wsUrl: who.wsUrl, roomId: room.roomId, cookie: who.session, ack, applyRemote: false });
  const client: Client = { roomId: room.roomId, sc, label: role, sentAt: [], clockAfter: [], peerPtr: 0, ackPtr: 0, peer: null };
  sc.onRemoteUpdate = (update) => {
    const sender = client.peer;
    if (!sender || sender.peerPtr >= sender.clockAfter.length) return;
    const to = Y.parseUpdateMeta(update).to.get(sender.sc.doc.clientID);
    if (to === undefined) return;
    const now = performance.now();
    while (sender.peerPtr < sender.clockAfter.length && sender.clockAfter[sender.peerPtr]! <= to) {
      const sentAt = sender.sentAt[sender.peerPtr]!;
      if (sentAt >= measure.from && sentAt <= measure.to) peerLatency.push(now - sentAt);
      sender.peerPtr++;
    }
  };
  sc.onAck = (sv) => {
    const saved = sv.get(sc.doc.clientID);
    if (saved === undefined) return;
    const now = performance.now();
    while (client.ackPtr < client.clockAfter.length && client.clockAfter[client.ackPtr]! <= saved) {
      const sentAt = client.sentAt[client.ackPtr]!;
      if (sentAt >= measure.from && sentAt <= measure.to) ackLatency.push(now - sentAt);
      client.ackPtr++;
    }
  };
  void sc.closed.then(({ code }) => {
    if (running) closes[code] = (closes[code] ?? 0) + 1;
  });
  return client;
}

const WORDS = ['agenda ', 'goal ', 'milestone ', 'feedback ', 'next step ', 'practice ', 'review '];

function edit(c: Client, kind: EditKind): void {
  if (!c.sc.isOpen) return;
  const seq = c.sentAt.length;
  const at = performance.now();
  const clock = c.sc.edit((doc) => {
    if (kind === 'typing') {
      // Each member types at the end of their own paragraph, like two people taking notes.
      const notes = doc.getText(`notes-${c.label}`);
      notes.insert(notes.length, WORDS[seq % WORDS.length]!);
      return;
    }
    const item = new Y.Map<unknown>();
    item.set('id', `${c.label}-${seq}`);
    // The send time travels in the content too, so any observer of the doc can see it.
    item.set('text', `talking point ${seq} sent at ${Date.now()}`);
    item.set('addedBy', c.label);
    item.set('discussed', false);
    doc.getArray('agenda').push([item]);
  });
  c.sentAt.push(at);
  c.clockAfter.push(clock);
}

async function connect(rooms: BenchRoom[], ack: boolean, concurrency: number): Promise<void> {
  const started = performance.now();
  let failures = 0;
  let next = 0;
  const lane = async () => {
    while (next < rooms.length) {
      const room = rooms[next++]!;
      const mentor = makeClient(room, 'mentor', ack);
      const mentee = makeClient(room, 'mentee', ack);
      mentor.peer = mentee;
      mentee.peer = mentor;
      const ok = await Promise.race([
        Promise.all([mentor.sc.synced, mentee.sc.synced]).then(() => true),
        mentor.sc.closed.then(() => false),
        mentee.sc.closed.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), 30_000)),
      ]);
      if (!ok) failures++;
      clients.push(mentor, mentee);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  send({ type: 'connected', clients: clients.length, failures, ms: performance.now() - started });
}

async function run(durationMs: number, warmupMs: number, ratePerClient: number, drainMs: number, kind: EditKind): Promise<void> {
  running = true;
  const slotMs = 10;
  const slots = Math.max(1, Math.round(1000 / ratePerClient / slotMs));
  const buckets: Client[][] = Array.from({ length: slots }, () => []);
  // Random phases spread each client's edits evenly over its period, as real users would.
  for (const c of clients) buckets[Math.floor(Math.random() * slots)]!.push(c);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const t0 = performance.now();
  measure = { from: t0 + warmupMs, to: t0 + durationMs };
  let cpuAtWindow: NodeJS.CpuUsage | null = null;
  let nextSlot = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (!cpuAtWindow && now >= measure.from) {
        cpuAtWindow = process.cpuUsage();
        loop.enable();
      }
      if (now - t0 >= durationMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor((now - t0) / slotMs);
      for (; nextSlot <= due; nextSlot++) for (const c of buckets[nextSlot % slots]!) edit(c, kind);
    }, slotMs);
  });
  loop.disable();
  const cpu = process.cpuUsage(cpuAtWindow ?? undefined);
  const windowMs = durationMs - warmupMs;
  // Let the last edits reach their peers and be acked before reporting.
  const drainUntil = performance.now() + drainMs;
  const pending = () => clients.filter((c) => c.peerPtr < c.clockAfter.length || (ackEnabled && c.ackPtr < c.clockAfter.length));
  while (pending().length > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  running = false;

  const report: GeneratorReport = {
    type: 'report',
    sent: clients.reduce((n, c) => n + c.sentAt.length, 0),
    sentInWindow: clients.reduce((n, c) => n + c.sentAt.filter((t) => t >= measure.from && t <= measure.to).length, 0),
    peerLatency,
    ackLatency,
    undeliveredToPeer: clients.reduce((n, c) => n + (c.clockAfter.length - c.peerPtr), 0),
    unacked: clients.reduce((n, c) => n + (c.clockAfter.length - c.ackPtr), 0),
    cpuPercent: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
    loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    rssBytes: process.memoryUsage().rss,
    closes,
    finalClocks: clients.map((c) => ({ roomId: c.roomId, clientId: c.sc.doc.clientID, clock: c.clockAfter.at(-1) ?? 0 })),
  };
  send(report);
}

// The parent died (or was interrupted): a generator must never outlive its benchmark.
process.on('disconnect', () => process.exit(0));

process.on('message', (raw) => {
  const cmd = raw as GeneratorCommand;
  switch (cmd.type) {
    case 'connect':
      ackEnabled = cmd.ack;
      void connect(cmd.rooms, cmd.ack, cmd.concurrency);
      return;
    case 'run':
      void run(cmd.durationMs, cmd.warmupMs, cmd.ratePerClient, cmd.drainMs, cmd.edit);
      return;
    case 'close':
      for (const c of clients) c.sc.terminate();
      clients = [];
      process.exit(0);
      return;
    default: {
      const never: never = cmd;
      throw new Error(`unknown generator command ${JSON.stringify(never)}`);
    }
  }
});
