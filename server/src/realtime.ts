import type http from 'node:http';
import { appendRoomUpdates } from '@menteo/db';
import { CloseCode } from '@menteo/protocol';
import type { AppContext } from './context.ts';
import { createFanout } from './bus/RoomFanout.ts';
import { createUpdateLog } from './persistence/UpdateLog.ts';
import { createRoomStore } from './persistence/room-store.ts';
import { createHistoryStore, startHistoryPruner, type HistoryStore } from './persistence/history-store.ts';
import { RoomRegistry } from './rooms/RoomRegistry.ts';
import { createYjsEndpoint } from './transport/yjs.ts';
import { createYjsMetrics } from './transport/yjs-metrics.ts';

/** The y-websocket endpoint, the room registry and the durable update log. */
export interface Realtime {
  attach(server: http.Server): void;
  /** Readiness of the realtime parts (e.g. the update log can reach Postgres). */
  readiness(): Record<string, boolean>;
  /** Flush what is pending, close every connection (1013), unload rooms. */
  close(): Promise<void>;
  /** The rooms this node holds (tests, history snapshots). */
  registry: RoomRegistry;
  /** Rooms' kept history, read from Postgres. */
  history: HistoryStore;
  /** A doc's rows committed on this node (areas that derive figures from docs listen). */
  onDocCommitted(listener: (docName: string) => void): () => void;
}

/** How long shutdown waits for Postgres to take the last updates before giving up (and logging it). */
const SHUTDOWN_FLUSH_MS = 10_000;

export interface RealtimeOptions {
  /** The programs area's answer to "does this user coordinate this room's program" (4403 instead of 4404). */
  coordinates?: (userId: string, roomId: string) => Promise<boolean>;
}

export function createRealtime(ctx: AppContext, options: RealtimeOptions = {}): Realtime {
  const { config, logger } = ctx;
  const observer = createYjsMetrics(ctx.metrics);
  const log = createUpdateLog({
    write: (rows) => appendRoomUpdates(ctx.db.db, rows),
    commitWindowMs: config.log.commitWindowMs,
    maxPending: config.limits.maxPendingUpdates,
    observer,
    logger,
  });
  const fanout = createFanout({ bus: ctx.bus, nodeId: config.nodeId, logger, metrics: ctx.metrics });
  const registry = new RoomRegistry({
    fanout,
    store: createRoomStore(ctx.db.db, { historyMergeWindowMs: config.history.mergeWindowMs }),
    log,
    limits: { maxDocBytes: config.limits.maxDocBytes, maxUpdatesPerSecond: config.limits.maxUpdatesPerSecond },
    compactAfterUpdates: config.log.compactAfterUpdates,
    roomIdleMs: config.log.roomIdleMs,
    observer,
    logger,
  });
  const endpoint = createYjsEndpoint({ ctx, registry, logIsFull: () => log.isFull(), observer, coordinates: options.coordinates });
  const offRevoke = ctx.revocations.onRevoke((r) => {
    const n = registry.closeWhere((c) => c.roomId === r.roomId && (r.userId === null || c.userId === r.userId), CloseCode.Forbidden);
    if (n > 0) logger.info({ ...r, closed: n }, 'closed revoked y-websocket connections');
  });

  const history = createHistoryStore(ctx.db.db, logger);
  const stopPruner = config.history.retentionDays === null ? () => {} : startHistoryPruner(history, config.history.retentionDays, logger);

  let closing: Promise<void> | null = null;
  return {
    registry,
    history,
    attach: (server) => endpoint.attach(server),
    onDocCommitted: (listener) => log.onCommitted((docName) => listener(docName)),
    readiness: () => ({ updateLog: log.isHealthy() }),
    close: () =>
      (closing ??= (async () => {
        endpoint.stop();
        offRevoke();
        stopPruner();
        await endpoint.settle();
        // Flush while clients are still connected (their acks go out), then close them (1013:
        // they reconnect to another node), then flush what arrived in between.
        await Promise.race([log.flush(), new Promise((r) => setTimeout(r, SHUTDOWN_FLUSH_MS).unref())]);
        await registry.close(CloseCode.TryAgainLater);
        await log.close(SHUTDOWN_FLUSH_MS);
        await fanout.close();
      })()),
  };
}
