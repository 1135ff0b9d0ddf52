import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { roomChannel } from '../../src/bus/Bus.ts';
import { busContract } from './bus-contract.ts';
import { SHARED_REDIS_URL, startRedisInstance } from '../redis-instance.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function redisBus(url: string, waitMs = 5000, probe: { probeIntervalMs?: number; probeTimeoutMs?: number } = {}): Promise<RedisBus> {
  const bus = new RedisBus({ url, logger, maxReconnectDelayMs: 100, ...probe });
  await bus.start(waitMs);
  return bus;
}

busContract('RedisBus', () => ({ node: () => redisBus(SHARED_REDIS_URL) }));

const waitFor = async (cond: () => boolean, what: string, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('RedisBus across a Redis restart', () => {
  it('reports not ready, drops and counts publishes while Redis is down, then resubscribes and fires onReconnect', async () => {
    const redis = await startRedisInstance();
    const a = await redisBus(redis.url);
    const b = await redisBus(redis.url);
    try {
      const ch = roomChannel(`restart-${Date.now()}`);
      const got: number[] = [];
      await b.subscribe(ch, (p) => got.push(p[0]!));
      let reconnects = 0;
      b.onReconnect(() => reconnects++);

      a.publish(ch, new Uint8Array([1]));
      await waitFor(() => got.length === 1, 'the first message');

      await redis.stop();
      await waitFor(() => !a.isReady() && !b.isReady(), 'both buses to notice the outage');
      expect(() => a.publish(ch, new Uint8Array([2]))).not.toThrow();
      expect(a.stats().dropped).toBeGreaterThanOrEqual(1);

      await redis.start();
      await waitFor(() => reconnects === 1 && a.isReady(), 'reconnect');
      a.publish(ch, new Uint8Array([3]));
      await waitFor(() => got.length === 2, 'a message after the restart');
      expect(got).toEqual([1, 3]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.destroy();
    }
  });

  it('starts while Redis is down, accepts subscriptions at once and delivers once Redis is up', async () => {
    const redis = await startRedisInstance();
    await redis.stop();
    const a = await redisBus(redis.url, 0);
    const b = await redisBus(redis.url, 0);
    try {
      expect(b.isReady()).toBe(false);
      const ch = roomChannel(`late-${Date.now()}`);
      const got: number[] = [];
      let reconnected = false;
      b.onReconnect(() => (reconnected = true));
      await b.subscribe(ch, (p) => got.push(p[0]!));
      await redis.start();
      await waitFor(() => reconnected && a.isReady(), 'the first connection');
      a.publish(ch, new Uint8Array([7]));
      await waitFor(() => got.length === 1, 'delivery');
      expect(got).toEqual([7]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.destroy();
    }
  });

  it('notices a Redis that stops answering while its connections stay open, and rebuilds them once it answers again', async () => {
    const redis = await startRedisInstance();
    const probe = { probeIntervalMs: 100, probeTimeoutMs: 600 };
    const a = await redisBus(redis.url, 5000, probe);
    const b = await redisBus(redis.url, 5000, probe);
    try {
      const ch = roomChannel(`hang-${Date.now()}`);
      const got: number[] = [];
      await b.subscribe(ch, (p) => got.push(p[0]!));
      let reconnects = 0;
      b.onReconnect(() => reconnects++);
      redis.pause();
      await waitFor(() => !a.isReady() && !b.isReady(), 'both buses to declare the silent connections dead');
      redis.resume();
      await waitFor(() => reconnects >= 1 && a.isReady() && b.isReady(), 'the rebuilt connections');
      a.publish(ch, new Uint8Array([5]));
      await waitFor(() => got.includes(5), 'delivery on the rebuilt connections');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.destroy();
    }
  });
});

describe('RedisBus.hasPeers (a room-affine balancer leaves most rooms on one node)', () => {
  it('says "maybe" until counted, "alone" once the channel has only our subscription, and "peers" once another node subscribes', async () => {
    const opts = { url: SHARED_REDIS_URL, logger, maxReconnectDelayMs: 100, peerPollMs: 50 };
    const a = new RedisBus(opts);
    const b = new RedisBus(opts);
    await Promise.all([a.start(5000), b.start(5000)]);
    try {
      const ch = roomChannel(`peers-${Date.now()}-${Math.random()}`);
      expect(a.hasPeers(ch)).toBe(true); // not subscribed, never counted: no claim
      await a.subscribe(ch, () => {});
      await waitFor(() => !a.hasPeers(ch), 'a to count itself alone');
      await b.subscribe(ch, () => {});
      await waitFor(() => a.hasPeers(ch) && b.hasPeers(ch), 'both to see each other');
      await b.unsubscribe(ch);
      await waitFor(() => !a.hasPeers(ch), 'a alone again');
      expect(b.hasPeers(ch)).toBe(true); // unsubscribed: forgotten, no claim
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
