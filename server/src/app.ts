import http from 'node:http';
import { getOrCreateSecret } from '@menteo/db';
import type { AppContext, AppDeps } from './context.ts';
import { createMetricsRegistry } from './metrics.ts';
import { createAuth } from './auth/Auth.ts';
import { createRevocations } from './auth/revocations.ts';
import { createAreaEvents } from './bus/area-events.ts';
import { createHttpApp } from './transport/http/index.ts';
import { attachSocketIo } from './transport/socketio/index.ts';
import { createRealtime, type Realtime } from './realtime.ts';
import { createServices, type Services } from './services.ts';

export interface App {
  http: http.Server;
  ctx: AppContext;
  realtime: Realtime;
  services: Services;
  /** From now on /readyz answers 503 with `draining: true`; everything else keeps working. */
  drain(): void;
  /** Graceful: stop accepting, flush the update log, close sockets, then the HTTP server. */
  close(): Promise<void>;
}

/** Builds one node. It does not listen (main.ts and tests do) and owns none of deps' lifetimes. */
export async function createApp(deps: AppDeps): Promise<App> {
  const metrics = createMetricsRegistry(deps.config.nodeId);
  const tokenSecret = await getOrCreateSecret(deps.db.db, 'socket-token-hmac');
  const auth = createAuth({ db: deps.db.db, tokenSecret, roomTokenTtlMs: deps.config.socketTokenTtlMs });
  const revocations = await createRevocations({ bus: deps.bus, nodeId: deps.config.nodeId, metrics, logger: deps.logger });
  const events = await createAreaEvents({ bus: deps.bus, nodeId: deps.config.nodeId, metrics, logger: deps.logger });
  const ctx: AppContext = { ...deps, metrics, auth, revocations, events };

  // A coordinator is refused the doc socket; asked per connection, after both exist.
  const realtime = createRealtime(ctx, { coordinates: (userId, roomId) => services.programs.coordinatesRoom(userId, roomId) });
  const services = createServices(ctx, { registry: realtime.registry });
  let draining = false;
  const server = http.createServer(
    createHttpApp({ ctx, services, readiness: () => ({ ...realtime.readiness(), chat: services.chat.isHealthy() }), draining: () => draining }),
  );
  realtime.attach(server);
  // Program figures are derived from the docs this node holds (the services read them through
  // the registry), after their edits commit.
  const offCommitted = realtime.onDocCommitted((docName) => services.programs.docChanged(docName));
  const io = attachSocketIo(server, ctx, services);

  let closing: Promise<void> | null = null;
  return {
    http: server,
    ctx,
    realtime,
    services,
    drain: () => {
      draining = true;
    },
    close: () =>
      (closing ??= (async () => {
        await io.close();
        services.meetings.close();
        await services.chat.close();
        offCommitted();
        await realtime.close();
        await services.programs.close();
        await revocations.close();
        await events.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}
