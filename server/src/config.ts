import path from 'node:path';
import { z } from 'zod';
import type { LoginPolicy } from './auth/LoginThrottle.ts';

/**
 * Every setting, its default and its environment variable. main.ts is the only reader of
 * process.env: it calls parseConfig(process.env) once at start and fails fast on a bad value.
 * Tests build a Config with defaultConfig + overrides, never through the environment.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Unset → embedded PGlite under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  /** Unset → in-process bus (single node). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /**
   * Unset → no Redis Cluster. `host:port,host:port,…`: seed nodes of a Redis Cluster (7 or
   * later); rooms then use sharded pub/sub. Mutually exclusive with REDIS_URL.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/,[\]]+):\d{1,5}$/, 'each node must be host:port'))
        .min(1, 'name at least one node as host:port'),
    )
    .optional(),
  /** The URL people open, e.g. https://rooms.example.com. Used for invite links and the Origin check. */
  PUBLIC_URL: z.url().optional(),
  /** Extra allowed Origins, comma-separated (e.g. the Vite dev server). */
  ALLOWED_ORIGINS: z.string().default(''),
  /** Trust X-Forwarded-* from a reverse proxy (client IP for throttling, https for Secure cookies). */
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: pretty lines when stdout is a terminal, JSON lines otherwise. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
  SESSION_TTL_DAYS: int(1, 365).default(30),
  INVITE_TTL_HOURS: int(1, 24 * 30).default(72),
  SOCKET_TOKEN_TTL_SECONDS: int(30, 86_400).default(600),
  /** Directory of the built client; empty string → do not serve static files. */
  CLIENT_DIR: z.string().optional(),
  MAX_MESSAGE_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_DOC_BYTES: int(1024, 512 * 1024 * 1024).default(16 * 1024 * 1024),
  MAX_UPDATES_PER_SECOND: int(1, 100_000).default(100),
  /** Account signups per client IP per hour (each costs an argon2id hash; stops mass sign-ups). */
  SIGNUP_LIMIT_PER_HOUR: int(1, 1_000_000).default(30),
  /** Group-commit window of the update log, in milliseconds. */
  COMMIT_WINDOW_MS: int(0, 1000).default(5),
  /** Updates held in memory while Postgres is unreachable before new writers are refused. */
  MAX_PENDING_UPDATES: int(100, 10_000_000).default(100_000),
  /** Log rows after which a loaded room compacts into a checkpoint. */
  COMPACT_AFTER_UPDATES: int(10, 10_000_000).default(500),
  /** Idle time after the last member leaves before the room is flushed, compacted and unloaded. */
  ROOM_IDLE_MS: int(0, 3_600_000).default(2000),
  /** Consecutive log rows of one author within this many seconds are kept as one history row (0: each row). */
  HISTORY_MERGE_WINDOW_S: int(0, 86_400).default(60),
  /** Unset → history is kept for ever; else rows older than this are folded into a baseline. */
  HISTORY_RETENTION_DAYS: int(1, 36_500).optional(),
  /** Seconds both members must be present before a meeting starts by itself (0: never). */
  MEETING_AUTOSTART_S: int(0, 86_400).default(60),
  /** Minutes both members must have been away before an open meeting ends by itself (0: never). */
  MEETING_AUTOEND_MIN: int(0, 10_080).default(15),
  /**
   * On SIGTERM, how long /readyz answers 503 (draining) before the node closes its sockets,
   * so a balancer health-checking it stops routing to it and moves its sessions first.
   */
  SHUTDOWN_DRAIN_MS: int(0, 60_000).default(0),
  /** A name for this node in logs and bus messages; defaults to host:pid. */
  NODE_ID: z.string().min(1).max(64).optional(),
  /**
   * How far V8 lets the old generation grow past what the last full GC kept before it runs the
   * next one, in percent: 300 lets it reach 4× the live heap. Each full GC stops the node for
   * 10–20 ms under load, delaying every edit in flight; fewer of them cost memory, not CPU
   * (README, Performance). 0 leaves V8's own adaptive policy.
   */
  HEAP_GROWING_PERCENT: int(0, 1000).default(300),
  /** Longest chat message, in characters. */
  CHAT_MAX_CHARS: int(1, 50_000).default(2000),
  /** Chat messages a member may send in a row before the per-minute rate applies. */
  CHAT_BURST: int(1, 10_000).default(10),
  /** Chat messages per member and room per minute, sustained. */
  CHAT_PER_MINUTE: int(1, 60_000).default(30),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  database: { kind: 'postgres'; url: string; poolSize: number } | { kind: 'pglite'; dataDir: string };
  redisUrl: string | null;
  /** REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster (sharded pub/sub), or null. Never set together with redisUrl. */
  redisClusterNodes: Array<{ host: string; port: number }> | null;
  publicUrl: string | null;
  allowedOrigins: string[];
  trustProxy: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** 'auto' is resolved by main.ts (is stdout a terminal?). */
  logFormat: z.infer<typeof EnvSchema>['LOG_FORMAT'];
  sessionTtlMs: number;
  inviteTtlMs: number;
  socketTokenTtlMs: number;
  clientDir: string | null;
  limits: {
    maxMessageBytes: number;
    maxDocBytes: number;
    maxUpdatesPerSecond: number;
    maxPendingUpdates: number;
    signupsPerIpPerHour: number;
    /** Failed-login delays; not from the environment: unset → LOGIN_POLICY (a test sets its own). */
    login?: LoginPolicy;
  };
  log: { commitWindowMs: number; compactAfterUpdates: number; roomIdleMs: number };
  /** Kept history of compacted log rows (room_history). */
  history: { mergeWindowMs: number; retentionDays: number | null };
  /** Automatic start and end of meetings from presence; 0 turns either off. */
  meetings: { autostartMs: number; autoendMs: number };
  nodeId: string;
  /** SIGTERM → /readyz 503 for this long, then close (0: close at once). */
  shutdownDrainMs: number;
  /** V8's --heap-growing-percent, applied by main.ts at start; 0 = V8's default. */
  heapGrowingPercent: number;
  /** Chat limits, per member and room (a token bucket). */
  chat: { maxChars: number; burst: number; perMinute: number };
}

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>, defaults: { clientDir: string; nodeId: string }): Config {
  // Empty strings mean "unset" (a common result of `FOO= npm start` or compose files).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) {
    throw new ConfigError(
      'Invalid configuration:\n  REDIS_CLUSTER_NODES: set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    );
  }
  const clusterNodes = e.REDIS_CLUSTER_NODES?.map(parseHostPort) ?? null;
  const badPort = clusterNodes?.find((n) => n.port < 1 || n.port > 65535);
  if (badPort) throw new ConfigError(`Invalid configuration:\n  REDIS_CLUSTER_NODES: port ${badPort.port} is out of range`);
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dataDir: path.resolve(e.DATA_DIR, 'pglite') },
    redisUrl: e.REDIS_URL ?? null,
    redisClusterNodes: clusterNodes,
    publicUrl: e.PUBLIC_URL ? e.PUBLIC_URL.replace(/\/+$/, '') : null,
    allowedOrigins: e.ALLOWED_ORIGINS.split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    sessionTtlMs: e.SESSION_TTL_DAYS * 86_400_000,
    inviteTtlMs: e.INVITE_TTL_HOURS * 3_600_000,
    socketTokenTtlMs: e.SOCKET_TOKEN_TTL_SECONDS * 1000,
    clientDir: e.CLIENT_DIR === undefined ? defaults.clientDir : e.CLIENT_DIR || null,
    limits: {
      maxMessageBytes: e.MAX_MESSAGE_BYTES,
      maxDocBytes: e.MAX_DOC_BYTES,
      maxUpdatesPerSecond: e.MAX_UPDATES_PER_SECOND,
      maxPendingUpdates: e.MAX_PENDING_UPDATES,
      signupsPerIpPerHour: e.SIGNUP_LIMIT_PER_HOUR,
    },
    log: { commitWindowMs: e.COMMIT_WINDOW_MS, compactAfterUpdates: e.COMPACT_AFTER_UPDATES, roomIdleMs: e.ROOM_IDLE_MS },
    history: { mergeWindowMs: e.HISTORY_MERGE_WINDOW_S * 1000, retentionDays: e.HISTORY_RETENTION_DAYS ?? null },
    meetings: { autostartMs: e.MEETING_AUTOSTART_S * 1000, autoendMs: e.MEETING_AUTOEND_MIN * 60_000 },
    nodeId: e.NODE_ID ?? defaults.nodeId,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    heapGrowingPercent: e.HEAP_GROWING_PERCENT,
    chat: { maxChars: e.CHAT_MAX_CHARS, burst: e.CHAT_BURST, perMinute: e.CHAT_PER_MINUTE },
  };
}

/** `host:port` or `[ipv6]:port` (validated by the schema) → its parts. */
function parseHostPort(hostPort: string): { host: string; port: number } {
  const at = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(hostPort.slice(at + 1)) };
}

/** Defaults for tests and embedding: an in-memory PGlite, no client dir, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  // Every test signs up from 127.0.0.1; a test of the signup limit sets its own.
  const base = parseConfig({ PORT: '0', LOG_LEVEL: 'silent', SIGNUP_LIMIT_PER_HOUR: '1000000' }, { clientDir: '', nodeId: 'test' });
  return { ...base, clientDir: null, database: { kind: 'pglite', dataDir: '' }, ...overrides };
}
