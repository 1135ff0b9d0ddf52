import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { AppContext } from '../../context.ts';

export interface HttpDeps {
  ctx: AppContext;
  /** Extra readiness checks from other parts (e.g. the update log's queue). */
  readiness: () => Record<string, boolean>;
}

/** The express app: REST API, health, metrics and the built client. No listen here. */
export function createHttpApp({ ctx, readiness }: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, boolean> = { ...readiness(), bus: ctx.bus.isReady() };
    checks.database = await ctx.db.ping().then(
      () => true,
      () => false,
    );
    const ok = Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ ok, checks });
  });
  serveClient(app, ctx.config.clientDir);
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
