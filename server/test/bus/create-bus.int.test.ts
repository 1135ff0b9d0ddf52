import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { testConfig } from '../../src/config.ts';
import { createBus } from '../../src/bus/create-bus.ts';
import { MemoryBus } from '../../src/bus/MemoryBus.ts';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { startRedisInstance } from '../redis-instance.ts';

const logger = pino({ level: 'silent' });

describe('createBus', () => {
  it('uses the in-process bus without REDIS_URL', async () => {
    const bus = await createBus(testConfig({ redisUrl: null }), logger);
    expect(bus).toBeInstanceOf(MemoryBus);
    await bus.close();
  });

  it('starts with an unreachable Redis, reports not ready, and becomes ready once Redis is up', async () => {
    const redis = await startRedisInstance();
    await redis.stop();
    const bus = await createBus(testConfig({ redisUrl: redis.url }), logger);
    try {
      expect(bus).toBeInstanceOf(RedisBus);
      expect(bus.isReady()).toBe(false);
      await redis.start();
      const deadline = Date.now() + 5000;
      while (!bus.isReady() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(bus.isReady()).toBe(true);
    } finally {
      await bus.close();
      await redis.destroy();
    }
  });
});
