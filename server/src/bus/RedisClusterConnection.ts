import { randomUUID } from 'node:crypto';
import { createCluster } from 'redis';
import type { Logger } from '../logger.ts';

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface RedisClusterConnectionOptions {
  /** Seed nodes (any of them, masters or replicas): the slot map is read from the first that answers. */
  rootNodes: ClusterNodeAddress[];
  logger: Logger;
  /**
   * Where to reach a node that the cluster names by `host:port` (node-redis' nodeAddressMap):
   * for nodes behind NAT or a port map. The seed nodes are used as given.
   */
  nodeAddressMap?: (address: string) => ClusterNodeAddress | undefined;
  /** Names the connection in logs. */
  role: string;
  /** Log outages at debug instead of warn (the socket.io adapter's connection; the bus's own logs them). */
  quiet?: boolean;
  /** Upper bound of the backoff between two attempts to rebuild the connections. */
  maxReconnectDelayMs?: number;
  /** How often each shard is sent a probe (one per master, through that master). */
  probeIntervalMs?: number;
  /** No probe back from a shard for this long while "connected" → every connection is rebuilt. */
  probeTimeoutMs?: number;
}

/** What node-redis hands a sharded subscriber: the message and its channel, both as Buffers. */
export type ShardedListener = (message: Buffer, channel: Buffer) => void;

type Cluster = ReturnType<typeof createCluster>;
type ShardNode = Cluster['masters'][number];

/**
 * One node-redis cluster client, used for sharded pub/sub only (SPUBLISH/SSUBSCRIBE, routed
 * by each channel's hash slot to the master that owns it), that survives a failover.
 *
 * node-redis follows MOVED replies by re-reading the slot map, but a master that dies
 * sends none: its clients would keep reconnecting to the dead address while its replica
 * serves the slots. So every connection here is disposable. Node clients never reconnect
 * by themselves (reconnectStrategy false); the first error on any of them, or a shard whose
 * probe stops coming back, marks the whole connection down; it is then torn down and built
 * again from the seed nodes, with a capped backoff, until the slot map names masters that
 * answer. "Up" means: the slot map was read, every master connected, every recorded channel
 * SSUBSCRIBEd again, and a probe went through every shard. Only then do the onReady
 * listeners run (the bus resyncs every room it holds, as after a Redis restart).
 *
 * Subscriptions are recorded here (one listener per channel) and re-issued on every
 * rebuild, so a caller subscribes once and may do so while down.
 */
export class RedisClusterConnection {
  private readonly logger: Logger;
  private cluster: Cluster | null = null;
  /** Bumped on every rebuild; events and replies of an older cluster client are ignored. */
  private generation = 0;
  private ready = false;
  private closed = false;
  private building = false;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly channels = new Map<string, ShardedListener>();
  /** One dispatcher per channel, so a second subscribe only swaps the target. */
  private readonly dispatchers = new Map<string, ShardedListener>();
  private readonly readyListeners = new Set<() => void>();
  private readonly downListeners = new Set<() => void>();
  /** Per master (by address): its probe channel and when a probe last came back. */
  private probes = new Map<string, { channel: string; lastAt: number }>();
  private readonly probeId = randomUUID();
  private probeTimer: NodeJS.Timeout | null = null;
  private lastTickAt = Date.now();
  private reportedDown = false;
  private everReady = false;
  /** Rebuilds that ended up again (the first connection not counted). */
  reconnects = 0;

  constructor(private readonly opts: RedisClusterConnectionOptions) {
    this.logger = opts.logger;
  }

  start(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => this.probe(), this.opts.probeIntervalMs ?? 1000);
    this.probeTimer.unref();
    void this.build();
  }

  isReady(): boolean {
    return this.ready && !this.closed;
  }

  /** Runs after every (re)build that ends with all shards answering, the first one included. */
  onReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Runs when the connection is found broken (before the rebuild). */
  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /**
   * Records the subscription; while up, SSUBSCRIBEs at once and resolves when Redis confirmed
   * it (true). While down, or if the connection drops meanwhile, resolves false: the rebuild
   * subscribes it. Never rejects (the socket.io adapter does not handle a rejection).
   */
  async subscribe(channel: string, listener: ShardedListener): Promise<boolean> {
    this.channels.set(channel, listener);
    if (this.dispatchers.has(channel)) return this.isReady();
    const dispatch: ShardedListener = (message, ch) => this.channels.get(channel)?.(message, ch);
    this.dispatchers.set(channel, dispatch);
    const cluster = this.cluster;
    if (!cluster || !this.ready) return false;
    const generation = this.generation;
    try {
      await cluster.sSubscribe(channel, dispatch, true);
      return this.ready && this.generation === generation && this.dispatchers.get(channel) === dispatch;
    } catch (err) {
      this.logger.debug({ err, channel, role: this.opts.role }, 'ssubscribe interrupted; resubscribed by the rebuild');
      return false;
    }
  }

  /** Never rejects; while down there is nothing to undo (the rebuilt connection only subscribes what is recorded). */
  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel);
    const dispatch = this.dispatchers.get(channel);
    if (!dispatch) return;
    this.dispatchers.delete(channel);
    const cluster = this.cluster;
    if (!cluster || !this.ready) return;
    try {
      await cluster.sUnsubscribe(channel, dispatch, true);
    } catch (err) {
      // The connection broke meanwhile: the rebuilt one does not subscribe it again.
      this.logger.debug({ err, channel, role: this.opts.role }, 'sunsubscribe interrupted');
    }
  }

  /** SPUBLISH to the channel's shard; rejects while down (callers count it as dropped). */
  publish(channel: string, message: Buffer | string): Promise<number> {
    const cluster = this.cluster;
    if (!cluster || !this.ready) return Promise.reject(new Error('redis cluster connection is down'));
    return cluster.sPublish(channel, message);
  }

  /**
   * Subscriber counts of sharded channels (PUBSUB SHARDNUMSUB), each asked of the master that
   * owns the channel's slot, in one command per master.
   */
  async shardNumSub(channels: string[]): Promise<Map<string, number>> {
    const cluster = this.cluster;
    if (!cluster || !this.ready) throw new Error('redis cluster connection is down');
    const byMaster = new Map<ShardNode, string[]>();
    for (const channel of channels) {
      const master = cluster.slots[keySlot(channel)]?.master;
      if (!master) continue;
      let list = byMaster.get(master);
      if (!list) byMaster.set(master, (list = []));
      list.push(channel);
    }
    const counts = new Map<string, number>();
    await Promise.all(
      [...byMaster].map(async ([master, list]) => {
        const client = await cluster.nodeClient(master);
        const reply = await client.pubSubShardNumSub(list);
        for (const channel of list) counts.set(channel, Number(reply[channel] ?? 0));
      }),
    );
    return counts;
  }

  /** The masters as @socket.io/redis-adapter reads them for its server count (see RedisClusterBus.adapterClients). */
  sendToChannelOwner(channel: string, args: string[]): Promise<unknown> {
    const cluster = this.cluster;
    if (!cluster || !this.ready) return Promise.reject(new Error('redis cluster connection is down'));
    const master = cluster.slots[keySlot(channel)]?.master;
    if (!master) return Promise.reject(new Error('no master owns the channel’s slot'));
    return cluster.nodeClient(master).then((client) => client.sendCommand(args));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.readyListeners.clear();
    this.downListeners.clear();
    const cluster = this.cluster;
    this.cluster = null;
    this.generation++;
    if (cluster) teardown(cluster);
  }

  /** Something on the current connection broke: report down once, tear it down, build again. */
  private fail(reason: string, err?: unknown): void {
    if (this.closed || this.building) return;
    const wasReady = this.ready;
    this.ready = false;
    if (!this.reportedDown) {
      this.reportedDown = true;
      const log = { err, reason, role: this.opts.role };
      if (this.opts.quiet) this.logger.debug(log, 'redis cluster connection lost; rebuilding');
      else this.logger.warn(log, 'redis cluster connection lost; rebuilding');
    }
    const cluster = this.cluster;
    this.cluster = null;
    this.generation++;
    if (cluster) teardown(cluster);
    if (wasReady) {
      for (const l of [...this.downListeners]) l();
    }
    this.scheduleBuild();
  }

  private scheduleBuild(): void {
    if (this.closed || this.retryTimer) return;
    const maxDelay = this.opts.maxReconnectDelayMs ?? 500;
    const delay = Math.min(20 * 2 ** this.attempts++, maxDelay) + Math.floor(Math.random() * 50);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.build();
    }, delay);
    this.retryTimer.unref();
  }

  private async build(): Promise<void> {
    if (this.closed || this.building) return;
    this.building = true;
    const generation = ++this.generation;
    const cluster = createCluster({
      rootNodes: this.opts.rootNodes.map(({ host, port }) => ({ socket: { host, port } })),
      ...(this.opts.nodeAddressMap ? { nodeAddressMap: this.opts.nodeAddressMap } : {}),
      defaults: {
        // Commands while a node is not connected fail at once instead of piling up.
        disableOfflineQueue: true,
        // Never reconnect a node client by itself: a dead master's address would be retried
        // for ever while its replica serves the slots. The whole connection is rebuilt instead.
        socket: { connectTimeout: 2000, reconnectStrategy: false },
      },
    });
    const current = () => this.generation === generation && !this.closed;
    cluster.on('error', (err: unknown) => this.logger.debug({ err, role: this.opts.role }, 'redis cluster discovery error'));
    cluster.on('node-error', (err: unknown, node: unknown) => {
      if (!current()) return;
      if (this.building) return; // the build attempt fails by itself and is retried
      this.fail(`node error (${describeNode(node)})`, err);
    });
    // When node-redis re-reads the slot map (after a MOVED reply) it destroys the clients of
    // nodes that are no longer masters, a sharded connection with our SSUBSCRIBEs included,
    // and subscribes those channels nowhere else; that emits no error, only the client's "end".
    // So a client of the current connection that ends while up means the topology changed
    // under us, and everything is rebuilt. (Every master keeps a probe subscribed, so
    // node-redis never ends a sharded connection because its last channel was unsubscribed.)
    cluster.on('node-disconnect', (node: unknown) => {
      if (current() && !this.building) this.fail(`the cluster's topology changed (${describeNode(node)} dropped)`);
    });
    // node-redis' own attempt to follow a moved channel, when it fails loudly.
    cluster.on('sharded-shannel-moved-error', (err: unknown, channel: unknown) => {
      if (current() && !this.building) this.fail(`could not follow the moved channel ${String(channel)}`, err);
    });
    this.cluster = cluster;
    try {
      await cluster.connect();
      if (!current()) throw new Error('superseded');
      // One probe channel per master, hashed (by a hash tag) into a slot that master owns.
      const probes = new Map<string, { channel: string; lastAt: number }>();
      for (const master of cluster.masters) probes.set(master.address, { channel: this.probeChannelFor(cluster, master), lastAt: 0 });
      const subscribing: Promise<unknown>[] = [];
      for (const probe of probes.values()) {
        const onProbe = () => {
          if (this.generation === generation) probe.lastAt = Date.now();
        };
        subscribing.push(cluster.sSubscribe(probe.channel, onProbe, true));
      }
      const subscribed = new Map<string, ShardedListener>();
      for (const [channel, dispatch] of this.dispatchers) {
        subscribed.set(channel, dispatch);
        subscribing.push(cluster.sSubscribe(channel, dispatch, true));
      }
      await Promise.all(subscribing);
      if (!current()) throw new Error('superseded');
      // Settled only once a probe went through every shard (a master that was just promoted
      // may accept the SSUBSCRIBE before the cluster agrees on the new slot map everywhere).
      const sentAt = Date.now();
      const deadline = sentAt + 3000;
      while ([...probes.values()].some((p) => p.lastAt < sentAt)) {
        if (Date.now() > deadline || !current()) throw new Error('probes did not come back from every shard');
        await Promise.all([...probes.values()].filter((p) => p.lastAt < sentAt).map((p) => cluster.sPublish(p.channel, '1')));
        await new Promise((r) => setTimeout(r, 50));
      }
      // Channels subscribed or unsubscribed while this build ran: until `ready` is set below,
      // subscribe() and unsubscribe() only record, so the difference is settled here.
      for (;;) {
        const pending: Promise<unknown>[] = [];
        for (const [channel, dispatch] of this.dispatchers) {
          if (subscribed.get(channel) === dispatch) continue;
          subscribed.set(channel, dispatch);
          pending.push(cluster.sSubscribe(channel, dispatch, true));
        }
        for (const [channel, dispatch] of subscribed) {
          if (this.dispatchers.get(channel) === dispatch) continue;
          subscribed.delete(channel);
          pending.push(cluster.sUnsubscribe(channel, dispatch, true));
        }
        if (pending.length === 0) break;
        await Promise.all(pending);
        if (!current()) throw new Error('superseded');
      }
      // A master demoted by a planned failover (CLUSTER FAILOVER), or a slot moved away from
      // it, makes Redis drop our SSUBSCRIBEs there (a server-side SUNSUBSCRIBE). node-redis 5.12
      // removes the channel's listeners and emits "sharded-channel-moved" on the node client,
      // while its cluster client listens for "server-sunsubscribe" to subscribe them on the new
      // owner: the two names differ, so the channel silently goes deaf (the planned-failover
      // test caught it). We listen for the event the client does emit and rebuild at once.
      for (const master of cluster.masters) {
        master.pubSub?.client.on('sharded-channel-moved', (channel: unknown) => {
          if (current() && !this.building) this.fail(`Redis dropped the subscription of ${String(channel)} (its slot moved)`);
        });
      }
      this.probes = probes;
    } catch (err) {
      this.building = false;
      if (this.generation === generation) {
        this.cluster = null;
        this.generation++;
      }
      teardown(cluster);
      if (this.closed) return;
      if (!this.reportedDown && this.attempts >= 2) {
        this.reportedDown = true;
        const log = { err, role: this.opts.role, nodes: this.opts.rootNodes.map((n) => `${n.host}:${n.port}`) };
        if (this.opts.quiet) this.logger.debug(log, 'redis cluster unreachable; retrying');
        else this.logger.warn(log, 'redis cluster unreachable; retrying');
      }
      this.logger.debug({ err, role: this.opts.role }, 'redis cluster connect attempt failed');
      this.scheduleBuild();
      return;
    }
    this.building = false;
    if (this.reportedDown) this.logger.info({ role: this.opts.role, masters: cluster.masters.length }, 'redis cluster connection restored');
    if (this.everReady) this.reconnects++;
    this.everReady = true;
    this.reportedDown = false;
    this.attempts = 0;
    this.ready = true;
    this.lastTickAt = Date.now();
    for (const l of [...this.readyListeners]) {
      try {
        l();
      } catch (err) {
        this.logger.error({ err, role: this.opts.role }, 'redis cluster ready listener failed');
      }
    }
  }

  private probeChannelFor(cluster: Cluster, master: ShardNode): string {
    for (let tag = 0; tag < 100_000; tag++) {
      const channel = `menteo:probe:${this.probeId}:{${tag}}`;
      if (cluster.slots[keySlot(channel)]?.master === master) return channel;
    }
    throw new Error(`no probe channel found for ${master.address}`);
  }

  /** Every interval: a probe to each shard; a shard silent past the timeout breaks the connection. */
  private probe(): void {
    if (this.closed) return;
    const now = Date.now();
    const intervalMs = this.opts.probeIntervalMs ?? 1000;
    // A late tick means this process stalled (GC, a busy event loop), not Redis: the answers
    // may be unread in our sockets. Judge from the next tick on (RedisBus.probe does the same).
    const stalled = now - this.lastTickAt > intervalMs * 2;
    this.lastTickAt = now;
    const cluster = this.cluster;
    if (!cluster || !this.ready) return;
    const timeoutMs = this.opts.probeTimeoutMs ?? 5000;
    for (const probe of this.probes.values()) {
      if (stalled) probe.lastAt = Math.max(probe.lastAt, now - intervalMs);
      if (now - probe.lastAt > timeoutMs) return this.fail(`no probe back from a shard for ${now - probe.lastAt} ms`);
    }
    for (const probe of this.probes.values()) {
      cluster.sPublish(probe.channel, '1').catch((err: unknown) => this.logger.debug({ err, role: this.opts.role }, 'probe publish failed'));
    }
  }
}

const describeNode = (node: unknown): string => {
  const n = node as { host?: unknown; port?: unknown } | undefined;
  return n?.host !== undefined ? `${String(n.host)}:${String(n.port)}` : 'unknown node';
};

/** Destroys every client of a cluster client, whatever state each is in (some may be closed already). */
function teardown(cluster: Cluster): void {
  for (const node of cluster.nodeByAddress.values()) {
    for (const client of [node.client, 'pubSub' in node ? node.pubSub?.client : undefined]) {
      if (!client?.isOpen) continue;
      try {
        client.destroy();
      } catch {
        // Closed meanwhile; nothing left to release.
      }
    }
  }
  try {
    cluster.destroy();
  } catch {
    // A node client that was closed already makes destroy() throw half-way; the loop above released them all.
  }
}

/** Redis Cluster's hash slot of a key or channel: CRC16 (XMODEM) of the name, or of its {hash tag}, mod 16384. */
export function keySlot(name: string): number {
  const bytes = Buffer.from(name);
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b); // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
