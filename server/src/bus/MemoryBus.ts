import type { Bus, BusStats } from './Bus.ts';

/**
 * The embedded default: an in-process bus. Several apps in one process can share one
 * MemoryBus hub to behave as several nodes (tests do this).
 */
export class MemoryBusHub {
  readonly channels = new Map<string, Set<(payload: Uint8Array) => void>>();
}

export class MemoryBus implements Bus {
  private readonly subs = new Map<string, (payload: Uint8Array) => void>();
  private readonly counters: BusStats = { published: 0, dropped: 0, received: 0, reconnects: 0 };

  constructor(private readonly hub: MemoryBusHub = new MemoryBusHub()) {}

  async subscribe(channel: string, onMessage: (payload: Uint8Array) => void): Promise<void> {
    await this.unsubscribe(channel);
    const handler = (payload: Uint8Array) => {
      this.counters.received++;
      onMessage(payload);
    };
    this.subs.set(channel, handler);
    let set = this.hub.channels.get(channel);
    if (!set) this.hub.channels.set(channel, (set = new Set()));
    set.add(handler);
  }

  async unsubscribe(channel: string): Promise<void> {
    const handler = this.subs.get(channel);
    if (!handler) return;
    this.subs.delete(channel);
    const set = this.hub.channels.get(channel);
    set?.delete(handler);
    if (set?.size === 0) this.hub.channels.delete(channel);
  }

  stats(): BusStats {
    return { ...this.counters };
  }

  hasPeers(channel: string): boolean {
    const set = this.hub.channels.get(channel);
    return !!set && set.size > (this.subs.has(channel) ? 1 : 0);
  }

  publish(channel: string, payload: Uint8Array): void {
    this.counters.published++;
    const set = this.hub.channels.get(channel);
    if (!set) return;
    // Delivered asynchronously like a real broker, so no code path can rely on re-entrancy.
    for (const handler of set) queueMicrotask(() => handler(payload));
  }

  onReconnect(): () => void {
    return () => {};
  }

  isReady(): boolean {
    return true;
  }

  async close(): Promise<void> {
    for (const channel of [...this.subs.keys()]) await this.unsubscribe(channel);
  }
}
