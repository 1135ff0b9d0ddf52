import { nodesChannel, type Bus } from './Bus.ts';
import { assertNever, decodeEnvelope, encodeEnvelope } from './envelope.ts';
import type { UnknownVersions } from './unknown-versions.ts';

export interface NodeLivenessDeps {
  bus: Bus;
  nodeId: string;
  /** How often this node says it is alive. */
  intervalMs: number;
  /** A node not heard from for this long is taken for dead. */
  deadAfterMs: number;
  /** Called once per node that went silent (it may come back: then it is tracked again). */
  onDead(nodeId: string): void;
  /** Where a hello of another envelope version is counted. */
  unknownVersions?: UnknownVersions;
}

export interface NodeLiveness {
  /** Any message from that node proves it alive (its hellos may not have arrived yet). */
  heard(nodeId: string): void;
  close(): Promise<void>;
}

/**
 * Every node says "alive" on one shared channel every interval; a node that stops (killed,
 * cut off) is reported once it has been silent for deadAfterMs. The fan-out uses it to drop
 * the cursors of a dead node's clients at once: its own awareness states would otherwise
 * linger on the other nodes for y-protocols' 30 s timeout.
 *
 * Silence is judged only while it means something: not while our own bus is down or just
 * came back (we heard nobody), and not on a tick that fires late (our own event loop
 * stalled, and the messages that arrived meanwhile have not been read yet).
 */
export function createNodeLiveness(deps: NodeLivenessDeps): NodeLiveness {
  const { bus, nodeId, intervalMs, deadAfterMs } = deps;
  const channel = nodesChannel();
  const lastHeard = new Map<string, number>();
  const hello = encodeEnvelope({ type: 'node-alive', origin: nodeId });
  let lastTick = Date.now();
  let quietUntil = Date.now() + deadAfterMs;

  const heard = (from: string) => {
    if (from !== nodeId) lastHeard.set(from, Date.now());
  };
  void bus.subscribe(channel, (payload) => {
    const decoded = decodeEnvelope(payload);
    switch (decoded.kind) {
      case 'message':
        if (decoded.message.type === 'node-alive') heard(decoded.message.origin);
        return;
      case 'unknown-version':
        // Nothing to resync on this channel: a node of another version is alive all the same.
        deps.unknownVersions?.report('nodes', decoded);
        heard(decoded.origin);
        return;
      case 'malformed':
        return; // only our own nodes publish here; the next hello comes within an interval
      default:
        return assertNever(decoded);
    }
  });
  // Said at once (and again after a reconnect), not only from the first tick on: a node that
  // lives less than an interval is still known to the others, and so is its death.
  bus.publish(channel, hello);
  const offReconnect = bus.onReconnect(() => {
    quietUntil = Date.now() + deadAfterMs;
    bus.publish(channel, hello);
  });

  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - lastTick > 2 * intervalMs;
    lastTick = now;
    bus.publish(channel, hello);
    if (late) {
      quietUntil = Math.max(quietUntil, now + intervalMs);
      return;
    }
    if (!bus.isReady()) {
      quietUntil = now + deadAfterMs;
      return;
    }
    if (now < quietUntil) return;
    for (const [node, heard] of lastHeard) {
      if (now - heard <= deadAfterMs) continue;
      lastHeard.delete(node);
      deps.onDead(node);
    }
  }, intervalMs);
  timer.unref();

  return {
    heard,
    async close() {
      clearInterval(timer);
      offReconnect();
      await bus.unsubscribe(channel);
    },
  };
}
