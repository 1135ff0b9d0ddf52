import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { AppContext } from '../../context.ts';
import type { Services } from '../../services.ts';
import { authRoutes } from './auth-routes.ts';
import { chatRoutes } from './chat-routes.ts';
import { apiNotFound, errorHandler, JSON_LIMIT } from './errors.ts';
import { inviteRoutes } from './invite-routes.ts';
import { checkOrigin, httpMetrics, requestLogging } from './middleware.ts';
import { roomRoutes } from './room-routes.ts';
import { programRoutes } from './program-routes.ts';
import { securityHeaders } from './security-headers.ts';
import { historyRoutes } from './history-routes.ts';
import { meetingRoutes } from './meeting-routes.ts';

export interface HttpDeps {
  ctx: AppContext;
  /** The areas' services; routes parse, call one, and shape the answer. */
  services: Services;
  /** Extra readiness checks from other parts (e.g. the update log's queue). */
  readiness: () => Record<string, boolean>;
  /** True once the node is shutting down: /readyz answers 503 with `draining: true`. */
  draining: () => boolean;
}

/** The express app: REST API, health, metrics and the built client. No listen here. */
export function createHttpApp({ ctx, services, readiness, draining }: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy: req.ip (login throttling) and req.secure (Secure cookies) from X-Forwarded-*.
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(securityHeaders({ publicUrl: ctx.config.publicUrl }));
  app.use(requestLogging(ctx));
  app.use(httpMetrics(ctx.metrics));
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, boolean> = { ...readiness(), bus: ctx.bus.isReady() };
    checks.database = await ctx.db.ping().then(
      () => true,
      () => false,
    );
    // `draining` is what a balancer keys on to take the node out (deploy/haproxy.cfg): a
    // failed check alone (Redis down for every node at once) must not empty the fleet.
    const isDraining = draining();
    const ok = !isDraining && Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ ok, draining: isDraining, checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', ctx.metrics.contentType);
    res.send(await ctx.metrics.metrics());
  });

  // The REST API: Origin check first (before any body is read), then the JSON body, then routes.
  app.use('/api', checkOrigin(ctx), (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', express.json({ limit: JSON_LIMIT }));
  app.use(authRoutes(ctx, services.accounts));
  app.use(roomRoutes(ctx, services.rooms, services.invites));
  app.use(inviteRoutes(ctx, services.invites));
  app.use(historyRoutes(ctx, services.rooms, services.history));
  app.use(meetingRoutes(ctx, services.rooms, services.meetings));
  app.use(chatRoutes(ctx, services.rooms, services.chat));
  app.use(programRoutes(ctx, services.programs, services.rooms));
  app.use('/api', apiNotFound);

  serveClient(app, ctx.config.clientDir);
  app.use(errorHandler);
  return app;
}

/** The built Svelte SPA: static assets, and index.html for every other GET outside /api. */
function serveClient(app: express.Express, dir: string | null): void {
  if (!dir) return;
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) return;
  app.use(express.static(dir, { index: false, maxAge: '1h', setHeaders: noCacheHtml }));
  app.get(/^\/(?!api\/|yjs\/|socket\.io\/).*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}

function noCacheHtml(res: express.Response, file: string): void {
  if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
