import { Router } from 'express';
import { ErrorCode, LoginBody, SignupBody, type User, type UserResponse } from '@menteo/protocol';
import { createUser, findUserByEmail, findUserById, normalizeEmail, type UserRow } from '@menteo/db';
import type { AppContext } from '../../context.ts';
import { sessionTokenFrom } from '../../auth/Auth.ts';
import { LoginThrottle } from '../../auth/LoginThrottle.ts';
import { hashPassword, verifyPassword } from '../../auth/passwords.ts';
import { endSession, startSession } from '../../auth/sessions.ts';
import { HttpError, conflict, parseBody, unauthenticated } from './errors.ts';
import { caller, clearSessionCookie, requireUser, setSessionCookie } from './middleware.ts';

export const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, displayName: row.displayName });

/** Signup, login, logout, me. Paths are absolute so metrics see the full route pattern. */
export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db.db;
  const throttle = new LoginThrottle();
  // Counted before hashing, whatever the outcome: a signup costs an argon2id hash either way.
  const signups = new LoginThrottle({
    perIp: ctx.config.limits.signupsPerIpPerHour,
    perAccount: 5,
    windowMs: 60 * 60_000,
  });

  router.post('/api/auth/signup', async (req, res) => {
    const body = parseBody(SignupBody, req.body);
    const limited = signups.begin(req.ip ?? 'unknown', normalizeEmail(body.email));
    if (limited) {
      throw new HttpError(429, ErrorCode.RateLimited, 'Too many sign-ups from here; try again later.', undefined, {
        'Retry-After': String(limited.retryAfterSeconds),
      });
    }
    const passwordHash = await hashPassword(body.password);
    // Uniqueness is the database's unique index (normalised email); no racy pre-check.
    const user = await createUser(db, { email: body.email, displayName: body.displayName, passwordHash });
    if (!user) throw conflict('An account with this email already exists.', ErrorCode.EmailTaken);
    const session = await startSession(db, user.id, ctx.config.sessionTtlMs);
    setSessionCookie(req, res, session.token, ctx.config.sessionTtlMs);
    res.status(201).json({ user: toUser(user) } satisfies UserResponse);
  });

  router.post('/api/auth/login', async (req, res) => {
    const body = parseBody(LoginBody, req.body);
    const account = normalizeEmail(body.email);
    const ip = req.ip ?? 'unknown';
    const limited = throttle.begin(ip, account);
    if (limited) {
      throw new HttpError(429, ErrorCode.RateLimited, 'Too many failed sign-in attempts; try again later.', undefined, {
        'Retry-After': String(limited.retryAfterSeconds),
      });
    }
    const user = await findUserByEmail(db, account);
    // Same work and the same answer whether the email or the password is wrong.
    const ok = await verifyPassword(user?.passwordHash ?? null, body.password);
    if (!user || !ok) {
      throw new HttpError(401, ErrorCode.InvalidCredentials, 'The email or password is incorrect.');
    }
    throttle.succeeded(ip, account);
    const session = await startSession(db, user.id, ctx.config.sessionTtlMs);
    setSessionCookie(req, res, session.token, ctx.config.sessionTtlMs);
    res.json({ user: toUser(user) } satisfies UserResponse);
  });

  // Idempotent: signing out without a (valid) session still clears the cookie and succeeds.
  router.post('/api/auth/logout', async (req, res) => {
    const token = sessionTokenFrom(req);
    if (token) await endSession(db, token);
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  router.get('/api/me', requireUser(ctx), async (_req, res) => {
    const user = await findUserById(db, caller(res).userId);
    if (!user) throw unauthenticated();
    res.json({ user: toUser(user) } satisfies UserResponse);
  });

  return router;
}
