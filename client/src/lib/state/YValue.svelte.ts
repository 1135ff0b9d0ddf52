import type { Awareness } from 'y-protocols/awareness';
import { parsePresence, type PresenceState } from '@menteo/room-doc';
import { createOutsideSubscriber } from './outside.ts';

/**
 * A value read from a Y type, reactive to every change inside it — local, remote,
 * or from IndexedDB. `read` runs again on each access, so read `current` inside a
 * `$derived` to compute once per change.
 */
/** What YValue needs from a Y type; every Y.Map, Y.Array, Y.Text and Y.XmlFragment fits. */
export interface DeepObservable {
  observeDeep(f: () => void): void;
  unobserveDeep(f: () => void): void;
}

export class YValue<T> {
  #read: () => T;
  #subscribe: () => void;

  constructor(type: DeepObservable, read: () => T) {
    this.#read = read;
    this.#subscribe = createOutsideSubscriber((update) => {
      // observeDeep also fires for nested maps, arrays and texts (a milestone tick, a title keystroke).
      const onChange = () => update();
      type.observeDeep(onChange);
      return () => type.unobserveDeep(onChange);
    });
  }

  get current(): T {
    this.#subscribe();
    return this.#read();
  }
}

export interface Peer {
  clientId: number;
  state: PresenceState;
}

/** The other clients' validated presence states (this client excluded). */
export class PeersValue {
  #awareness: Awareness;
  #subscribe: () => void;

  constructor(awareness: Awareness) {
    this.#awareness = awareness;
    this.#subscribe = createOutsideSubscriber((update) => {
      awareness.on('change', update);
      return () => awareness.off('change', update);
    });
  }

  get current(): Peer[] {
    this.#subscribe();
    const out: Peer[] = [];
    this.#awareness.getStates().forEach((raw, clientId) => {
      if (clientId === this.#awareness.clientID) return;
      const state = parsePresence(raw);
      if (state) out.push({ clientId, state });
    });
    return out;
  }
}
