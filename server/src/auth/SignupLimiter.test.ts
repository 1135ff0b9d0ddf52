import { describe, expect, it } from 'vitest';
import { SignupLimiter } from './SignupLimiter.ts';

const limits = { perAccount: 3, perIp: 5, windowMs: 60_000 };

function throttleAt(start = 1_000_000) {
  const clock = { t: start };
  return { throttle: new SignupLimiter(limits, () => clock.t), clock };
}

describe('SignupLimiter', () => {
  it('refuses the attempt after perAccount failures on one account, with the wait until the oldest leaves the window', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 3; i++) {
      expect(throttle.begin('1.1.1.1', 'a@x')).toBeNull();
      clock.t += 10_000;
    }
    expect(throttle.begin('2.2.2.2', 'a@x')).toEqual({ retryAfterSeconds: 30 });
    // Another account from the same IP is still allowed.
    expect(throttle.begin('1.1.1.1', 'b@x')).toBeNull();
  });

  it('lets the account try again once its failures slide out of the window', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 3; i++) throttle.begin('1.1.1.1', 'a@x');
    expect(throttle.begin('1.1.1.1', 'a@x')).not.toBeNull();
    clock.t += 60_001;
    expect(throttle.begin('1.1.1.1', 'a@x')).toBeNull();
  });

  it('refuses an IP after perIp failures across many accounts', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 5; i++) expect(throttle.begin('1.1.1.1', `u${i}@x`)).toBeNull();
    expect(throttle.begin('1.1.1.1', 'fresh@x')).not.toBeNull();
    expect(throttle.begin('9.9.9.9', 'fresh@x')).toBeNull();
  });

  it('forgets an account’s attempts when one is taken back, and takes one back from the IP', () => {
    const { throttle } = throttleAt();
    throttle.begin('1.1.1.1', 'a@x');
    throttle.begin('1.1.1.1', 'a@x');
    throttle.begin('1.1.1.1', 'a@x');
    throttle.succeeded('1.1.1.1', 'a@x');
    for (let i = 0; i < 3; i++) expect(throttle.begin('1.1.1.1', 'a@x')).toBeNull();
    // The IP has 3 attempts, one taken back by the success, then 3 more: 5, its limit.
    expect(throttle.begin('1.1.1.1', 'z@x')).not.toBeNull();
  });

  it('never asks to wait less than a second', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 3; i++) throttle.begin('1.1.1.1', 'a@x');
    clock.t += 59_999;
    expect(throttle.begin('1.1.1.1', 'a@x')).toEqual({ retryAfterSeconds: 1 });
  });
});
