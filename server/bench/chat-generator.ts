/**
 * One chat load-generator process (forked by bench/chat.ts). It holds both members' socket.io
 * clients of each of its rooms, so a message's send time and the other member's receipt are
 * read off one clock. Each room sends `rate` messages a second, the members taking turns.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { SESSION_COOKIE, type ClientToServerEvents, type ServerToClientEvents } from '@menteo/protocol';

export interface ChatBenchRoom {
  roomId: string;
  mentor: string;
  mentee: string;
}

export type ChatGeneratorCommand =
  | { type: 'connect'; url: string; rooms: ChatBenchRoom[]; concurrency: number }
  | { type: 'run'; durationMs: number; warmupMs: number; rate: number; drainMs: number }
  | { type: 'close' };

export interface ChatGeneratorReport {
  type: 'report';
  sent: number;
  acked: number;
  refused: Record<string, number>;
  /** ms from send to the other member's `chat:message`, for messages sent in the measured window. */
  delivery: number[];
  /** ms from send to the ack (= committed). */
  ack: number[];
  /** Acked messages the other member never received. */
  undelivered: number;
  unanswered: number;
  cpuPercent: number;
  loopDelayMs: { p99: number; max: number };
}

export type ChatGeneratorEvent = { type: 'connected'; clients: number; failures: number; ms: number } | ChatGeneratorReport;

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
interface Pending {
  sentAt: number;
  inWindow: boolean;
  delivered: boolean;
  acked: boolean;
}

const send = (event: ChatGeneratorEvent) => process.send!(event);
const sockets: ChatSocket[] = [];
const rooms: Array<{ roomId: string; members: [ChatSocket, ChatSocket]; turn: number; timer: NodeJS.Timeout | null }> = [];
const pending = new Map<string, Pending>();
const delivery: number[] = [];
const ackTimes: number[] = [];
const refused: Record<string, number> = {};
let sent = 0;
let acked = 0;
let seq = 0;
let windowFrom = 0;
let windowTo = Number.POSITIVE_INFINITY;

function connectOne(url: string, session: string, roomId: string, selfId: () => string): Promise<ChatSocket> {
  const socket: ChatSocket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { cookie: `${SESSION_COOKIE}=${session}` },
    reconnection: false,
  });
  sockets.push(socket);
  socket.on('chat:message', (m) => {
    // The other member's message: the delivery being measured (its own echo is not).
    if (m.clientId === null || m.clientId.startsWith(selfId())) return;
    const p = pending.get(m.clientId);
    if (!p || p.delivered) return;
    p.delivered = true;
    if (p.inWindow) delivery.push(performance.now() - p.sentAt);
  });
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      socket.emit('room:join', { roomId }, (res) => (res.ok ? resolve(socket) : reject(new Error(res.message))));
    });
  });
}

async function connect(cmd: Extract<ChatGeneratorCommand, { type: 'connect' }>): Promise<void> {
  const started = performance.now();
  let failures = 0;
  let next = 0;
  const worker = async () => {
    while (next < cmd.rooms.length) {
      const r = cmd.rooms[next++]!;
      try {
        const a = await connectOne(cmd.url, r.mentor, r.roomId, () => `${r.roomId}:0:`);
        const b = await connectOne(cmd.url, r.mentee, r.roomId, () => `${r.roomId}:1:`);
        rooms.push({ roomId: r.roomId, members: [a, b], turn: 0, timer: null });
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, worker));
  send({ type: 'connected', clients: rooms.length * 2, failures, ms: performance.now() - started });
}

function sendOne(room: (typeof rooms)[number]): void {
  const who = room.turn;
  room.turn = 1 - room.turn;
  const clientId = `${room.roomId}:${who}:${++seq}`;
  const now = performance.now();
  const p: Pending = { sentAt: now, inWindow: now >= windowFrom && now <= windowTo, delivered: false, acked: false };
  pending.set(clientId, p);
  sent++;
  room.members[who]!.emit('chat:send', { roomId: room.roomId, body: `message ${seq} from ${who === 0 ? 'mentor' : 'mentee'}`, clientId }, (res) => {
    if (!res.ok) {
      refused[res.code] = (refused[res.code] ?? 0) + 1;
      pending.delete(clientId);
      return;
    }
    p.acked = true;
    acked++;
    if (p.inWindow) ackTimes.push(performance.now() - p.sentAt);
  });
}

async function run(cmd: Extract<ChatGeneratorCommand, { type: 'run' }>): Promise<void> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const start = performance.now();
  windowFrom = start + cmd.warmupMs;
  windowTo = start + cmd.durationMs;
  const intervalMs = 1000 / cmd.rate;
  // Each room on its own phase, so the sends are spread evenly over the second.
  for (const room of rooms) {
    const phase = Math.random() * intervalMs;
    setTimeout(() => {
      sendOne(room);
      room.timer = setInterval(() => sendOne(room), intervalMs);
    }, phase);
  }
  let cpu0: NodeJS.CpuUsage | null = null;
  let t0 = 0;
  setTimeout(() => {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    loop.enable();
  }, cmd.warmupMs);
  await new Promise((r) => setTimeout(r, cmd.durationMs));
  for (const room of rooms) if (room.timer) clearInterval(room.timer);
  loop.disable();
  const cpu = process.cpuUsage(cpu0 ?? undefined);
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100;
  // Let what is in flight arrive.
  const until = performance.now() + cmd.drainMs;
  const outstanding = () => [...pending.values()].filter((p) => !p.acked || !p.delivered).length;
  while (outstanding() > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  const values = [...pending.values()];
  send({
    type: 'report',
    sent,
    acked,
    refused,
    delivery,
    ack: ackTimes,
    undelivered: values.filter((p) => p.acked && !p.delivered).length,
    unanswered: values.filter((p) => !p.acked).length,
    cpuPercent,
    loopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
  });
}

process.on('message', (raw) => {
  const cmd = raw as ChatGeneratorCommand;
  switch (cmd.type) {
    case 'connect':
      void connect(cmd);
      return;
    case 'run':
      void run(cmd);
      return;
    case 'close':
      for (const s of sockets) s.disconnect();
      process.exit(0);
      return;
    default: {
      const never: never = cmd;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
});
