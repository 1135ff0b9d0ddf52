import { describe, expect, it } from 'vitest';
import { LoginThrottle, type LoginPolicy } from './LoginThrottle.ts';

const policy: LoginPolicy = {
  perSource: { free: 3, baseMs: 1000, maxMs: 60_000, forgetMs: 3_600_000 },
  perIp: { free: 6, baseMs: 1000, maxMs: 60_000, forgetMs: 3_600_000 },
};

function throttleAt(start = 1_000_000) {
  const clock = { t: start };
  return { throttle: new LoginThrottle(policy, () => clock.t), clock };
}

const attacker = { ip: '203.0.113.66', account: 'owner@x', deviceId: null };
const ownerAtHome = { ip: '198.51.100.7', account: 'owner@x', deviceId: null };
const ownerDevice = { ip: '203.0.113.66', account: 'owner@x', deviceId: 'dev-1' };

describe('LoginThrottle', () => {
  it('lets a source fail `free` times, then asks it to wait a delay that doubles with each failure, up to the cap', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 3; i++) expect(throttle.begin(attacker)).toBeNull();
    expect(throttle.begin(attacker)).toEqual({ retryAfterSeconds: 1 });
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const limited = throttle.begin(attacker);
      if (!limited) throw new Error('expected a wait');
      waits.push(limited.retryAfterSeconds);
      clock.t += limited.retryAfterSeconds * 1000;
      expect(throttle.begin(attacker)).toBeNull();
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
  });

  it('never blocks the owner from another IP however often an attacker fails on the account', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 50; i++) {
      throttle.begin(attacker);
      clock.t += 100;
    }
    expect(throttle.begin(attacker)).not.toBeNull();
    expect(throttle.begin(ownerAtHome)).toBeNull();
  });

  it('never blocks a known device, even at the attacker’s IP, and its failures do not count against the IP', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 50; i++) throttle.begin(attacker);
    expect(throttle.begin({ ...attacker, deviceId: null })).not.toBeNull();
    expect(throttle.begin(ownerDevice)).toBeNull();
    const other = { ip: '192.0.2.1', account: 'other@x', deviceId: null };
    for (let i = 0; i < 7; i++) expect(throttle.begin({ ...ownerDevice, ip: other.ip, deviceId: `dev-${i + 10}` })).toBeNull();
    expect(throttle.begin(other)).toBeNull();
  });

  it('slows a known device only by its own failures', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 3; i++) expect(throttle.begin(ownerDevice)).toBeNull();
    expect(throttle.begin(ownerDevice)).toEqual({ retryAfterSeconds: 1 });
    expect(throttle.begin({ ...ownerDevice, deviceId: 'dev-2' })).toBeNull();
  });

  it('slows an IP that sprays many accounts once it passes its own free failures', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 6; i++) expect(throttle.begin({ ip: '203.0.113.9', account: `u${i}@x`, deviceId: null })).toBeNull();
    expect(throttle.begin({ ip: '203.0.113.9', account: 'fresh@x', deviceId: null })).toEqual({ retryAfterSeconds: 1 });
    expect(throttle.begin({ ip: '192.0.2.9', account: 'fresh@x', deviceId: null })).toBeNull();
  });

  it('starts a source afresh after a success and gives the IP its attempt back', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 3; i++) throttle.begin(ownerAtHome);
    throttle.succeeded(ownerAtHome);
    for (let i = 0; i < 3; i++) expect(throttle.begin(ownerAtHome)).toBeNull();
  });

  it('counts the delay from the failed answer, not from when the slow password check began', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 3; i++) {
      expect(throttle.begin(attacker)).toBeNull();
      clock.t += 1500; // hashing on a busy node
      throttle.failed(attacker);
    }
    expect(throttle.begin(attacker)).toEqual({ retryAfterSeconds: 1 });
  });

  it('forgets a source’s failures an hour after its last one', () => {
    const { throttle, clock } = throttleAt();
    for (let i = 0; i < 10; i++) throttle.begin(attacker);
    clock.t += 3_600_000;
    expect(throttle.begin(attacker)).toBeNull();
  });

  it('counts concurrent attempts at once: the fourth of four in flight already waits', () => {
    const { throttle } = throttleAt();
    const results = [throttle.begin(attacker), throttle.begin(attacker), throttle.begin(attacker), throttle.begin(attacker)];
    expect(results.map((r) => r === null)).toEqual([true, true, true, false]);
  });
});
