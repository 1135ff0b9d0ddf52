import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Bus } from './Bus.ts';
import { MemoryBus } from './MemoryBus.ts';

/** REDIS_URL set → RedisBus (multi-node); unset → in-process MemoryBus. */
export async function createBus(config: Config, logger: Logger): Promise<Bus> {
  if (config.redisUrl) {
    logger.warn('REDIS_URL is set but RedisBus is not built yet; using the in-process bus');
  }
  return new MemoryBus();
}
