import { describe, expect, it } from 'vitest';
import { createDeviceCookies, DEVICE_COOKIE_MAX_AGE_MS } from './device-cookie.ts';

describe('device cookies', () => {
  const clock = { t: 1_700_000_000_000 };
  const devices = createDeviceCookies('server secret', () => clock.t);

  it('verifies a cookie it issued for the same account, keeping the device id when re-issued', () => {
    const cookie = devices.issue('owner@x');
    const id = devices.verify(cookie, 'owner@x');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(devices.verify(devices.issue('owner@x', id), 'owner@x')).toBe(id);
    expect(cookie).not.toContain('owner');
  });

  it('refuses it for another account, with another secret, tampered, malformed or older than a year', () => {
    const cookie = devices.issue('owner@x');
    expect(devices.verify(cookie, 'attacker@x')).toBeNull();
    expect(createDeviceCookies('other secret', () => clock.t).verify(cookie, 'owner@x')).toBeNull();
    const [v, id, issued, mac] = cookie.split('.');
    expect(devices.verify([v, `${id}x`, issued, mac].join('.'), 'owner@x')).toBeNull();
    expect(devices.verify([v, id, (clock.t + 1).toString(36), mac].join('.'), 'owner@x')).toBeNull();
    for (const bad of [null, '', 'v1', 'v1.a.b', `${cookie}.x`, 'x'.repeat(500)]) expect(devices.verify(bad, 'owner@x')).toBeNull();
    clock.t += DEVICE_COOKIE_MAX_AGE_MS + 1;
    expect(devices.verify(cookie, 'owner@x')).toBeNull();
  });
});
