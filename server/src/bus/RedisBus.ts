import { randomUUID } from 'node:crypto';
import { ClientClosedError, createClient } from 'redis';
import type { Logger } from '../logger.ts';
import type { Bus, BusStats } from './Bus.ts';

export interface RedisBusOptions {
  url: string;
  logger: Logger;
  /** Upper bound of the reconnect backoff. Kept short so nodes converge soon after Redis returns. */
  maxReconnectDelayMs?: number;
  /** Publishes written but not yet answered; beyond it new ones are dropped, never queued without bound. */
  maxInFlight?: number;
  /** How often the bus sends itself a probe through Redis. */
  probeIntervalMs?: number;
  /** No probe back for this long while "connected" → the connections are declared dead and rebuilt. */
  probeTimeoutMs?: number;
  /**
   * How often the subscriber count of every subscribed channel is read (one PUBSUB NUMSUB
   * for all of them), so that hasPeers() can tell the fan-out that nobody else holds a room
   * (a room-affine balancer makes that the usual case). 0: never; hasPeers() then says "maybe".
   */
  peerPollMs?: number;
}

type Client = ReturnType<typeof createClient>;
type Listener = (message: Buffer, channel: Buffer) => void;

/**
 * Redis pub/sub with one connection for PUBLISH and one for SUBSCRIBE (a subscribed
 * RESP2 connection cannot publish). Both reconnect forever with a capped backoff.
 * node-redis resubscribes its own channels before it reports "ready"; we re-issue ours as
 * well (a SUBSCRIBE in flight when the socket died is rejected and forgotten by the
 * client), then tell the onReconnect listeners so the fan-out resyncs what was missed.
 */
export class RedisBus implements Bus {
  private readonly pub: Client;
  private readonly sub: Client;
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  /** Our source of truth for subscriptions (survives the client forgetting one). */
  private readonly handlers = new Map<string, (payload: Uint8Array) => void>();
  /** One stable listener per channel, so re-subscribing is idempotent in node-redis. */
  private readonly listeners = new Map<string, Listener>();
  /** Channels unsubscribed while disconnected: node-redis may resubscribe them; we undo that on reconnect. */
  private readonly stale = new Map<string, Listener>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly counters: BusStats = { published: 0, dropped: 0, received: 0, reconnects: 0 };
  private inFlight = 0;
  /** True until both connections are ready; the transition to ready fires onReconnect. */
  private down = true;
  private closed = false;
  /**
   * A TCP connection can look open while nothing gets through (a hung Redis, a failover
   * that left a half-open socket): publishes vanish and nothing reports it for minutes. The
   * bus therefore sends itself a probe every second through Redis; when none comes back
   * in time it reports not-ready and rebuilds both connections, which ends in the usual
   * reconnect → resubscribe → resync.
   */
  private readonly probeChannel = `menteo:probe:${randomUUID()}`;
  private lastProbeAt = Date.now();
  /** When probe() last ran: a tick much later than the interval means this process stalled. */
  private lastTickAt = Date.now();
  private suspect = false;
  private probeTimer: NodeJS.Timeout | null = null;
  /** Channel → the order in which Redis confirmed our SUBSCRIBE on the current connection. */
  private readonly confirmedAt = new Map<string, number>();
  private confirmations = 0;
  /** Channel → subscribers (ours included) at the last poll sent after our subscription was confirmed. */
  private readonly subscribers = new Map<string, number>();
  private peerPollTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: RedisBusOptions) {
    this.logger = opts.logger;
    this.maxInFlight = opts.maxInFlight ?? 100_000;
    this.pub = this.makeClient('publisher');
    this.sub = this.makeClient('subscriber');
  }

  /** Starts connecting in the background; resolves when both connections are ready or after waitMs. */
  async start(waitMs = 0): Promise<boolean> {
    for (const client of [this.pub, this.sub]) {
      // connect() retries forever inside; its rejection only means we closed meanwhile.
      client.connect().catch((err: unknown) => this.logger.debug({ err }, 'redis connect stopped'));
    }
    void this.subscribe(this.probeChannel, () => {
      this.lastProbeAt = Date.now();
    });
    this.probeTimer = setInterval(() => this.probe(), this.opts.probeIntervalMs ?? 1000);
    this.probeTimer.unref();
    const peerPollMs = this.opts.peerPollMs ?? 1000;
    if (peerPollMs > 0) {
      this.peerPollTimer = setInterval(() => this.pollPeers(), peerPollMs);
      this.peerPollTimer.unref();
    }
    if (waitMs <= 0 || this.isReady()) return this.isReady();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(this.isReady());
      }, waitMs);
      const off = this.onReconnect(() => {
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  async subscribe(channel: string, onMessage: (payload: Uint8Array) => void): Promise<void> {
    this.handlers.set(channel, onMessage);
    this.stale.delete(channel);
    let listener = this.listeners.get(channel);
    if (!listener) {
      listener = (message) => {
        this.counters.received++;
        // Any delivery proves the subscriber hears Redis, as well as a probe would.
        this.lastProbeAt = Date.now();
        this.handlers.get(channel)?.(message);
      };
      this.listeners.set(channel, listener);
    }
    // Disconnected: do not block the caller (a room load) on Redis, and do not queue the
    // SUBSCRIBE in node-redis either (one queued across a failed connect can end up
    // registered but deaf); afterReady subscribes every channel, then the fan-out resyncs.
    if (!this.sub.isReady) return;
    try {
      await this.sub.subscribe(channel, listener, true);
      if (this.listeners.get(channel) === listener && this.sub.isReady) this.confirmedAt.set(channel, ++this.confirmations);
    } catch (err) {
      // The connection dropped mid-SUBSCRIBE: the reconnect path subscribes again and fires onReconnect.
      this.logger.debug({ err, channel }, 'subscribe interrupted; will resubscribe on reconnect');
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    this.forgetPeers(channel);
    const listener = this.listeners.get(channel);
    if (!listener) return;
    this.listeners.delete(channel);
    if (!this.sub.isReady) {
      // node-redis may resubscribe it on reconnect; afterReady undoes that.
      this.stale.set(channel, listener);
      return;
    }
    try {
      await this.sub.unsubscribe(channel, listener, true);
    } catch (err) {
      this.stale.set(channel, listener);
      this.logger.debug({ err, channel }, 'unsubscribe interrupted; retried on reconnect');
    }
  }

  publish(channel: string, payload: Uint8Array): void {
    if (this.closed || !this.pub.isReady || this.inFlight >= this.maxInFlight) {
      this.counters.dropped++;
      return;
    }
    this.inFlight++;
    this.counters.published++;
    // A view, not a copy; a Buffer (the fan-out builds updates as one) is passed as it is.
    const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    this.pub.publish(channel, buf).then(
      () => {
        this.inFlight--;
      },
      () => {
        // Lost with the connection; the fan-out's counters detect it and resync.
        this.inFlight--;
        this.counters.dropped++;
      },
    );
  }

  /**
   * False when the last subscriber count of the channel, read after our own subscription was
   * confirmed, was 1 (us): no other node would receive a publish. Up to one poll stale; the
   * fan-out covers that window (a newcomer asks for a sync first, and a doc that skipped
   * publishes repeats its counter once a peer shows up, RoomFanout.ts).
   */
  hasPeers(channel: string): boolean {
    const n = this.subscribers.get(channel);
    return n === undefined || n > 1;
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  isReady(): boolean {
    return !this.closed && !this.suspect && this.pub.isReady && this.sub.isReady;
  }

  stats(): BusStats {
    return { ...this.counters };
  }

  adapterClients(): { pub: unknown; sub: unknown; close(): Promise<void> } {
    const pub = this.makeClient('socket.io publisher', { quiet: true });
    const sub = this.makeClient('socket.io subscriber', { quiet: true });
    // The adapter never awaits publish(); a rejection while Redis is down would be an
    // unhandled rejection, fatal in Node 20. Marking each promise handled keeps the node up.
    guardPublish(pub, this.logger);
    // The adapter subscribes once, at construction, and never again: a SUBSCRIBE lost to an
    // outage would leave this node deaf to every other node's socket.io traffic for good.
    subscribeWhenReady(sub, this.logger);
    for (const c of [pub, sub]) c.connect().catch((err: unknown) => this.logger.debug({ err }, 'redis connect stopped'));
    return { pub, sub, close: async () => void (await Promise.all([closeClient(pub), closeClient(sub)])) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.peerPollTimer) clearInterval(this.peerPollTimer);
    this.handlers.clear();
    this.reconnectListeners.clear();
    await Promise.all([closeClient(this.pub), closeClient(this.sub)]);
  }

  private makeClient(role: string, { quiet = false } = {}): Client {
    const maxDelay = this.opts.maxReconnectDelayMs ?? 500;
    const client = createClient({
      url: this.opts.url,
      // Commands while disconnected fail at once instead of piling up in memory.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        // Forever, capped, with jitter so a fleet does not reconnect in lockstep.
        reconnectStrategy: (retries) => Math.min(20 * 2 ** retries, maxDelay) + Math.floor(Math.random() * 50),
      },
    });
    let wasReady = false;
    let reportedDown = false;
    client.on('error', (err: unknown) => {
      // Emitted on every failed attempt; log the outage once, not every 500 ms.
      if (quiet || reportedDown || this.closed) return this.logger.debug({ err, role }, 'redis error');
      reportedDown = true;
      this.logger.warn({ err, role, url: redactUrl(this.opts.url) }, 'redis unreachable; retrying');
    });
    client.on('reconnecting', () => {
      if (quiet) return;
      this.down = true;
      // Counts read before the outage say nothing about who subscribes after it.
      this.confirmedAt.clear();
      this.subscribers.clear();
    });
    client.on('ready', () => {
      if (wasReady) this.counters.reconnects += quiet ? 0 : 1;
      if (reportedDown) this.logger.info({ role }, 'redis connection restored');
      wasReady = true;
      reportedDown = false;
      if (!quiet) void this.afterReady();
    });
    return client;
  }

  private probe(): void {
    if (this.closed) return;
    const now = Date.now();
    const intervalMs = this.opts.probeIntervalMs ?? 1000;
    const stalled = now - this.lastTickAt > intervalMs * 2;
    this.lastTickAt = now;
    // A late tick means this process was stalled (GC, a busy event loop), not Redis: the probe
    // answer may be sitting unread in our socket. Rebuilding then only adds load and a resync
    // of every room — under heavy load that spiralled (45 rebuilds in one benchmark run).
    if (stalled || this.down || this.suspect || !this.pub.isReady || !this.sub.isReady) {
      this.lastProbeAt = now; // the timeout counts from the moment the connections are up again
      return;
    }
    const timeoutMs = this.opts.probeTimeoutMs ?? 5000;
    if (now - this.lastProbeAt > timeoutMs) {
      this.logger.warn({ silentMs: now - this.lastProbeAt }, 'redis connections silent; rebuilding them');
      this.suspect = true;
      this.down = true;
      for (const client of [this.pub, this.sub]) {
        client.destroy();
        client.connect().catch((err: unknown) => this.logger.debug({ err }, 'redis connect stopped'));
      }
      return;
    }
    this.pub.publish(this.probeChannel, '1').catch((err: unknown) => this.logger.debug({ err }, 'probe publish failed'));
  }

  private forgetPeers(channel: string): void {
    this.confirmedAt.delete(channel);
    this.subscribers.delete(channel);
  }

  /** One PUBSUB NUMSUB per 500 channels; a count is kept only if our SUBSCRIBE was confirmed before it was asked. */
  private pollPeers(): void {
    if (this.closed || !this.isReady()) return;
    const sentAfter = this.confirmations;
    const channels = [...this.confirmedAt.keys()].filter((c) => c !== this.probeChannel);
    for (let i = 0; i < channels.length; i += 500) {
      const chunk = channels.slice(i, i + 500);
      this.pub.pubSubNumSub(chunk).then(
        (counts) => {
          for (const channel of chunk) {
            const at = this.confirmedAt.get(channel);
            if (at === undefined || at > sentAfter) continue;
            this.subscribers.set(channel, Number(counts[channel] ?? 0));
          }
        },
        (err: unknown) => this.logger.debug({ err }, 'subscriber count poll failed'),
      );
    }
  }

  /** Both connections ready after an outage (or the first start): resubscribe, then let listeners resync. */
  private async afterReady(): Promise<void> {
    this.suspect = false;
    if (!this.down || !this.isReady()) return;
    this.down = false;
    const pending: Promise<unknown>[] = [];
    for (const [channel, listener] of this.stale) pending.push(this.sub.unsubscribe(channel, listener, true));
    this.stale.clear();
    for (const [channel, listener] of this.listeners) pending.push(this.sub.subscribe(channel, listener, true));
    const results = await Promise.allSettled(pending);
    if (results.some((r) => r.status === 'rejected')) {
      // Dropped again mid-resubscribe: the next "ready" repeats all of this.
      this.down = true;
      return;
    }
    for (const channel of this.listeners.keys()) this.confirmedAt.set(channel, ++this.confirmations);
    for (const listener of [...this.reconnectListeners]) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err }, 'bus reconnect listener failed');
      }
    }
  }
}

type AnyMethod = (...args: unknown[]) => unknown;
const methodOf = (client: Client, name: string): AnyMethod => {
  const fn = (client as unknown as Record<string, AnyMethod>)[name];
  if (typeof fn !== 'function') throw new Error(`redis client has no ${name}()`);
  return fn.bind(client);
};
const replace = (client: Client, name: string, fn: AnyMethod) => Object.defineProperty(client, name, { value: fn });

function guardPublish(client: Client, logger: Logger): void {
  const publish = methodOf(client, 'publish');
  replace(client, 'publish', (...args) => {
    const p = publish(...args) as Promise<unknown>;
    p.catch((err: unknown) => logger.debug({ err }, 'socket.io adapter publish lost'));
    return p;
  });
}

/**
 * (P)SUBSCRIBEs are sent only while connected, and sent again after the next "ready" when
 * the connection drops before Redis confirmed them (node-redis then forgets them; once
 * confirmed, it re-issues them itself on every reconnect). Unsubscribing while
 * disconnected is skipped: that only happens at close, and the client goes with it.
 */
function subscribeWhenReady(client: Client, logger: Logger): void {
  const waiting: Array<() => void> = [];
  client.on('ready', () => {
    for (const run of waiting.splice(0)) run();
  });
  for (const name of ['subscribe', 'pSubscribe', 'sSubscribe']) {
    const original = methodOf(client, name);
    replace(client, name, (...args) =>
      new Promise<void>((resolve) => {
        const attempt = () => {
          if (!client.isReady) return void waiting.push(attempt);
          (original(...args) as Promise<void>).then(resolve, (err: unknown) => {
            logger.debug({ err, command: name }, 'socket.io adapter subscribe interrupted; retried on reconnect');
            waiting.push(attempt);
          });
        };
        attempt();
      }),
    );
  }
  for (const name of ['unsubscribe', 'pUnsubscribe', 'sUnsubscribe']) {
    const original = methodOf(client, name);
    replace(client, name, (...args) => {
      if (!client.isReady) return Promise.resolve();
      const p = original(...args) as Promise<unknown>;
      p.catch((err: unknown) => logger.debug({ err, command: name }, 'socket.io adapter unsubscribe lost'));
      return p;
    });
  }
}

/** How long close() lets in-flight commands finish before cutting the connection. */
const CLOSE_GRACE_MS = 500;

async function closeClient(client: Client): Promise<void> {
  if (!client.isOpen) return;
  try {
    if (!client.isReady) return client.destroy();
    // node-redis' close() resolves only when a reply drains its queue; on a connection that
    // died a moment ago (isReady not yet updated) none ever comes, so it is bounded here.
    const closed = client.close().then(() => true);
    if (await Promise.race([closed, new Promise<false>((r) => setTimeout(() => r(false), CLOSE_GRACE_MS).unref())])) return;
    client.destroy();
  } catch (err) {
    // Already closing or closed (close() above marks the socket closed, so destroy() then
    // throws after rejecting the pending commands); nothing else to release.
    if (!(err instanceof ClientClosedError)) throw err;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Config validated the URL already; never log a credential if it somehow is not one.
    return 'redis://(unparseable)';
  }
}
