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
}

/**
 * The automatic start and end of meetings, per room, on the node that saw the presence change.
 * A timer only asks again when it fires (the callbacks re-check presence across every node and
 * the database decides between nodes), so a timer left behind on another node is harmless.
 */
export function createAutoTimers(deps: AutoTimerDeps) {
  const starts = new Map<string, NodeJS.Timeout>();
  const ends = new Map<string, NodeJS.Timeout>();

  const arm = (map: Map<string, NodeJS.Timeout>, roomId: string, ms: number, run: (roomId: string) => Promise<void>) => {
    if (ms <= 0 || map.has(roomId)) return;
    const t = setTimeout(() => {
      map.delete(roomId);
      run(roomId).catch((err: unknown) => deps.logger.error({ err, roomId }, 'automatic meeting start/end failed'));
    }, ms);
    t.unref();
    map.set(roomId, t);
  };
  const disarm = (map: Map<string, NodeJS.Timeout>, roomId: string) => {
    clearTimeout(map.get(roomId));
    map.delete(roomId);
  };

  return {
    everyoneHere(roomId: string, meetingOpen: boolean) {
      if (!meetingOpen) arm(starts, roomId, deps.autostartMs, deps.autostart);
    },
    notEveryoneHere: (roomId: string) => disarm(starts, roomId),
    everyoneLeft: (roomId: string) => arm(ends, roomId, deps.autoendMs, deps.autoend),
    someoneHere: (roomId: string) => disarm(ends, roomId),
    close() {
      for (const t of [...starts.values(), ...ends.values()]) clearTimeout(t);
      starts.clear();
      ends.clear();
    },
  };
}
