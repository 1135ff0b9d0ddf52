/**
 * Pub/sub between server nodes. Lossy by contract (Redis pub/sub drops messages while
 * disconnected); the room fan-out layer detects gaps and resyncs, so a Bus only has to
 * deliver what it can, in order per publisher and channel, and say when it reconnected.
 */
export interface Bus {
  /** Resolves once the subscription is live, so messages published after it are received. */
  subscribe(channel: string, onMessage: (payload: Uint8Array) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  publish(channel: string, payload: Uint8Array): void;
  /** Called after the connection came back: anything published meanwhile may be lost. Returns an unsubscribe. */
  onReconnect(listener: () => void): () => void;
  /** True while connected (for /readyz). */
  isReady(): boolean;
  close(): Promise<void>;
}

/** The single function that names a doc's channel. */
export const roomChannel = (docName: string): string => `menteo:room:${docName}`;
