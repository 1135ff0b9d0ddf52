import { describe, expect, it } from 'vitest';
import { ChatRateLimiter } from './rate-limit.ts';

describe('ChatRateLimiter', () => {
  it('allows a burst, then one message per refill interval', () => {
    let now = 0;
    const limiter = new ChatRateLimiter({ burst: 3, perMinute: 6 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([null, null, null]);
    // One token per 10 s: the fourth waits 10 s.
    expect(limiter.take('a')).toEqual({ retryAfterSeconds: 10 });
    now = 5_000;
    expect(limiter.take('a')).toEqual({ retryAfterSeconds: 5 });
    now = 10_000;
    expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).toEqual({ retryAfterSeconds: 10 });
  });

  it('a refusal takes nothing, so waiting the announced time is enough', () => {
    let now = 0;
    const limiter = new ChatRateLimiter({ burst: 1, perMinute: 60 }, () => now);
    expect(limiter.take('a')).toBeNull();
    for (let i = 0; i < 50; i++) expect(limiter.take('a')).toEqual({ retryAfterSeconds: 1 });
    now = 1_000;
    expect(limiter.take('a')).toBeNull();
  });

  it('keeps keys apart and never refills past the burst', () => {
    let now = 0;
    const limiter = new ChatRateLimiter({ burst: 2, perMinute: 60 }, () => now);
    expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).not.toBeNull();
    expect(limiter.take('b')).toBeNull();
    now = 3_600_000;
    expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).not.toBeNull();
  });

  it('forgets full buckets once it tracks many keys', () => {
    let now = 0;
    const limiter = new ChatRateLimiter({ burst: 5, perMinute: 60 }, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`);
    now = 10_000;
    limiter.take('new');
    expect(limiter.size()).toBe(1);
  });
});
