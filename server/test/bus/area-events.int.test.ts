import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { createAreaEvents, type AreaEvents } from '../../src/bus/area-events.ts';
import { ENVELOPE_VERSION, encodeEnvelope } from '../../src/bus/envelope.ts';
import { SHARED_REDIS_URL } from '../redis-instance.ts';
import { eventually } from './fake-peer.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('area events between two nodes on Redis', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });
  const node = async (nodeId: string): Promise<{ bus: RedisBus; events: AreaEvents }> => {
    const bus = new RedisBus({ url: SHARED_REDIS_URL, logger });
    await bus.start(5000);
    const events = await createAreaEvents({ bus, nodeId, logger });
    closers.push(() => bus.close(), () => events.close());
    return { bus, events };
  };

  it('delivers a published event at once on its node and once on the other, with its origin', async () => {
    const a = await node('events-a');
    const b = await node('events-b');
    const seenA: string[] = [];
    const seenB: Array<{ title: string; origin: string }> = [];
    a.events.subscribe('room.renamed', (e) => seenA.push(e.title));
    b.events.subscribe('room.renamed', (e, origin) => seenB.push({ title: e.title, origin }));
    a.events.publish('room.renamed', { roomId: 'r1', title: 'Spring goals' });
    expect(seenA).toEqual(['Spring goals']);
    await eventually(() => seenB.length === 1, 'the event on the other node');
    await new Promise((r) => setTimeout(r, 200));
    expect(seenB).toEqual([{ title: 'Spring goals', origin: 'events-a' }]);
    expect(seenA).toEqual(['Spring goals']);
  });

  it('drops an event whose data does not match its schema, and tells subscribers to re-read after an unknown version', async () => {
    const b = await node('events-c');
    const raw = await node('events-d');
    const seen: unknown[] = [];
    let missed = 0;
    b.events.subscribe('room.archived', (e) => seen.push(e));
    b.events.onMissed(() => missed++);
    raw.bus.publish('menteo:events', encodeEnvelope({ type: 'area-event', origin: 'events-d', name: 'room.archived', data: { roomId: 7 } }));
    const future = encodeEnvelope({ type: 'area-event', origin: 'events-d', name: 'room.archived', data: {} });
    future[0] = ENVELOPE_VERSION + 1;
    raw.bus.publish('menteo:events', future);
    await eventually(() => missed === 1, 'the missed signal');
    raw.events.publish('room.archived', { roomId: 'r2', archived: true });
    await eventually(() => seen.length === 1, 'a valid event after the bad ones');
    expect(seen).toEqual([{ roomId: 'r2', archived: true }]);
  });
});
