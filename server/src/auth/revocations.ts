import type { Registry } from 'prom-client';
import type { Bus } from '../bus/Bus.ts';
import { assertNever, decodeEnvelope, encodeEnvelope } from '../bus/envelope.ts';
import { createUnknownVersions } from '../bus/unknown-versions.ts';
import type { Logger } from '../logger.ts';

/**
 * "Member X may no longer open room R" (removed, left, or the room archived/deleted).
 * Every node's open sockets of that member — y-websocket and socket.io — must close
 * within a second, so the event is delivered locally at once and to other nodes over the bus.
 * userId null means every member (the room itself went away).
 */
export interface Revocation {
  roomId: string;
  userId: string | null;
}

export interface Revocations {
  revoke(r: Revocation): void;
  onRevoke(listener: (r: Revocation) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'menteo:control:revocations';

export interface RevocationsDeps {
  bus: Bus;
  nodeId: string;
  metrics?: Registry;
  logger?: Logger;
}

export async function createRevocations(deps: RevocationsDeps): Promise<Revocations> {
  const { bus, nodeId } = deps;
  const unknownVersions = createUnknownVersions(deps);
  const listeners = new Set<(r: Revocation) => void>();
  const emit = (r: Revocation) => {
    for (const l of listeners) l(r);
  };
  await bus.subscribe(CHANNEL, (payload) => {
    const decoded = decodeEnvelope(payload);
    switch (decoded.kind) {
      case 'message':
        if (decoded.message.type === 'revocation') emit({ roomId: decoded.message.roomId, userId: decoded.message.userId });
        return;
      case 'unknown-version':
        // Counted and logged; not yet answered: the answer would be to re-check every open
        // socket's membership on this node (a revocation is not repeated by its sender).
        unknownVersions.report('revocations', decoded);
        return;
      case 'malformed':
        deps.logger?.warn({ err: decoded.error }, 'undecodable revocation dropped');
        return;
      default:
        return assertNever(decoded);
    }
  });
  return {
    revoke(r) {
      emit(r);
      // Other nodes; this node's own echo re-emits, which is harmless (closing twice is a no-op).
      bus.publish(CHANNEL, encodeEnvelope({ type: 'revocation', origin: nodeId, roomId: r.roomId, userId: r.userId }));
    },
    onRevoke(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => bus.unsubscribe(CHANNEL),
  };
}
