import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger.ts';
import { AUTO_CONCURRENCY, createAutoTimers } from './auto-timers.ts';

describe('automatic meeting timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a thousand rooms that reach their start together at most AUTO_CONCURRENCY at a time, each once', async () => {
    let running = 0;
    let most = 0;
    const ran: string[] = [];
    const timers = createAutoTimers({
      autostartMs: 60_000,
      autoendMs: 0,
      logger: createLogger('silent'),
      async autostart(roomId) {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        ran.push(roomId);
        running--;
      },
      autoend: async () => undefined,
    });
    for (let i = 0; i < 1000; i++) timers.everyoneHere(`room-${i}`, false);
    // Armed again while waiting: still one start per room.
    for (let i = 0; i < 1000; i++) timers.everyoneHere(`room-${i}`, false);
    await vi.advanceTimersByTimeAsync(60_000 + 5_000 + 1000 * 5);
    expect(ran).toHaveLength(1000);
    expect(new Set(ran).size).toBe(1000);
    expect(most).toBe(AUTO_CONCURRENCY);
    timers.close();
  });

  it('spreads timers armed together over up to a tenth of their delay', async () => {
    const at: number[] = [];
    let r = 0;
    const timers = createAutoTimers({
      autostartMs: 10_000,
      autoendMs: 0,
      logger: createLogger('silent'),
      random: () => (r++ % 10) / 10,
      autostart: async () => {
        at.push(Date.now());
      },
      autoend: async () => undefined,
    });
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) timers.everyoneHere(`room-${i}`, false);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(at).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(at).toHaveLength(10);
    expect(Math.min(...at) - t0).toBe(10_000);
    expect(Math.max(...at) - t0).toBe(10_900);
    timers.close();
  });

  it('forgets a start when not everyone is there any more before it fires, and runs nothing after close', async () => {
    const ran: string[] = [];
    const timers = createAutoTimers({
      autostartMs: 1_000,
      autoendMs: 1_000,
      logger: createLogger('silent'),
      autostart: async (id) => void ran.push(`start ${id}`),
      autoend: async (id) => void ran.push(`end ${id}`),
    });
    timers.everyoneHere('a', false);
    timers.notEveryoneHere('a');
    timers.everyoneLeft('b');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ran).toEqual(['end b']);
    timers.everyoneLeft('c');
    timers.close();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ran).toEqual(['end b']);
  });
});
