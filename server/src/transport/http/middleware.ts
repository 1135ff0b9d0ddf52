import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import { Histogram, type Registry } from 'prom-client';
import { ErrorCode, SESSION_COOKIE } from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { Principal } from '../../auth/Auth.ts';
import { sessionTokenFrom } from '../../auth/Auth.ts';
import { isAllowedOrigin } from '../../auth/origin.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_MS } from '../../auth/device-cookie.ts';
import { HttpError, sendError, unauthenticated } from './errors.ts';

/** An incoming X-Request-Id is kept when it is short and plain (it ends up in our logs). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths whose tokens must not reach the logs (invite tokens are bearer secrets). */
const redactUrl = (url: string | undefined): string | undefined =>
  url?.replace(/(\/api\/invites\/)[^/?#]+/, '$1[token]').replace(/([?&]token=)[^&#]*/, '$1[token]');

/** pino-http: one log line per request, with a request id that is echoed in X-Request-Id. */
export function requestLogging(ctx: AppContext): RequestHandler {
  return pinoHttp({
    logger: ctx.logger,
    genReqId(req: IncomingMessage, res) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Probes and scrapes every few seconds would drown the useful lines.
    // req.log carries only the request id; the one completion line per request has the details.
    quietReqLogger: true,
    autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
    // Static files and the SPA's index.html (one line per asset on every page load) only at
    // debug: at info the log is the API, errors always.
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      return (req.url ?? '').startsWith('/api/') ? 'info' : 'debug';
    },
    serializers: {
      // No headers: cookies are credentials. Only what is needed to follow a request.
      req: (req: { id: unknown; method: string; url: string; remoteAddress: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}

/** Latency histogram labelled by route pattern (never the raw path: ids would explode cardinality). */
export function httpMetrics(registry: Registry): RequestHandler {
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (req, res, next) => {
    const end = histogram.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: routeLabel(req), status: String(res.statusCode) });
    });
    next();
  };
}

function routeLabel(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return req.baseUrl + route;
  if (route instanceof RegExp) return 'spa';
  return req.originalUrl.startsWith('/api/') ? 'unmatched' : 'static';
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** CSRF defence: a state-changing request from a foreign Origin is refused before anything else. */
export function checkOrigin(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    if (STATE_CHANGING.has(req.method) && !isAllowedOrigin(ctx.config, req)) {
      return sendError(res, new HttpError(403, ErrorCode.BadOrigin, 'This request came from a page of another site.'));
    }
    next();
  };
}

/**
 * Only a session cookie signs in to the REST API; room tokens (`?token=`) open sockets only.
 * A stale or forged cookie is cleared so the browser stops sending it.
 */
export function requireUser(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const principal = await ctx.auth.authenticate(req);
    if (!principal || principal.tokenRoomId !== null) {
      if (sessionTokenFrom(req)) clearSessionCookie(req, res);
      throw unauthenticated();
    }
    res.locals.principal = principal;
    next();
  };
}

/** The signed-in caller (requireUser ran before). */
export function caller(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('caller() used on a route without requireUser');
  return principal;
}

export function setSessionCookie(req: Request, res: Response, token: string, ttlMs: number): void {
  res.cookie(SESSION_COOKIE, token, { ...cookieOptions(req), maxAge: ttlMs });
}

/**
 * Kept across sign-outs (it is not a credential, only a throttling bucket) and sent only to
 * the sign-in endpoints; Strict, since only our own page signs in.
 */
export function setDeviceCookie(req: Request, res: Response, value: string): void {
  res.cookie(DEVICE_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/api/auth', secure: req.secure, maxAge: DEVICE_COOKIE_MAX_AGE_MS });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(req));
}

/** req.secure honours 'trust proxy' (X-Forwarded-Proto), so cookies are Secure behind TLS. */
const cookieOptions = (req: Request) => ({ httpOnly: true, sameSite: 'lax' as const, path: '/', secure: req.secure });
