import type { Bus } from '../bus/Bus.ts';

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

export async function createRevocations(bus: Bus): Promise<Revocations> {
  const listeners = new Set<(r: Revocation) => void>();
  const emit = (r: Revocation) => {
    for (const l of listeners) l(r);
  };
  await bus.subscribe(CHANNEL, (payload) => {
    try {
      const r = JSON.parse(Buffer.from(payload).toString('utf8')) as Revocation;
      if (typeof r.roomId === 'string' && (typeof r.userId === 'string' || r.userId === null)) emit(r);
    } catch {
      // Only our own nodes publish here; a malformed message is dropped, never fatal.
    }
  });
  return {
    revoke(r) {
      emit(r);
      // Other nodes; this node's own echo re-emits, which is harmless (closing twice is a no-op).
      bus.publish(CHANNEL, Buffer.from(JSON.stringify(r)));
    },
    onRevoke(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => bus.unsubscribe(CHANNEL),
  };
}
