import os from 'node:os';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { createDb } from '@menteo/db';
import { ConfigError, parseConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createApp } from './app.ts';
import { createBus } from './bus/create-bus.ts';

/** The only reader of process.env: parse config, wire, listen, shut down on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env, {
      clientDir: fileURLToPath(new URL('../../client/dist', import.meta.url)),
      nodeId: `${os.hostname()}:${process.pid}`,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  // Read by V8 each time it sets the next full-GC threshold, so setting it here, before any
  // room is loaded, governs the whole run (NODE_OPTIONS does not accept this flag).
  if (config.heapGrowingPercent > 0) v8.setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const logger = createLogger(config.logLevel, { node: config.nodeId }, { format: pretty ? 'pretty' : 'json' });
  const db = await createDb(
    config.database.kind === 'postgres'
      ? { kind: 'postgres', url: config.database.url, poolSize: config.database.poolSize }
      : { kind: 'pglite', dataDir: config.database.dataDir },
  );
  const bus = await createBus(config, logger);
  const app = await createApp({ config, db, bus, logger });

  await new Promise<void>((resolve, reject) => {
    app.http.once('error', reject);
    app.http.listen(config.port, config.host, () => resolve());
  });
  const address = app.http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { port, host: config.host, database: db.kind, bus: config.redisClusterNodes ? 'redis-cluster' : config.redisUrl ? 'redis' : 'memory', heapGrowingPercent: config.heapGrowingPercent },
    `Menteo Rooms listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s past the drain; exiting');
      process.exit(1);
    }, config.shutdownDrainMs + 10_000);
    force.unref();
    try {
      // Not ready first, so the balancer stops sending new sockets here and moves the
      // open ones (deploy/haproxy.cfg) while this node still serves and flushes.
      app.drain();
      if (config.shutdownDrainMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
      await app.close();
      await bus.close();
      await db.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('fatal: failed to start', err);
  process.exit(1);
});
