import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CloseCode } from '@menteo/protocol';
import type { RegistryObserver } from '../rooms/RoomRegistry.ts';
import type { UpdateLogObserver } from '../persistence/UpdateLog.ts';

/** The realtime metrics on the app's own registry (GET /metrics). */
export function createYjsMetrics(registry: Registry): RegistryObserver & UpdateLogObserver {
  const registers = [registry];
  const rooms = new Gauge({ name: 'menteo_rooms_loaded', help: 'Docs held in memory', registers });
  const connections = new Gauge({ name: 'menteo_yjs_connections', help: 'Open y-websocket connections', registers });
  // Per-edit figures are plain numbers handed over at scrape time: they change on every
  // update, and prom-client's inc()/set() cost more than the rest of the bookkeeping.
  const live = { updates: 0, bytes: 0, queueDepth: 0 };
  const scrapedCounter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  scrapedCounter('menteo_yjs_updates_total', 'Updates received from local connections', () => live.updates);
  scrapedCounter('menteo_yjs_update_bytes_total', 'Bytes of updates received from local connections', () => live.bytes);
  const batchSize = new Histogram({
    name: 'menteo_update_log_batch_rows',
    help: 'Rows per group-commit INSERT',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers,
  });
  const commitSeconds = new Histogram({
    name: 'menteo_update_log_commit_seconds',
    help: 'Duration of one group-commit INSERT',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  new Gauge({
    name: 'menteo_update_log_queue_depth',
    help: 'Updates waiting to be committed',
    registers,
    collect() {
      this.set(live.queueDepth);
    },
  });
  const compactions = new Counter({ name: 'menteo_compactions_total', help: 'Log tails folded into checkpoints', registers });
  const breaches = new Counter({
    name: 'menteo_limit_breaches_total',
    help: 'Connections closed for breaking a limit, by close code',
    labelNames: ['code'],
    registers,
  });
  return {
    roomsLoaded: (n) => rooms.set(n),
    connections: (n) => connections.set(n),
    update(n) {
      live.updates++;
      live.bytes += n;
    },
    breach: (code: CloseCode) => breaches.inc({ code: String(code) }),
    compaction: () => compactions.inc(),
    batch(rows, seconds) {
      batchSize.observe(rows);
      commitSeconds.observe(seconds);
    },
    queueDepth: (n) => {
      live.queueDepth = n;
    },
  };
}
