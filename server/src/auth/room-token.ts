import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived signed room tokens for non-browser socket clients (`?token=`).
 * Format: base64url(JSON {u: userId, r: roomId, e: expiry ms}) "." base64url(HMAC-SHA256).
 * The key is shared by all nodes through the database (server_secrets).
 * Membership is still checked on every connect, so removing a member revokes their tokens.
 */
export interface RoomTokenClaims {
  userId: string;
  roomId: string;
  expiresAt: number;
}

const sign = (secret: string, body: string): Buffer => createHmac('sha256', secret).update(body).digest();

export function signRoomToken(secret: string, claims: RoomTokenClaims): string {
  const body = Buffer.from(JSON.stringify({ u: claims.userId, r: claims.roomId, e: claims.expiresAt })).toString('base64url');
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

export function verifyRoomToken(secret: string, token: string, now = Date.now()): RoomTokenClaims | null {
  if (token.length > 1024) return null;
  const [body, mac, ...rest] = token.split('.');
  if (!body || !mac || rest.length > 0) return null;
  const expected = sign(secret, body);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { u, r, e } = parsed as Record<string, unknown>;
    if (typeof u !== 'string' || typeof r !== 'string' || typeof e !== 'number' || e <= now) return null;
    return { userId: u, roomId: r, expiresAt: e };
  } catch {
    // A valid MAC over invalid JSON cannot come from us; treat as an invalid token.
    return null;
  }
}
