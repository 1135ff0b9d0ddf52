import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { Bus } from '../../src/bus/Bus.ts';
import type { DocLink, DocPeer, Fanout } from '../../src/bus/Fanout.ts';

/**
 * A stand-in for one node's loaded room: a real Y.Doc and Awareness wired to a DocLink the
 * way the room registry does it (origin 'bus' is applied, never re-published).
 */
export class FakeNodeDoc implements DocPeer {
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  link: DocLink | null = null;
  remoteApplied = 0;

  constructor() {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'bus') this.link?.publishUpdate(update);
    });
    this.awareness.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
      if (origin === 'bus') return;
      this.link?.publishAwareness(encodeAwarenessUpdate(this.awareness, [...added!, ...updated!, ...removed!]));
    });
  }

  static async join(fanout: Fanout, name: string): Promise<FakeNodeDoc> {
    const node = new FakeNodeDoc();
    node.link = await fanout.join(name, node);
    node.link.requestSync();
    return node;
  }

  applyRemoteUpdate(update: Uint8Array): void {
    this.remoteApplied++;
    Y.applyUpdate(this.doc, update, 'bus');
  }
  applyRemoteAwareness(update: Uint8Array): void {
    applyAwarenessUpdate(this.awareness, update, 'bus');
  }
  removeRemoteAwareness(clientIds: number[]): void {
    removeAwarenessStates(this.awareness, clientIds, 'bus');
  }
  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }
  diffSince(stateVector: Uint8Array): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }
  localAwareness(): Uint8Array | null {
    return this.awareness.getLocalState() === null ? null : encodeAwarenessUpdate(this.awareness, [this.doc.clientID]);
  }

  get text(): string {
    return this.doc.getText('t').toString();
  }
  type(s: string, at = this.text.length): void {
    this.doc.getText('t').insert(at, s);
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }
}

/** Wraps a bus to simulate an outage: while down nothing is published or delivered; up() fires onReconnect. */
export class OutageBus implements Bus {
  down = false;
  private readonly listeners = new Set<() => void>();
  constructor(private readonly inner: Bus) {}
  subscribe(channel: string, onMessage: (payload: Uint8Array) => void): Promise<void> {
    return this.inner.subscribe(channel, (p) => {
      if (!this.down) onMessage(p);
    });
  }
  unsubscribe(channel: string): Promise<void> {
    return this.inner.unsubscribe(channel);
  }
  publish(channel: string, payload: Uint8Array): void {
    if (!this.down) this.inner.publish(channel, payload);
  }
  onReconnect(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  isReady(): boolean {
    return !this.down;
  }
  up(): void {
    this.down = false;
    for (const l of this.listeners) l();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export async function eventually(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Wraps a bus and drops the publishes `drop` picks (a lossy network, on purpose). */
export class DroppingBus implements Bus {
  dropped = 0;
  constructor(
    private readonly inner: Bus,
    private readonly drop: (channel: string, n: number) => boolean,
  ) {}
  private n = 0;
  subscribe(channel: string, onMessage: (payload: Uint8Array) => void): Promise<void> {
    return this.inner.subscribe(channel, onMessage);
  }
  unsubscribe(channel: string): Promise<void> {
    return this.inner.unsubscribe(channel);
  }
  publish(channel: string, payload: Uint8Array): void {
    if (this.drop(channel, this.n++)) {
      this.dropped++;
      return;
    }
    this.inner.publish(channel, payload);
  }
  onReconnect(listener: () => void): () => void {
    return this.inner.onReconnect(listener);
  }
  isReady(): boolean {
    return this.inner.isReady();
  }
  adapterClients() {
    return this.inner.adapterClients!();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
