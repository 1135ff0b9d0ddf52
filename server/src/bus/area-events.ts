import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { Bus } from './Bus.ts';
import { assertNever, decodeEnvelope, encodeEnvelope } from './envelope.ts';
import { createUnknownVersions } from './unknown-versions.ts';

/**
 * The events areas tell each other, on this node and on every other one: one entry per
 * event, named `<area>.<what happened>`, with the zod schema its data is checked against
 * when it arrives from another node. Adding an event is adding a line here (meetings:
 * 'meeting.started', 'meeting.ended'; chat: 'chat.message'); publish and subscribe are then
 * typed by it. Events are for telling, not for state: a node that was cut off misses some,
 * so a subscriber that keeps state re-reads it in onMissed.
 */
export const AreaEventSchemas = {
  'room.renamed': z.object({ roomId: z.string(), title: z.string() }),
  'room.archived': z.object({ roomId: z.string(), archived: z.boolean() }),
  'room.member-changed': z.object({ roomId: z.string(), userId: z.string(), change: z.enum(['joined', 'left', 'removed']) }),
  'meeting.started': z.object({ roomId: z.string(), meetingId: z.string() }),
  'meeting.ended': z.object({ roomId: z.string(), meetingId: z.string() }),
  'meeting.renamed': z.object({ roomId: z.string(), meetingId: z.string() }),
  'meeting.attendance': z.object({ roomId: z.string(), meetingId: z.string() }),
} satisfies Record<string, z.ZodType>;

export type AreaEventName = keyof typeof AreaEventSchemas;
export type AreaEventData<N extends AreaEventName> = z.infer<(typeof AreaEventSchemas)[N]>;

export interface AreaEvents {
  /** Delivered to this node's subscribers at once, and to every other node over the bus. */
  publish<N extends AreaEventName>(name: N, data: AreaEventData<N>): void;
  /** `origin` is the node it happened on. Returns an unsubscribe. */
  subscribe<N extends AreaEventName>(name: N, handler: (data: AreaEventData<N>, origin: string) => void): () => void;
  /**
   * Events from other nodes may have been lost (the bus reconnected, or a node of another
   * version spoke): subscribers that keep state re-read it. Returns an unsubscribe.
   */
  onMissed(listener: () => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'menteo:events';

type Handler = (data: unknown, origin: string) => void;

/** Typed area events over the node-to-node envelope ('area-event'). One per app. */
export async function createAreaEvents(deps: { bus: Bus; nodeId: string; logger?: Logger; metrics?: Registry }): Promise<AreaEvents> {
  const { bus, nodeId, logger } = deps;
  const unknownVersions = createUnknownVersions(deps);
  const handlers = new Map<string, Set<Handler>>();
  const missed = new Set<() => void>();

  const deliver = (name: string, data: unknown, origin: string) => {
    for (const h of handlers.get(name) ?? []) {
      try {
        h(data, origin);
      } catch (err) {
        // One area's failing handler must not keep the event from the others.
        logger?.error({ err, event: name }, 'an area event handler failed');
      }
    }
  };
  const tellMissed = () => {
    for (const l of missed) l();
  };

  await bus.subscribe(CHANNEL, (payload) => {
    const decoded = decodeEnvelope(payload);
    switch (decoded.kind) {
      case 'message': {
        const m = decoded.message;
        // Our own echo: delivered locally when published.
        if (m.type !== 'area-event' || m.origin === nodeId) return;
        const schema = (AreaEventSchemas as Record<string, z.ZodType>)[m.name];
        const parsed = schema?.safeParse(m.data);
        if (!parsed?.success) {
          logger?.warn({ event: m.name, origin: m.origin }, 'area event of an unknown name or shape dropped');
          return;
        }
        deliver(m.name, parsed.data, m.origin);
        return;
      }
      case 'unknown-version':
        unknownVersions.report('events', decoded);
        tellMissed();
        return;
      case 'malformed':
        logger?.warn({ err: decoded.error }, 'undecodable area event dropped');
        return;
      default:
        return assertNever(decoded);
    }
  });
  const offReconnect = bus.onReconnect(tellMissed);

  return {
    publish(name, data) {
      deliver(name, data, nodeId);
      bus.publish(CHANNEL, encodeEnvelope({ type: 'area-event', origin: nodeId, name, data }));
    },
    subscribe(name, handler) {
      let set = handlers.get(name);
      if (!set) handlers.set(name, (set = new Set()));
      const h = handler as Handler;
      set.add(h);
      return () => set.delete(h);
    },
    onMissed(listener) {
      missed.add(listener);
      return () => missed.delete(listener);
    },
    async close() {
      offReconnect();
      await bus.unsubscribe(CHANNEL);
    },
  };
}
