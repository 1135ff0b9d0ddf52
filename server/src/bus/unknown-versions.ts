import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';

/** Which receiver met it: one label value per kind of channel. */
export type EnvelopeChannel = 'fanout' | 'nodes' | 'revocations' | 'events';

export interface UnknownVersions {
  /** Counts the message (menteo_bus_unknown_version_total) and logs the first from each node and version. */
  report(channel: EnvelopeChannel, from: { origin: string; version: number; type: number }): void;
}

/** Distinct (channel, node, version) triples remembered for "logged once"; past it, the memory starts again. */
const MAX_REMEMBERED = 1000;

/**
 * A node of another version is normal during a rolling deploy, and it sends many messages:
 * each is counted, only the first of each kind is logged, and the receiver answers it with
 * a resync (the caller does that; see envelope.ts).
 */
export function createUnknownVersions(deps: { metrics?: Registry; logger?: Logger }): UnknownVersions {
  const name = 'menteo_bus_unknown_version_total';
  const counter = deps.metrics
    ? ((deps.metrics.getSingleMetric(name) as Counter<'channel'> | undefined) ??
      new Counter({
        name,
        help: 'Node-to-node messages of an envelope version this node cannot read (answered by a resync)',
        labelNames: ['channel'] as const,
        registers: [deps.metrics],
      }))
    : null;
  const logged = new Set<string>();
  return {
    report(channel, { origin, version, type }) {
      counter?.inc({ channel });
      const key = `${channel} ${origin} ${version}`;
      if (logged.has(key)) return;
      if (logged.size >= MAX_REMEMBERED) logged.clear();
      logged.add(key);
      deps.logger?.warn(
        { channel, origin, version, type },
        'a node sent a message of an envelope version this node cannot read; answering with a resync (further ones are only counted)',
      );
    },
  };
}
