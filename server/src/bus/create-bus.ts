import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Bus } from './Bus.ts';
import { MemoryBus } from './MemoryBus.ts';
import { RedisBus } from './RedisBus.ts';

/** How long start-up waits for Redis before going on without it. */
const FIRST_CONNECT_WAIT_MS = 3000;

/**
 * REDIS_URL set → RedisBus (multi-node); unset → in-process MemoryBus.
 *
 * An unreachable Redis at start does not stop the node: it serves its local connections,
 * `/readyz` answers 503 with `bus: false` (so a load balancer keeps traffic away if it
 * checks readiness) and the bus keeps retrying; once Redis answers, every joined room
 * resyncs. Failing fast would turn a Redis blip during a rolling deploy into an outage.
 */
export async function createBus(config: Config, logger: Logger): Promise<Bus> {
  if (!config.redisUrl) return new MemoryBus();
  const bus = new RedisBus({ url: config.redisUrl, logger: logger.child({ part: 'bus' }) });
  const ready = await bus.start(FIRST_CONNECT_WAIT_MS);
  if (!ready) {
    logger.warn(
      { waitedMs: FIRST_CONNECT_WAIT_MS },
      'Redis is not reachable yet; starting anyway: /readyz reports bus=false and the bus keeps retrying',
    );
  }
  return bus;
}
