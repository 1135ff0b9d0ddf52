/**
 * The load generator of `npm run bench -- --peers` (forked by bench/peers.ts): wire-level
 * clients that speak just enough of each server's framing, so one harness drives all of them.
 *
 *   menteo      y-websocket frames on /yjs/<room>?ack=1 with the session cookie; type-100 saved acks
 *   plain       y-websocket frames on /<room> (@y/websocket-server)
 *   hocuspocus  every frame prefixed by the document name (a lib0 var string), an auth frame
 *               (type 2, token sub-type 0) before sync step 1, sync replies as type 4
 *
 * Each client keeps one tiny Y.Doc with only its own typing (nothing remote is applied); the
 * peer recognises an edit by the clientID/clock range of what it receives (Y.parseUpdateMeta),
 * as bench/generator.ts does. The generator reports its own CPU and event-loop delay.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export type PeerWire = 'menteo' | 'plain' | 'hocuspocus';

export interface PeerRoom {
  roomId: string;
  wsUrl: string;
  /** Session tokens (menteo only). */
  sessions?: [string, string];
}

export type PeerGeneratorCommand =
  | { type: 'connect'; wire: PeerWire; rooms: PeerRoom[]; concurrency: number }
  | { type: 'run'; durationMs: number; warmupMs: number; drainMs: number; ratePerClient: number }
  | { type: 'close' };

export interface PeerGeneratorReport {
  type: 'report';
  sent: number;
  sentInWindow: number;
  peerLatency: number[];
  undeliveredToPeer: number;
  /** menteo only: edits no saved ack covers at the end. */
  unacked: number;
  cpuPercent: number;
  loopDelayMs: { p99: number; max: number };
  closes: Record<string, number>;
}

export type PeerGeneratorEvent = { type: 'connected'; clients: number; failures: number; ms: number } | PeerGeneratorReport;

const SYNC = 0;
const AUTH = 2;
const SYNC_REPLY = 4;
const SAVED_ACK = 100;
const WORDS = ['agenda ', 'goal ', 'milestone ', 'feedback ', 'next step ', 'practice ', 'review '];

class WireClient {
  readonly doc = new Y.Doc();
  readonly ws: WebSocket;
  readonly synced: Promise<boolean>;
  sentAt: number[] = [];
  clockAfter: number[] = [];
  peerPtr = 0;
  ackPtr = 0;
  peer: WireClient | null = null;
  private markSynced!: (ok: boolean) => void;

  constructor(
    private readonly wire: PeerWire,
    private readonly room: PeerRoom,
    readonly label: string,
    session: string | undefined,
    private readonly onDelivered: (sender: WireClient, to: number) => void,
    private readonly onAck: (client: WireClient, saved: number) => void,
    onClose: (code: number) => void,
  ) {
    const url =
      wire === 'menteo' ? `${room.wsUrl}/yjs/${room.roomId}?ack=1` : wire === 'plain' ? `${room.wsUrl}/${room.roomId}` : room.wsUrl;
    this.ws = new WebSocket(url, { perMessageDeflate: false, headers: session ? { cookie: `menteo_session=${session}` } : {} });
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
    this.ws.on('error', () => undefined);
    this.ws.on('close', (code) => {
      this.markSynced(false);
      onClose(code);
    });
    this.ws.on('open', () => {
      if (wire === 'hocuspocus') {
        const auth = this.frame(AUTH);
        encoding.writeVarUint(auth, 0);
        encoding.writeVarString(auth, '');
        this.send(auth);
      }
      const step1 = this.frame(SYNC);
      syncProtocol.writeSyncStep1(step1, this.doc);
      this.send(step1);
    });
    this.ws.on('message', (data: Buffer) => this.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    // Nothing remote is applied, so every update of this doc is one of the client's own edits.
    this.doc.on('update', (update: Uint8Array) => {
      const enc = this.frame(SYNC);
      syncProtocol.writeUpdate(enc, update);
      this.send(enc);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** A new frame of `type`, with Hocuspocus's document-name prefix where it is spoken. */
  private frame(type: number): encoding.Encoder {
    const enc = encoding.createEncoder();
    if (this.wire === 'hocuspocus') encoding.writeVarString(enc, this.room.roomId);
    encoding.writeVarUint(enc, type);
    return enc;
  }

  private send(enc: encoding.Encoder): void {
    if (this.isOpen) this.ws.send(encoding.toUint8Array(enc));
  }

  /** Types a word at the end of this member's paragraph; the doc's update handler sends it. */
  type(seq: number): void {
    const notes = this.doc.getText(`notes-${this.label}`);
    notes.insert(notes.length, WORDS[seq % WORDS.length]!);
  }

  private receive(bytes: Uint8Array): void {
    const dec = decoding.createDecoder(bytes);
    if (this.wire === 'hocuspocus') decoding.readVarString(dec);
    const type = decoding.readVarUint(dec);
    if (type === SYNC || type === SYNC_REPLY) {
      const sub = decoding.readVarUint(dec);
      if (sub === syncProtocol.messageYjsSyncStep1) {
        decoding.readVarUint8Array(dec);
        const enc = this.frame(SYNC);
        syncProtocol.writeSyncStep2(enc, this.doc);
        this.send(enc);
      } else {
        const update = decoding.readVarUint8Array(dec);
        const sender = this.peer;
        if (sender && sender.peerPtr < sender.clockAfter.length) {
          const to = Y.parseUpdateMeta(update).to.get(sender.doc.clientID);
          if (to !== undefined) this.onDelivered(sender, to);
        }
        if (sub === syncProtocol.messageYjsSyncStep2) this.markSynced(true);
      }
    } else if (type === SAVED_ACK && this.wire === 'menteo') {
      const saved = Y.decodeStateVector(decoding.readVarUint8Array(dec)).get(this.doc.clientID);
      if (saved !== undefined) this.onAck(this, saved);
    }
    // Awareness, auth replies and Hocuspocus's sync-status frames carry nothing tracked here.
  }
}

const send = (event: PeerGeneratorEvent) => process.send!(event);
let clients: WireClient[] = [];
let wireInUse: PeerWire = 'plain';
const peerLatency: number[] = [];
const closes: Record<string, number> = {};
let measure = { from: 0, to: Number.POSITIVE_INFINITY };
let running = false;

function delivered(sender: WireClient, to: number): void {
  const now = performance.now();
  while (sender.peerPtr < sender.clockAfter.length && sender.clockAfter[sender.peerPtr]! <= to) {
    const sentAt = sender.sentAt[sender.peerPtr]!;
    if (sentAt >= measure.from && sentAt <= measure.to) peerLatency.push(now - sentAt);
    sender.peerPtr++;
  }
}

function acked(client: WireClient, saved: number): void {
  while (client.ackPtr < client.clockAfter.length && client.clockAfter[client.ackPtr]! <= saved) client.ackPtr++;
}

const onClose = (code: number) => {
  if (running) closes[code] = (closes[code] ?? 0) + 1;
};

async function connect(wire: PeerWire, rooms: PeerRoom[], concurrency: number): Promise<void> {
  wireInUse = wire;
  const started = performance.now();
  let failures = 0;
  let next = 0;
  const lane = async () => {
    while (next < rooms.length) {
      const room = rooms[next++]!;
      const a = new WireClient(wire, room, 'mentor', room.sessions?.[0], delivered, acked, onClose);
      const b = new WireClient(wire, room, 'mentee', room.sessions?.[1], delivered, acked, onClose);
      a.peer = b;
      b.peer = a;
      const ok = await Promise.race([
        Promise.all([a.synced, b.synced]).then(([x, y]) => x && y),
        new Promise<boolean>((r) => setTimeout(() => r(false), 30_000)),
      ]);
      if (!ok) failures++;
      clients.push(a, b);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  send({ type: 'connected', clients: clients.length, failures, ms: performance.now() - started });
}

async function run(durationMs: number, warmupMs: number, drainMs: number, ratePerClient: number): Promise<void> {
  running = true;
  const slotMs = 10;
  const slots = Math.max(1, Math.round(1000 / ratePerClient / slotMs));
  const buckets: WireClient[][] = Array.from({ length: slots }, () => []);
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
      for (; nextSlot <= due; nextSlot++)
        for (const c of buckets[nextSlot % slots]!) {
          if (!c.isOpen) continue;
          const at = performance.now();
          c.type(c.sentAt.length);
          c.sentAt.push(at);
          c.clockAfter.push(Y.getState(c.doc.store, c.doc.clientID));
        }
    }, slotMs);
  });
  loop.disable();
  const cpu = process.cpuUsage(cpuAtWindow ?? undefined);
  const acking = wireInUse === 'menteo';
  const drainUntil = performance.now() + drainMs;
  const pending = () => clients.some((c) => c.peerPtr < c.clockAfter.length || (acking && c.ackPtr < c.clockAfter.length));
  while (pending() && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  running = false;
  send({
    type: 'report',
    sent: clients.reduce((n, c) => n + c.sentAt.length, 0),
    sentInWindow: clients.reduce((n, c) => n + c.sentAt.filter((t) => t >= measure.from && t <= measure.to).length, 0),
    peerLatency,
    undeliveredToPeer: clients.reduce((n, c) => n + (c.clockAfter.length - c.peerPtr), 0),
    unacked: acking ? clients.reduce((n, c) => n + (c.clockAfter.length - c.ackPtr), 0) : 0,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / (durationMs - warmupMs)) * 100,
    loopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    closes,
  });
}

process.on('disconnect', () => process.exit(0));

process.on('message', (raw) => {
  const cmd = raw as PeerGeneratorCommand;
  switch (cmd.type) {
    case 'connect':
      void connect(cmd.wire, cmd.rooms, cmd.concurrency);
      return;
    case 'run':
      void run(cmd.durationMs, cmd.warmupMs, cmd.drainMs, cmd.ratePerClient);
      return;
    case 'close':
      for (const c of clients) c.ws.terminate();
      clients = [];
      process.exit(0);
      return;
    default: {
      const never: never = cmd;
      throw new Error(`unknown generator command ${JSON.stringify(never)}`);
    }
  }
});
