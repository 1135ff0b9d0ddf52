import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/Bus.ts';
import { roomChannel } from '../../src/bus/Bus.ts';

/** Builds buses that behave as separate nodes on one broker (one MemoryBusHub, or one Redis). */
export interface BusFactory {
  node(): Promise<Bus>;
}

/** Collects what a subscription receives; `next(n)` waits until n payloads arrived. */
function collector() {
  const got: Uint8Array[] = [];
  let waiters: Array<() => void> = [];
  return {
    got,
    on: (p: Uint8Array) => {
      got.push(p);
      for (const w of waiters) w();
    },
    async next(n: number, timeoutMs = 3000): Promise<Uint8Array[]> {
      const deadline = Date.now() + timeoutMs;
      while (got.length < n) {
        if (Date.now() > deadline) throw new Error(`received ${got.length} of ${n} payloads`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
        waiters = [];
      }
      return got;
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 100));

/** The Bus contract: every implementation runs this suite (STYLE rule 8). */
export function busContract(name: string, factory: () => BusFactory): void {
  describe(`${name} (Bus contract)`, () => {
    const open: Bus[] = [];
    const node = async () => {
      const bus = await factory().node();
      open.push(bus);
      return bus;
    };
    // Unique per run, so parallel runs on the shared Redis never see each other.
    const channel = () => roomChannel(`contract-${randomUUID()}`);
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('delivers a published payload byte for byte to a subscriber on another node', async () => {
      const [a, b] = [await node(), await node()];
      const ch = channel();
      const c = collector();
      await b.subscribe(ch, c.on);
      // Every byte value, including ones that are not valid UTF-8.
      const payload = new Uint8Array(512).map((_, i) => (i * 7) % 256);
      a.publish(ch, payload);
      const [got] = await c.next(1);
      expect(Buffer.from(got!).equals(Buffer.from(payload))).toBe(true);
    });

    it('also delivers a node its own publications (the fan-out drops echoes by origin)', async () => {
      const a = await node();
      const ch = channel();
      const c = collector();
      await a.subscribe(ch, c.on);
      a.publish(ch, new Uint8Array([1, 2, 3]));
      expect([...(await c.next(1))[0]!]).toEqual([1, 2, 3]);
    });

    it('keeps one publisher’s messages in order', async () => {
      const [a, b] = [await node(), await node()];
      const ch = channel();
      const c = collector();
      await b.subscribe(ch, c.on);
      for (let i = 0; i < 500; i++) a.publish(ch, new Uint8Array([i >> 8, i & 255]));
      const got = await c.next(500);
      expect(got.map((p) => (p[0]! << 8) | p[1]!)).toEqual([...Array(500).keys()]);
    });

    it('delivers only to subscribers of the channel published to', async () => {
      const [a, b] = [await node(), await node()];
      const [ch1, ch2] = [channel(), channel()];
      const c1 = collector();
      const c2 = collector();
      await b.subscribe(ch1, c1.on);
      await b.subscribe(ch2, c2.on);
      a.publish(ch1, new Uint8Array([1]));
      await c1.next(1);
      await settle();
      expect(c2.got).toHaveLength(0);
    });

    it('delivers to every subscribed node', async () => {
      const [a, b, c] = [await node(), await node(), await node()];
      const ch = channel();
      const cb = collector();
      const cc = collector();
      await b.subscribe(ch, cb.on);
      await c.subscribe(ch, cc.on);
      a.publish(ch, new Uint8Array([9]));
      await Promise.all([cb.next(1), cc.next(1)]);
    });

    it('stops delivering after unsubscribe', async () => {
      const [a, b] = [await node(), await node()];
      const ch = channel();
      const c = collector();
      await b.subscribe(ch, c.on);
      a.publish(ch, new Uint8Array([1]));
      await c.next(1);
      await b.unsubscribe(ch);
      a.publish(ch, new Uint8Array([2]));
      await settle();
      expect(c.got).toHaveLength(1);
    });

    it('replaces the handler when a channel is subscribed twice', async () => {
      const [a, b] = [await node(), await node()];
      const ch = channel();
      const first = collector();
      const second = collector();
      await b.subscribe(ch, first.on);
      await b.subscribe(ch, second.on);
      a.publish(ch, new Uint8Array([1]));
      await second.next(1);
      await settle();
      expect(first.got).toHaveLength(0);
    });

    it('publishes to a channel nobody subscribed without throwing, and reports itself ready', async () => {
      const a = await node();
      expect(() => a.publish(channel(), new Uint8Array([1]))).not.toThrow();
      expect(a.isReady()).toBe(true);
    });

    it('delivers nothing after close and publishing after close does not throw', async () => {
      const [a, b] = [await node(), await node()];
      const ch = channel();
      const c = collector();
      await b.subscribe(ch, c.on);
      await b.close();
      a.publish(ch, new Uint8Array([1]));
      expect(() => b.publish(ch, new Uint8Array([1]))).not.toThrow();
      await settle();
      expect(c.got).toHaveLength(0);
    });
  });
}
