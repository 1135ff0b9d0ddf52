import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Bus } from './Bus.ts';
import { MemoryBus } from './MemoryBus.ts';
import { RedisBus } from './RedisBus.ts';
import { RedisClusterBus } from './RedisClusterBus.ts';

/** How long start-up waits for Redis before going on without it. */
const FIRST_CONNECT_WAIT_MS = 3000;

/**
 * REDIS_URL set → RedisBus (multi-node); REDIS_CLUSTER_NODES set → RedisClusterBus (multi-node,
 * sharded pub/sub on a Redis Cluster); neither → in-process MemoryBus.
 *
 * An unreachable Redis at start does not stop the node: it serves its local connections,
 * `/readyz` answers 503 with `bus: false` (so a load balancer keeps traffic away if it
 * checks readiness) and the bus keeps retrying; once Redis answers, every joined room
 * resyncs. Failing fast would turn a Redis blip during a rolling deploy into an outage.
 */
export async function createBus(config: Config, logger: Logger): Promise<Bus> {
  const busLogger = logger.child({ part: 'bus' });
  const bus = config.redisClusterNodes
    ? new RedisClusterBus({ nodes: config.redisClusterNodes, logger: busLogger })
    : config.redisUrl
      ? new RedisBus({ url: config.redisUrl, logger: busLogger })
      : null;
  if (!bus) return new MemoryBus();
  const ready = await bus.start(FIRST_CONNECT_WAIT_MS);
  if (!ready) {
    logger.warn(
      { waitedMs: FIRST_CONNECT_WAIT_MS },
      `Redis${config.redisClusterNodes ? ' Cluster' : ''} is not reachable yet; starting anyway: /readyz reports bus=false and the bus keeps retrying`,
    );
  }
  return bus;
}
