/** The messages between bench/run.ts and its generator processes (bench/generator.ts). */

export interface BenchMember {
  session: string;
  /** The node this member connects to (ws://127.0.0.1:PORT). */
  wsUrl: string;
}

export interface BenchRoom {
  roomId: string;
  mentor: BenchMember;
  mentee: BenchMember;
}

/**
 * What one edit is. `agenda`: a new talking point (a Y.Map of four fields) — about 2.4 KB
 * of server heap per edit, the heaviest common edit. `typing`: a word typed into the shared
 * notes — what most edits in a session are, and a few dozen bytes of heap.
 */
export type EditKind = 'agenda' | 'typing';

export type GeneratorCommand =
  | { type: 'connect'; rooms: BenchRoom[]; ack: boolean; concurrency: number }
  | { type: 'run'; durationMs: number; warmupMs: number; ratePerClient: number; drainMs: number; edit: EditKind }
  | { type: 'close' };

export interface GeneratorReport {
  type: 'report';
  sent: number;
  sentInWindow: number;
  /** ms from the sender's edit to the peer's receipt, for edits sent inside the measured window. */
  peerLatency: number[];
  /** ms from the edit to the saved ack that covers it. */
  ackLatency: number[];
  undeliveredToPeer: number;
  unacked: number;
  /** The generator process's own CPU over the measured window (100 = one core). */
  cpuPercent: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  rssBytes: number;
  /** Unexpected socket closes during the run, by close code. */
  closes: Record<string, number>;
  finalClocks: Array<{ roomId: string; clientId: number; clock: number }>;
}

export type GeneratorEvent = { type: 'connected'; clients: number; failures: number; ms: number } | GeneratorReport;
