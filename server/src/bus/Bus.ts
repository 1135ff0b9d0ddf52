/**
 * Pub/sub between server nodes. Lossy by contract (Redis pub/sub drops messages while
 * disconnected); the room fan-out layer detects gaps and resyncs, so a Bus only has to
 * deliver what it can, in order per publisher and channel, and say when it reconnected.
 */
export interface Bus {
  /**
   * Resolves once the subscription is live, so messages published after it are received.
   * While the bus is disconnected it resolves at once instead of blocking the caller: the
   * subscription is made on reconnect and the onReconnect listeners then fire, so callers
   * resync what they missed.
   */
  subscribe(channel: string, onMessage: (payload: Uint8Array) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Never throws and never buffers without bound: while disconnected the payload is dropped (and counted). */
  publish(channel: string, payload: Uint8Array): void;
  /**
   * False when the bus knows that nobody else would receive a publish on this channel: the
   * in-process bus of a single node (exact), or RedisBus from the channel's subscriber count
   * (up to a poll old; the fan-out covers the window). True means "maybe". Optional.
   */
  hasPeers?(channel: string): boolean;
  /** Called after the connection came back: anything published meanwhile may be lost. Returns an unsubscribe. */
  onReconnect(listener: () => void): () => void;
  /** True while connected (for /readyz). */
  isReady(): boolean;
  /** Counters since start, for metrics. */
  stats?(): BusStats;
  /**
   * Redis only: a fresh publisher/subscriber client pair on the same server for
   * @socket.io/redis-adapter, so that only bus/Redis* builds Redis clients. Typed loosely
   * because the adapter takes any client; the caller closes them with close(). `sharded`:
   * a Redis Cluster, for the adapter's createShardedAdapter (SPUBLISH/SSUBSCRIBE).
   */
  adapterClients?(): { pub: unknown; sub: unknown; sharded?: boolean; close(): Promise<void> };
  close(): Promise<void>;
}

export interface BusStats {
  published: number;
  /** Published while disconnected (or failed in flight): dropped, healed by the fan-out's resync. */
  dropped: number;
  received: number;
  reconnects: number;
}

/** The single function that names a doc's channel. */
export const roomChannel = (docName: string): string => `menteo:room:${docName}`;

/** The one channel on which every node says it is alive (see node-liveness.ts). */
export const nodesChannel = (): string => 'menteo:nodes';
