import { ErrorCode } from '@menteo/protocol';
import { createUser, findUserByEmail, findUserById, normalizeEmail, type UserRow } from '@menteo/db';
import type { AppContext } from '../context.ts';
import { LOGIN_POLICY, LoginThrottle } from '../auth/LoginThrottle.ts';
import { SignupLimiter } from '../auth/SignupLimiter.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { endSession, startSession } from '../auth/sessions.ts';
import { ServiceError } from '../service-error.ts';

export type { UserRow } from '@menteo/db';

/** A signed-in user, the session token that goes to their cookie, and their device cookie. */
export interface SignedIn {
  user: UserRow;
  session: { token: string; expiresAt: Date };
  /** Marks this browser as a known device of the account (auth/device-cookie.ts). */
  deviceCookie: string;
}

export interface AccountsService {
  /** `ip` is the client address, for the per-IP signup limit. */
  signup(input: { email: string; password: string; displayName: string; ip: string }): Promise<SignedIn>;
  /** `deviceCookie` is what the browser sent (any value; verified here). */
  login(input: { email: string; password: string; ip: string; deviceCookie: string | null }): Promise<SignedIn>;
  /** Idempotent: an unknown token ends nothing and does not fail. */
  logout(sessionToken: string): Promise<void>;
  /** unauthenticated when the account is gone. */
  me(userId: string): Promise<UserRow>;
}

/**
 * Accounts and sessions. Failed sign-ins slow down their source with growing delays, never the
 * account as a whole (auth/LoginThrottle.ts); sign-ups are limited per IP and per email. Both
 * in this node's memory: a limit per node, which is enough to make guessing slow.
 */
export function createAccountsService(ctx: AppContext): AccountsService {
  const db = ctx.db.db;
  const ttlMs = ctx.config.sessionTtlMs;
  const logins = new LoginThrottle(ctx.config.limits.login ?? LOGIN_POLICY);
  const devices = ctx.auth.devices;
  // Counted before hashing, whatever the outcome: a signup costs an argon2id hash either way.
  const signups = new SignupLimiter({
    perIp: ctx.config.limits.signupsPerIpPerHour,
    perAccount: 5,
    windowMs: 60 * 60_000,
  });

  return {
    async signup({ email, password, displayName, ip }) {
      const limited = signups.begin(ip, normalizeEmail(email));
      if (limited) {
        throw new ServiceError('rate_limited', ErrorCode.RateLimited, 'Too many sign-ups from here; try again later.', limited.retryAfterSeconds);
      }
      const passwordHash = await hashPassword(password);
      // Uniqueness is the database's unique index (normalised email); no racy pre-check.
      const user = await createUser(db, { email, displayName, passwordHash });
      if (!user) throw new ServiceError('conflict', ErrorCode.EmailTaken, 'An account with this email already exists.');
      return { user, session: await startSession(db, user.id, ttlMs), deviceCookie: devices.issue(user.email) };
    },
    async login({ email, password, ip, deviceCookie }) {
      const account = normalizeEmail(email);
      const attempt = { ip, account, deviceId: devices.verify(deviceCookie, account) };
      const limited = logins.begin(attempt);
      if (limited) {
        throw new ServiceError('rate_limited', ErrorCode.RateLimited, 'Too many failed sign-in attempts; try again in a moment.', limited.retryAfterSeconds);
      }
      const user = await findUserByEmail(db, account);
      // Same work and the same answer whether the email or the password is wrong.
      const ok = await verifyPassword(user?.passwordHash ?? null, password);
      if (!user || !ok) {
        logins.failed(attempt);
        throw new ServiceError('unauthenticated', ErrorCode.InvalidCredentials, 'The email or password is incorrect.');
      }
      logins.succeeded(attempt);
      return { user, session: await startSession(db, user.id, ttlMs), deviceCookie: devices.issue(account, attempt.deviceId) };
    },
    logout: (sessionToken) => endSession(db, sessionToken),
    async me(userId) {
      const user = await findUserById(db, userId);
      if (!user) throw new ServiceError('unauthenticated', ErrorCode.Unauthenticated, 'Sign in first.');
      return user;
    },
  };
}
