import type { Logger } from '../logger.ts';

export interface AutoTimerDeps {
  /** 0: never. */
  autostartMs: number;
  autoendMs: number;
  /** Called when both members have been present for autostartMs; re-checks before it starts one. */
  autostart(roomId: string): Promise<void>;
  /** Called when nobody has been present for autoendMs; re-checks before it ends one. */
  autoend(roomId: string): Promise<void>;
  logger: Logger;
  /** Automatic starts and ends run at most this many at a time (default AUTO_CONCURRENCY). */
  concurrency?: number;
  /** For tests: a number in [0, 1) per timer (default Math.random). */
  random?: () => number;
}

/**
 * Automatic starts and ends in flight at once, per node. Each is a handful of queries run one
 * after another (and an end encodes and stores the doc), so each holds at most one pooled
 * connection at a time. When every room of a node reached its timer in the same second (a
 * program's members arriving together, a node restarting under them), 1,000 of them at once
 * queued thousands of queries ahead of the update log's and chat's group commits. Four leave
 * most of a pool (10 by default) to everything else, and still start 600 rooms in about 10 s.
 */
export const AUTO_CONCURRENCY = 4;

/** A timer fires up to this share of its delay later (at most MAX_JITTER_MS), so timers armed together do not fire together. */
const JITTER = 0.1;
const MAX_JITTER_MS = 5_000;

/**
 * The automatic start and end of meetings, per room, on the node that saw the presence change.
 * A timer only asks again when it fires (the callbacks re-check presence across every node and
 * the database decides between nodes), so a timer left behind on another node is harmless.
 */
export function createAutoTimers(deps: AutoTimerDeps) {
  const starts = new Map<string, NodeJS.Timeout>();
  const ends = new Map<string, NodeJS.Timeout>();
  const random = deps.random ?? Math.random;
  const concurrency = deps.concurrency ?? AUTO_CONCURRENCY;

  // Fired timers wait here for a free slot, in firing order; a room waits at most once per kind
  // (the callbacks re-check everything when they run, so a second wait would find nothing to do).
  const waiting: Array<{ key: string; roomId: string; run: (roomId: string) => Promise<void> }> = [];
  const queued = new Set<string>();
  let running = 0;
  let closed = false;
  const pump = () => {
    while (!closed && running < concurrency && waiting.length > 0) {
      const job = waiting.shift()!;
      queued.delete(job.key);
      running++;
      job
        .run(job.roomId)
        .catch((err: unknown) => deps.logger.error({ err, roomId: job.roomId }, 'automatic meeting start/end failed'))
        .finally(() => {
          running--;
          pump();
        });
    }
  };

  const arm = (map: Map<string, NodeJS.Timeout>, kind: string, roomId: string, ms: number, run: (roomId: string) => Promise<void>) => {
    if (ms <= 0 || map.has(roomId)) return;
    const t = setTimeout(
      () => {
        map.delete(roomId);
        const key = `${kind}:${roomId}`;
        if (queued.has(key)) return;
        queued.add(key);
        waiting.push({ key, roomId, run });
        pump();
      },
      ms + Math.floor(random() * Math.min(ms * JITTER, MAX_JITTER_MS)),
    );
    t.unref();
    map.set(roomId, t);
  };
  const disarm = (map: Map<string, NodeJS.Timeout>, roomId: string) => {
    clearTimeout(map.get(roomId));
    map.delete(roomId);
  };

  return {
    everyoneHere(roomId: string, meetingOpen: boolean) {
      if (!meetingOpen) arm(starts, 'start', roomId, deps.autostartMs, deps.autostart);
    },
    notEveryoneHere: (roomId: string) => disarm(starts, roomId),
    everyoneLeft: (roomId: string) => arm(ends, 'end', roomId, deps.autoendMs, deps.autoend),
    /** Fired timers waiting for a slot, and running (for tests and metrics). */
    pending: () => ({ waiting: waiting.length, running }),
    someoneHere: (roomId: string) => disarm(ends, roomId),
    close() {
      closed = true;
      waiting.length = 0;
      queued.clear();
      for (const t of [...starts.values(), ...ends.values()]) clearTimeout(t);
      starts.clear();
      ends.clear();
    },
  };
}
