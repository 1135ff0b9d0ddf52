import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/Bus.ts';
import { roomChannel } from '../../src/bus/Bus.ts';
import { createFanout, type FanoutDeps, type RoomFanout } from '../../src/bus/RoomFanout.ts';
import { FakeNodeDoc, OutageBus, eventually } from './fake-peer.ts';

/** The fan-out behaviours, run over each Bus implementation: `node()` returns a bus that is one node. */
export function fanoutSuite(name: string, node: () => Promise<Bus>): void {
  describe(`RoomFanout over ${name}`, () => {
    const cleanup: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });
    const fanout = async (opts: Partial<FanoutDeps> & { wrap?: (b: Bus) => Bus } = {}): Promise<RoomFanout> => {
      const raw = await node();
      const bus = opts.wrap ? opts.wrap(raw) : raw;
      const f = createFanout({ nodeId: `node-${randomUUID().slice(0, 8)}`, heartbeatMs: 50, ...opts, bus });
      cleanup.push(() => raw.close(), () => f.close());
      return f;
    };
    const join = async (f: RoomFanout, doc: string) => {
      const n = await FakeNodeDoc.join(f, doc);
      cleanup.push(() => n.destroy());
      return n;
    };
    const docName = () => `fanout-${randomUUID()}`;

    it('makes concurrent edits on two nodes converge to one document', async () => {
      const d = docName();
      const [a, b] = [await join(await fanout(), d), await join(await fanout(), d)];
      for (let i = 0; i < 20; i++) {
        a.type(`a${i} `, 0);
        b.type(`b${i} `);
      }
      await eventually(() => a.text === b.text && a.text.length === 20 * 6 + 20, 'convergence');
      expect(a.text).toContain('a19 ');
      expect(b.text).toContain('b19 ');
    });

    it('gives a node that joins late what the holder has, and the holder’s awareness', async () => {
      const d = docName();
      const a = await join(await fanout(), d);
      a.type('written before b joined');
      a.awareness.setLocalStateField('user', { name: 'Ada' });
      const b = await join(await fanout(), d);
      await eventually(() => b.text === 'written before b joined', 'b to receive the holder’s state');
      await eventually(() => b.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 'awareness');
    });

    it('carries awareness changes across nodes', async () => {
      const d = docName();
      const [a, b] = [await join(await fanout(), d), await join(await fanout(), d)];
      b.awareness.setLocalStateField('cursor', 42);
      await eventually(() => a.awareness.getStates().get(b.doc.clientID)?.cursor === 42, 'b’s cursor on a');
    });

    it('removes the cursors of a node that goes silent at once, and keeps those of a quiet live one', async () => {
      const d = docName();
      const opts = { heartbeatMs: 50, nodeDeadAfterMs: 300 };
      const fa = await fanout(opts);
      const [a, b] = [await join(fa, d), await join(await fanout(opts), d)];
      a.awareness.setLocalStateField('cursor', 7);
      await eventually(() => b.awareness.getStates().get(a.doc.clientID)?.cursor === 7, 'a’s cursor on b');
      // Alive but idle: no awareness traffic for longer than the dead-after time.
      await new Promise((r) => setTimeout(r, 700));
      expect(b.awareness.getStates().has(a.doc.clientID)).toBe(true);
      // A crash: a's node stops, and nothing tells b that a's client left.
      await fa.close();
      const stoppedAt = Date.now();
      await eventually(() => !b.awareness.getStates().has(a.doc.clientID), 'a’s cursor to go from b');
      // y-protocols would have kept it for 30 s.
      expect(Date.now() - stoppedAt).toBeLessThan(3000);
    });

    it('never applies its own messages back to itself', async () => {
      const d = docName();
      const [a, b] = [await join(await fanout(), d), await join(await fanout(), d)];
      a.type('hello');
      await eventually(() => b.text === 'hello', 'delivery');
      await new Promise((r) => setTimeout(r, 100));
      expect(a.remoteApplied).toBe(0);
    });

    it('detects a dropped update from the next message’s counter and heals it', async () => {
      const d = docName();
      let drop = false;
      const fa = await fanout({ dropOutgoing: ({ type }) => drop && type === 'update', heartbeatMs: 60_000 });
      const fb = await fanout({ heartbeatMs: 60_000 });
      const [a, b] = [await join(fa, d), await join(fb, d)];
      a.type('one ');
      await eventually(() => b.text === 'one ', 'first edit');
      drop = true;
      a.type('two ');
      drop = false;
      a.type('three');
      await eventually(() => b.text === 'one two three', 'the gap to heal');
      expect(fb.stats().gaps).toBeGreaterThanOrEqual(1);
      expect(fb.stats().resyncs).toBeGreaterThanOrEqual(2); // the join, and the gap
    });

    it('detects a dropped last update through the heartbeat and heals it', async () => {
      const d = docName();
      let drop = false;
      const fa = await fanout({ dropOutgoing: ({ type }) => drop && type === 'update' });
      const fb = await fanout();
      const [a, b] = [await join(fa, d), await join(fb, d)];
      a.type('first ');
      await eventually(() => b.text === 'first ', 'first edit');
      drop = true;
      a.type('last');
      await eventually(() => b.text === 'first last', 'the trailing loss to heal');
      expect(fb.stats().gaps).toBeGreaterThanOrEqual(1);
    });

    it('heals a dropped deletion, which a state vector alone cannot reveal', async () => {
      const d = docName();
      let drop = false;
      const fa = await fanout({ dropOutgoing: ({ type }) => drop && type === 'update' });
      const [a, b] = [await join(fa, d), await join(await fanout(), d)];
      a.type('keep DELETE');
      await eventually(() => b.text === 'keep DELETE', 'first edit');
      drop = true;
      a.doc.getText('t').delete(4, 7);
      await eventually(() => b.text === 'keep', 'the deletion to arrive');
    });

    it('heals a lost sync request: the other side notices the gap and the answers flow both ways', async () => {
      const d = docName();
      const a = await join(await fanout(), d);
      a.type('only on a');
      let dropped = 0;
      const fb = await fanout({ dropOutgoing: ({ type }) => type === 'sync-request' && dropped++ === 0 });
      const b = await join(fb, d);
      b.type('b was here ');
      await eventually(() => a.text === b.text && b.text.includes('only on a') && a.text.includes('b was here'), 'both directions');
    });

    it('heals a dropped deletion when the sync request it triggers is lost too (the requester asks again)', async () => {
      const d = docName();
      let dropUpdates = false;
      let dropRequests = 0;
      const fa = await fanout({ dropOutgoing: ({ type }) => dropUpdates && type === 'update' });
      const fb = await fanout({ dropOutgoing: ({ type }) => type === 'sync-request' && dropRequests-- > 0 });
      const [a, b] = [await join(fa, d), await join(fb, d)];
      a.type('keep DELETE');
      await eventually(() => b.text === 'keep DELETE', 'first edit');
      // Both state vectors stay equal: only a request from b, answered, brings the deletion.
      dropUpdates = true;
      dropRequests = 1;
      a.doc.getText('t').delete(4, 7);
      await eventually(() => b.text === 'keep', 'the deletion to arrive', 8000);
      expect(fb.stats().resyncs).toBeGreaterThanOrEqual(3); // the join, the lost request, its repeat
    });

    it('resyncs every joined doc after the bus reconnects, so edits made during an outage converge', async () => {
      const [d1, d2] = [docName(), docName()];
      const busA = { ref: null as OutageBus | null };
      const busB = { ref: null as OutageBus | null };
      const fa = await fanout({ wrap: (raw) => (busA.ref = new OutageBus(raw)), heartbeatMs: 60_000 });
      const fb = await fanout({ wrap: (raw) => (busB.ref = new OutageBus(raw)), heartbeatMs: 60_000 });
      const [a1, b1, a2, b2] = [await join(fa, d1), await join(fb, d1), await join(fa, d2), await join(fb, d2)];
      a1.type('x');
      await eventually(() => b1.text === 'x', 'before the outage');
      busA.ref!.down = true;
      busB.ref!.down = true;
      a1.type('A1 ');
      b1.type('B1 ');
      a2.type('A2 ');
      b2.doc.getText('t').insert(0, 'B2 ');
      busA.ref!.up();
      busB.ref!.up();
      await eventually(() => a1.text === b1.text && a2.text === b2.text, 'both docs to converge');
      expect(a1.text).toMatch(/A1 /);
      expect(a1.text).toMatch(/B1 /);
      expect(b2.text).toMatch(/A2 /);
      expect(a2.text).toMatch(/B2 /);
    });

    it('publishes one message per edit and stops heartbeating once the doc is quiet', async () => {
      const d = docName();
      const fa = await fanout({ heartbeatMs: 20 });
      const [a, b] = [await join(fa, d), await join(await fanout(), d)];
      await eventually(() => b.text === '' && fa.stats().messagesOut >= 1, 'join');
      await new Promise((r) => setTimeout(r, 150));
      const before = fa.stats().messagesOut;
      for (let i = 0; i < 50; i++) a.type('.');
      await eventually(() => b.text.length === 50, 'delivery');
      await new Promise((r) => setTimeout(r, 300));
      const afterBurst = fa.stats().messagesOut;
      // 50 updates, then the two heartbeats of a doc gone quiet; none while the edits streamed.
      expect(afterBurst - before).toBe(50 + 2);
      await new Promise((r) => setTimeout(r, 200));
      expect(fa.stats().messagesOut).toBe(afterBurst);
    });

    it('publishes nothing per edit while it alone holds the doc, and a node that joins later still gets every edit', async () => {
      const d = docName();
      const fa = await fanout();
      const a = await join(fa, d);
      // Until the bus knows that nobody else subscribes (Redis: the next subscriber count).
      await eventually(() => {
        const out = fa.stats().messagesOut;
        a.type('.');
        return fa.stats().messagesOut === out;
      }, 'a to find itself alone');
      const out = fa.stats().messagesOut;
      for (let i = 0; i < 20; i++) a.type(`a${i} `);
      expect(fa.stats().messagesOut).toBe(out);
      const b = await join(await fanout(), d);
      await eventually(() => b.text === a.text, 'b to receive what a wrote alone');
      a.type('after b joined');
      b.type('!', 0);
      await eventually(() => b.text === a.text && a.text.endsWith('after b joined') && a.text.startsWith('!'), 'both directions once b holds it too');
    });

    it('stops receiving a doc after leave', async () => {
      const d = docName();
      const [a, b] = [await join(await fanout(), d), await join(await fanout(), d)];
      a.type('1');
      await eventually(() => b.text === '1', 'delivery');
      await b.link!.leave();
      a.type('2');
      await new Promise((r) => setTimeout(r, 150));
      expect(b.text).toBe('1');
    });

    it('drops an undecodable message on the channel without harm', async () => {
      const d = docName();
      const f = await fanout();
      const a = await join(f, d);
      const [b] = [await join(await fanout(), d)];
      const raw = await node();
      cleanup.push(() => raw.close());
      raw.publish(roomChannel(d), new Uint8Array([9, 200, 1]));
      b.type('after garbage');
      await eventually(() => a.text === 'after garbage', 'delivery after garbage');
      expect(f.stats().decodeErrors).toBe(1);
    });
  });
}
