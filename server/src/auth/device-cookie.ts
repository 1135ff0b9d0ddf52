import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseCookie } from 'cookie';

/**
 * A device cookie says "this browser signed in to this account before". It lets LoginThrottle
 * tell the owner's known browser from a guesser, so a guesser can never block it.
 *
 * Format: `v1.<deviceId>.<issuedAt base36>.<mac>`, the MAC an HMAC-SHA256 over those fields and
 * the normalised email, so the cookie names no account and is valid for one account only (the
 * last one signed in on that browser). The key is derived from the server secret that all
 * nodes share (server_secrets), so any node verifies any node's cookie. It grants nothing but
 * a separate throttling bucket: the password is still checked.
 */
export const DEVICE_COOKIE = 'menteo_device';
export const DEVICE_COOKIE_MAX_AGE_MS = 365 * 86_400_000;

export interface DeviceCookies {
  /** A cookie for this account: the same device id when `deviceId` is given, else a new one. */
  issue(account: string, deviceId?: string | null): string;
  /** The device id when `value` is a cookie we issued for this account within a year, else null. */
  verify(value: string | null, account: string): string | null;
}

export function createDeviceCookies(serverSecret: string, now: () => number = Date.now): DeviceCookies {
  // Its own key (not the room-token key itself): a MAC of one kind can never pass as the other.
  const key = createHmac('sha256', serverSecret).update('menteo device cookie v1').digest();
  const mac = (deviceId: string, issued: string, account: string) =>
    createHmac('sha256', key).update(`v1.${deviceId}.${issued}.${account}`).digest();
  return {
    issue(account, deviceId) {
      const id = deviceId ?? randomBytes(16).toString('base64url');
      const issued = now().toString(36);
      return `v1.${id}.${issued}.${mac(id, issued, account).toString('base64url')}`;
    },
    verify(value, account) {
      if (!value || value.length > 200) return null;
      const [version, id, issued, given, ...rest] = value.split('.');
      if (version !== 'v1' || !id || !issued || !given || rest.length > 0) return null;
      const expected = mac(id, issued, account);
      const presented = Buffer.from(given, 'base64url');
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
      const issuedAt = parseInt(issued, 36);
      if (!Number.isFinite(issuedAt) || now() - issuedAt > DEVICE_COOKIE_MAX_AGE_MS) return null;
      return id;
    },
  };
}

export function deviceCookieFrom(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  return parseCookie(header)[DEVICE_COOKIE] ?? null;
}
