import type { IncomingMessage } from 'node:http';
import { parse as parseCookie } from 'cookie';
import { SESSION_COOKIE, isId, type Role } from '@menteo/protocol';
import { findSessionUsers, findUserById, getMemberships, membershipKey, type Db } from '@menteo/db';
import { batchLoader } from '../persistence/batch-loader.ts';
import { hashToken } from './tokens.ts';
import { signRoomToken, verifyRoomToken } from './room-token.ts';
import { createDeviceCookies, type DeviceCookies } from './device-cookie.ts';

/** Who is calling: a signed-in user (cookie) or the holder of a room token (one room only). */
export interface Principal {
  userId: string;
  displayName: string;
  /** Set when authenticated by a room token: the only room this principal may open. */
  tokenRoomId: string | null;
}

export interface Auth {
  /**
   * Authenticates an HTTP request or WebSocket upgrade: the session cookie, or a
   * `?token=` room token. Null when neither is valid. Never throws for bad input.
   */
  authenticate(req: IncomingMessage): Promise<Principal | null>;
  /** The principal's role in the room, or null when it may not open it (not a member, no such room, token for another room). */
  roomRole(principal: Principal, roomId: string): Promise<Role | null>;
  /** A signed room token for `?token=` (the caller checks membership first). */
  issueRoomToken(userId: string, roomId: string): { token: string; expiresAt: Date };
  /** Signed device cookies for login throttling (keyed from the same shared secret). */
  devices: DeviceCookies;
}

export interface AuthDeps {
  db: Db;
  /** HMAC key for room tokens and, derived from it, device cookies (shared by all nodes through the database). */
  tokenSecret: string;
  /** Lifetime of issued room tokens; 10 minutes when not given. */
  roomTokenTtlMs?: number;
}

export function sessionTokenFrom(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  const value = parseCookie(header)[SESSION_COOKIE];
  return value && value.length <= 200 ? value : null;
}

export function createAuth(deps: AuthDeps): Auth {
  // Batched per turn of the event loop (a reconnect storm's upgrades share queries).
  const sessionUser = batchLoader((hashes: readonly string[]) => findSessionUsers(deps.db, hashes), (hash) => hash);
  const membership = batchLoader(
    (pairs: ReadonlyArray<{ roomId: string; userId: string }>) => getMemberships(deps.db, pairs),
    (p) => membershipKey(p.roomId, p.userId),
  );
  return {
    devices: createDeviceCookies(deps.tokenSecret),
    async authenticate(req) {
      const session = sessionTokenFrom(req);
      if (session) {
        const user = await sessionUser(hashToken(session));
        if (user) return { userId: user.id, displayName: user.displayName, tokenRoomId: null };
      }
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      if (token) {
        const claims = verifyRoomToken(deps.tokenSecret, token);
        if (claims) {
          const user = await findUserById(deps.db, claims.userId);
          if (user) return { userId: user.id, displayName: user.displayName, tokenRoomId: claims.roomId };
        }
      }
      return null;
    },
    async roomRole(principal, roomId) {
      if (!isId(roomId)) return null;
      if (principal.tokenRoomId !== null && principal.tokenRoomId !== roomId) return null;
      return (await membership({ roomId, userId: principal.userId }))?.role ?? null;
    },
    issueRoomToken(userId, roomId) {
      const expiresAt = new Date(Date.now() + (deps.roomTokenTtlMs ?? 600_000));
      return { token: signRoomToken(deps.tokenSecret, { userId, roomId, expiresAt: expiresAt.getTime() }), expiresAt };
    },
  };
}
