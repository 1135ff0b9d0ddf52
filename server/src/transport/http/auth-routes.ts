import { Router } from 'express';
import { LoginBody, SignupBody, type User, type UserResponse } from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { AccountsService, UserRow } from '../../accounts/accounts-service.ts';
import { sessionTokenFrom } from '../../auth/Auth.ts';
import { deviceCookieFrom } from '../../auth/device-cookie.ts';
import { parseBody } from './errors.ts';
import { caller, clearSessionCookie, requireUser, setDeviceCookie, setSessionCookie } from './middleware.ts';

export const toUser = (row: UserRow): User => ({ id: row.id, email: row.email, displayName: row.displayName });

/** Signup, login, logout, me. Paths are absolute so metrics see the full route pattern. */
export function authRoutes(ctx: AppContext, accounts: AccountsService): Router {
  const router = Router();
  const ttlMs = ctx.config.sessionTtlMs;

  router.post('/api/auth/signup', async (req, res) => {
    const body = parseBody(SignupBody, req.body);
    const { user, session, deviceCookie } = await accounts.signup({ ...body, ip: req.ip ?? 'unknown' });
    setSessionCookie(req, res, session.token, ttlMs);
    setDeviceCookie(req, res, deviceCookie);
    res.status(201).json({ user: toUser(user) } satisfies UserResponse);
  });

  router.post('/api/auth/login', async (req, res) => {
    const body = parseBody(LoginBody, req.body);
    const { user, session, deviceCookie } = await accounts.login({ ...body, ip: req.ip ?? 'unknown', deviceCookie: deviceCookieFrom(req) });
    setSessionCookie(req, res, session.token, ttlMs);
    setDeviceCookie(req, res, deviceCookie);
    res.json({ user: toUser(user) } satisfies UserResponse);
  });

  // Idempotent: signing out without a (valid) session still clears the cookie and succeeds.
  router.post('/api/auth/logout', async (req, res) => {
    const token = sessionTokenFrom(req);
    if (token) await accounts.logout(token);
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  router.get('/api/me', requireUser(ctx), async (_req, res) => {
    res.json({ user: toUser(await accounts.me(caller(res).userId)) } satisfies UserResponse);
  });

  return router;
}
