import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.ts';

/**
 * CSRF and cross-site WebSocket hijacking defence. A request that carries an Origin header
 * (every browser fetch that changes state, every browser WebSocket) must come from:
 * the request's own host (same origin), PUBLIC_URL, or ALLOWED_ORIGINS. Requests without
 * Origin (curl, server-to-server, the y-websocket Node client) are not browsers and pass;
 * they still need a session or token.
 */
export function isAllowedOrigin(config: Config, req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  const normalized = origin.replace(/\/+$/, '');
  if (config.publicUrl && normalized === new URL(config.publicUrl).origin) return true;
  if (config.allowedOrigins.includes(normalized)) return true;
  const host = req.headers['x-forwarded-host'] && config.trustProxy ? String(req.headers['x-forwarded-host']) : req.headers.host;
  if (!host) return false;
  try {
    return new URL(normalized).host === host;
  } catch {
    // An Origin that is not a URL is not one we allow.
    return false;
  }
}
