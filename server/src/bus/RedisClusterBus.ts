import type { Logger } from '../logger.ts';
import type { Bus, BusStats } from './Bus.ts';
import { RedisClusterConnection, type ClusterNodeAddress, type ShardedListener } from './RedisClusterConnection.ts';

export interface RedisClusterBusOptions {
  /** Seed nodes of the Redis Cluster (REDIS_CLUSTER_NODES); any subset of its nodes will do. */
  nodes: ClusterNodeAddress[];
  logger: Logger;
  /** See RedisClusterConnectionOptions.nodeAddressMap (NAT; the tests use it to cut one node off). */
  nodeAddressMap?: (address: string) => ClusterNodeAddress | undefined;
  /** Upper bound of the backoff between two attempts to rebuild the connections. */
  maxReconnectDelayMs?: number;
  /** Publishes written but not yet answered; beyond it new ones are dropped, never queued without bound. */
  maxInFlight?: number;
  /** How often each shard is sent a probe. */
  probeIntervalMs?: number;
  /** No probe back from a shard for this long → the connections are rebuilt. */
  probeTimeoutMs?: number;
  /** How often the subscriber count of every subscribed channel is read (PUBSUB SHARDNUMSUB); 0: never. */
  peerPollMs?: number;
}

/**
 * The Bus on a Redis Cluster, with sharded pub/sub: every channel (a room's, `menteo:nodes`,
 * the control channels) is SSUBSCRIBEd and SPUBLISHed on the shard that owns its hash slot,
 * so a room's traffic touches one shard only, and capacity grows with the shards. Classic
 * PUBLISH on a cluster is broadcast over the cluster bus to every node, masters and replicas
 * alike, so it does not scale out.
 *
 * Channel names are the same as RedisBus's, hashed whole (no hash tags): rooms spread evenly
 * over the slots, and nodes of either bus kind agree on the names. The few global channels
 * (`menteo:nodes`, `menteo:events`, `menteo:control:revocations`) each sit on one shard; they
 * carry about one message per node per second, and a sharded publish reaches only the
 * subscribers of that shard instead of every cluster node.
 *
 * Failover (RedisClusterConnection): any broken node connection or silent shard takes the
 * bus down (isReady false, publishes dropped and counted); once the cluster has settled
 * (a replica promoted, every shard answering a probe) every channel is subscribed again
 * and the onReconnect listeners run, so the fan-out resyncs every room it holds.
 */
export class RedisClusterBus implements Bus {
  private readonly conn: RedisClusterConnection;
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  private readonly handlers = new Map<string, (payload: Uint8Array) => void>();
  private readonly listeners = new Map<string, ShardedListener>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly counters: BusStats = { published: 0, dropped: 0, received: 0, reconnects: 0 };
  private inFlight = 0;
  private closed = false;
  /** Channel → the order in which Redis confirmed our SSUBSCRIBE on the current connection. */
  private readonly confirmedAt = new Map<string, number>();
  private confirmations = 0;
  /** Channel → subscribers (ours included) at the last poll sent after our subscription was confirmed. */
  private readonly subscribers = new Map<string, number>();
  private peerPollTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: RedisClusterBusOptions) {
    this.logger = opts.logger;
    this.maxInFlight = opts.maxInFlight ?? 100_000;
    this.conn = this.makeConnection('bus');
    this.conn.onDown(() => {
      // Counts read before the failover say nothing about who subscribes after it.
      this.confirmedAt.clear();
      this.subscribers.clear();
    });
    this.conn.onReady(() => this.afterReady());
  }

  /** Starts connecting in the background; resolves when the cluster answers on every shard or after waitMs. */
  async start(waitMs = 0): Promise<boolean> {
    this.conn.start();
    const peerPollMs = this.opts.peerPollMs ?? 1000;
    if (peerPollMs > 0 && !this.peerPollTimer) {
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
    let listener = this.listeners.get(channel);
    if (!listener) {
      listener = (message) => {
        this.counters.received++;
        this.handlers.get(channel)?.(message);
      };
      this.listeners.set(channel, listener);
    }
    // While down this only records the channel and resolves at once; the rebuild subscribes it.
    if (await this.conn.subscribe(channel, listener)) {
      if (this.listeners.get(channel) === listener) this.confirmedAt.set(channel, ++this.confirmations);
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    this.listeners.delete(channel);
    this.confirmedAt.delete(channel);
    this.subscribers.delete(channel);
    await this.conn.unsubscribe(channel);
  }

  publish(channel: string, payload: Uint8Array): void {
    if (this.closed || !this.conn.isReady() || this.inFlight >= this.maxInFlight) {
      this.counters.dropped++;
      return;
    }
    this.inFlight++;
    this.counters.published++;
    const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    this.conn.publish(channel, buf).then(
      () => {
        this.inFlight--;
      },
      () => {
        // Lost with the connection (or to a slot that just moved); the fan-out's counters detect it.
        this.inFlight--;
        this.counters.dropped++;
      },
    );
  }

  /** As RedisBus.hasPeers, from the channel's shard subscriber count (PUBSUB SHARDNUMSUB). */
  hasPeers(channel: string): boolean {
    const n = this.subscribers.get(channel);
    return n === undefined || n > 1;
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  isReady(): boolean {
    return !this.closed && this.conn.isReady();
  }

  stats(): BusStats {
    return { ...this.counters, reconnects: this.conn.reconnects };
  }

  /**
   * For @socket.io/redis-adapter's createShardedAdapter: one facade, given as both its
   * publisher and its subscriber, over a connection of its own that fails over like the
   * bus's. It offers what the adapter calls on a node-redis client (sSubscribe, sUnsubscribe,
   * sPublish, and `masters` for its PUBSUB SHARDNUMSUB server count); subscriptions made
   * while down are made on the rebuild, and no call rejects where the adapter does not
   * handle it.
   */
  adapterClients(): { pub: unknown; sub: unknown; sharded: true; close(): Promise<void> } {
    const conn = this.makeConnection('socket.io', { quiet: true });
    conn.start();
    const logger = this.logger;
    const facade = {
      sSubscribe(channel: string, listener: ShardedListener): Promise<boolean> {
        return conn.subscribe(channel, listener);
      },
      sUnsubscribe(channel: string): Promise<void> {
        return conn.unsubscribe(channel);
      },
      sPublish(channel: string, message: Buffer | string): Promise<number> {
        const p = conn.publish(channel, message);
        p.catch((err: unknown) => logger.debug({ err }, 'socket.io adapter publish lost'));
        return p;
      },
      /** Read by the adapter's serverCount(): one pseudo-master that asks the channel's own shard. */
      get masters() {
        return [{ client: { sendCommand: (args: string[]) => conn.sendToChannelOwner(args[2] ?? '', args) } }];
      },
    };
    return { pub: facade, sub: facade, sharded: true, close: () => conn.close() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.peerPollTimer) clearInterval(this.peerPollTimer);
    this.handlers.clear();
    this.reconnectListeners.clear();
    await this.conn.close();
  }

  private makeConnection(role: string, { quiet = false } = {}): RedisClusterConnection {
    return new RedisClusterConnection({
      rootNodes: this.opts.nodes,
      nodeAddressMap: this.opts.nodeAddressMap,
      logger: this.logger,
      role,
      quiet,
      maxReconnectDelayMs: this.opts.maxReconnectDelayMs,
      probeIntervalMs: this.opts.probeIntervalMs,
      probeTimeoutMs: this.opts.probeTimeoutMs,
    });
  }

  /** One PUBSUB SHARDNUMSUB per shard and 500 channels; a count is kept only if our SSUBSCRIBE was confirmed before it was asked. */
  private pollPeers(): void {
    if (this.closed || !this.isReady()) return;
    const sentAfter = this.confirmations;
    const channels = [...this.confirmedAt.keys()];
    for (let i = 0; i < channels.length; i += 500) {
      const chunk = channels.slice(i, i + 500);
      this.conn.shardNumSub(chunk).then(
        (counts) => {
          for (const [channel, n] of counts) {
            const at = this.confirmedAt.get(channel);
            if (at === undefined || at > sentAfter) continue;
            this.subscribers.set(channel, n);
          }
        },
        (err: unknown) => this.logger.debug({ err }, 'subscriber count poll failed'),
      );
    }
  }

  /** Every shard answers again (or for the first time): every channel is subscribed; let listeners resync. */
  private afterReady(): void {
    if (this.closed) return;
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
