/**
 * Cross-node fan-out of one doc (DESIGN "Fan-out across nodes"). The registry joins a doc
 * when it loads it and leaves when it unloads; the fan-out owns the wire format on the bus,
 * per-node counters, gap detection and resync. It never touches Postgres or sockets.
 */

/** What the fan-out needs from a loaded doc; implemented by the room registry. */
export interface DocPeer {
  /** Apply an update from another node (transaction origin "bus": not re-published, not persisted as ours). */
  applyRemoteUpdate(update: Uint8Array): void;
  /** Apply an awareness update from another node and forward it to local connections. */
  applyRemoteAwareness(update: Uint8Array): void;
  /** Remove these clients' awareness states (their node died) and tell local connections. */
  removeRemoteAwareness(clientIds: number[]): void;
  /** Y.encodeStateVector(doc) */
  stateVector(): Uint8Array;
  /** Y.encodeStateAsUpdate(doc, stateVector): what a peer with that state vector lacks. */
  diffSince(stateVector: Uint8Array): Uint8Array;
  /** Encoded awareness of this node's local connections, or null when there are none. */
  localAwareness(): Uint8Array | null;
}

export interface DocLink {
  /** An update made by one of this node's connections. */
  publishUpdate(update: Uint8Array): void;
  publishAwareness(update: Uint8Array): void;
  /** Ask the other holders for what this node lacks (sync step 1 over the bus). */
  requestSync(): void;
  leave(): Promise<void>;
}

export interface Fanout {
  /** Subscribes the doc's channel; resolves once live, before the registry reads Postgres. */
  join(docName: string, peer: DocPeer): Promise<DocLink>;
  close(): Promise<void>;
}
