/**
 * One open room in the browser: the Y.Doc, its y-websocket provider (with Menteo's saved
 * acks), the awareness state, the IndexedDB cache, and the two statuses the UI shows —
 * connection (connected / reconnecting / offline / no access) and save (Saving… / Saved).
 *
 * The provider, window and tracker are outside sources: the reactive getters re-read them,
 * made reactive through createSubscriber, deferred (state/outside.ts; STYLE rule 12). Side effects that must happen
 * whether or not anything renders (going offline, stopping on a refusal) are wired in the
 * constructor and undone in destroy().
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { WebsocketProvider } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import type { Awareness } from 'y-protocols/awareness';
import { MessageType, YJS_PATH } from '@menteo/protocol';
import { colorForUser, type Actor, type PresenceFocus, type PresenceState } from '@menteo/room-doc';
import { SaveTracker } from './saved.ts';
import { localCopyName } from './local-copies.ts';
import { connectionStatus, isTerminalClose, type ConnectionStatus } from './status.ts';
import { createOutsideSubscriber } from '../state/outside.ts';

export interface RoomConnectionOptions {
  /** Base URL of the y-websocket endpoint, e.g. ws://host/yjs. Default: derived from location. */
  serverUrl?: string;
  /** Node tests pass the `ws` package here. */
  WebSocketPolyfill?: typeof WebSocket;
  /** Keep the doc in IndexedDB (offline edits survive a closed tab). Default: true in browsers. */
  persist?: boolean;
  /** Where online/offline and beforeunload are listened to. Default: window, if any. */
  window?: Window | null;
  /** This member's caret/avatar colour. Default: colorForUser(me.userId). */
  color?: string;
}

/** y-protocols sync message subtype of "here is my state vector". */
const SYNC_STEP_1 = 0;

/** ws(s)://<host>/yjs for the page's own origin. */
export function defaultServerUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${YJS_PATH}`;
}

export class RoomConnection {
  readonly roomId: string;
  readonly me: Actor;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly awareness: Awareness;
  readonly persistence: IndexeddbPersistence | null;

  #tracker: SaveTracker;
  #window: Window | null;
  #everSynced = false;
  #terminalCode: number | null = null;
  #cleanup: Array<() => void> = [];
  #destroyed = false;

  #subscribe = createOutsideSubscriber((update) => {
    const p = this.provider;
    p.on('status', update);
    p.on('sync', update);
    p.on('closed', update);
    const offs = [
      () => p.off('status', update),
      () => p.off('sync', update),
      () => p.off('closed', update),
      this.#tracker.subscribe(update),
      this.#onWindow('online', update),
      this.#onWindow('offline', update),
    ];
    return () => offs.forEach((off) => off());
  });

  #subscribeAwareness = createOutsideSubscriber((update) => {
    this.awareness.on('change', update);
    return () => this.awareness.off('change', update);
  });

  constructor(roomId: string, me: Actor, opts: RoomConnectionOptions = {}) {
    this.roomId = roomId;
    this.me = me;
    this.#window = opts.window !== undefined ? opts.window : typeof window === 'undefined' ? null : window;
    this.doc = new Y.Doc();
    this.#tracker = new SaveTracker(this.doc.clientID);

    const persist = opts.persist ?? typeof indexedDB !== 'undefined';
    this.persistence = persist ? new IndexeddbPersistence(localCopyName(roomId), this.doc) : null;

    const online = this.#window ? this.#window.navigator.onLine : true;
    this.provider = new WebsocketProvider(opts.serverUrl ?? defaultServerUrl(), roomId, this.doc, {
      connect: online,
      params: { ack: '1' },
      ...(opts.WebSocketPolyfill ? { WebSocketPolyfill: opts.WebSocketPolyfill } : {}),
      // Refusals (no access, no such room, a rejected message) are final; everything else —
      // 4429 rate limited, 1013 overloaded, network drops — is retried with backoff.
      shouldReconnect: (event) => !isTerminalClose(event.code),
    });
    this.awareness = this.provider.awareness;
    this.#installHandlers();

    this.awareness.setLocalState({
      user: { userId: me.userId, name: me.displayName, color: opts.color ?? colorForUser(me.userId), role: me.role },
      focus: null,
      cursorHidden: false,
    } satisfies PresenceState);

    this.doc.on('update', this.#onUpdate);
    this.#cleanup.push(() => this.doc.off('update', this.#onUpdate));
    const onSync = (synced: boolean) => {
      if (synced) this.#everSynced = true;
    };
    const onStatus = ({ status }: { status: string }) => {
      if (status === 'disconnected') this.#tracker.disconnected();
    };
    const onClosed = ({ code }: { code: number }) => {
      this.#terminalCode = code;
    };
    this.provider.on('sync', onSync);
    this.provider.on('status', onStatus);
    this.provider.on('closed', onClosed);
    this.#cleanup.push(
      () => this.provider.off('sync', onSync),
      () => this.provider.off('status', onStatus),
      () => this.provider.off('closed', onClosed),
      // An offline browser may keep a dead socket open for a long time; drop it at once so
      // the UI says Offline and edits queue locally, and reconnect as soon as we are back.
      this.#onWindow('offline', () => this.provider.disconnect()),
      this.#onWindow('online', () => {
        if (this.#terminalCode === null) this.provider.connect();
      }),
      this.#onWindow('beforeunload', this.#onBeforeUnload),
    );
  }

  /** connecting | connected | reconnecting | offline | no-access | refused */
  get status(): ConnectionStatus {
    this.#subscribe();
    return connectionStatus({
      terminalCode: this.#terminalCode,
      online: this.#window ? this.#window.navigator.onLine : true,
      synced: this.provider.synced,
      everSynced: this.#everSynced,
    });
  }

  /** The close code the server refused us with, if it did. */
  get refusedWith(): number | null {
    this.#subscribe();
    return this.#terminalCode;
  }

  /** True once every edit this client is responsible for is acked as committed. */
  get saved(): boolean {
    this.#subscribe();
    return this.#tracker.state.saved;
  }

  /** Edits waiting for an ack (see SaveState.unsavedEdits). */
  get unsavedEdits(): number {
    this.#subscribe();
    return this.#tracker.state.unsavedEdits;
  }

  get unsavedLocalEdits(): boolean {
    this.#subscribe();
    return this.#tracker.state.unsavedLocalEdits;
  }

  /** Every client's awareness state, unvalidated (remote clients may publish anything). */
  get awarenessStates(): unknown[] {
    this.#subscribeAwareness();
    return Array.from(this.awareness.getStates().values());
  }

  get cursorHidden(): boolean {
    this.#subscribeAwareness();
    return (this.awareness.getLocalState() as PresenceState | null)?.cursorHidden === true;
  }

  setCursorHidden(hidden: boolean): void {
    this.awareness.setLocalStateField('cursorHidden', hidden);
  }

  setFocus(focus: PresenceFocus | null): void {
    this.awareness.setLocalStateField('focus', focus);
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const off of this.#cleanup.splice(0)) off();
    this.provider.destroy();
    void this.persistence?.destroy();
    this.doc.destroy();
  }

  #installHandlers(): void {
    const handlers = this.provider.messageHandlers;
    const sync = handlers[MessageType.Sync];
    if (!sync) throw new Error('y-websocket has no sync handler');
    handlers[MessageType.SavedAck] = (_encoder, decoder) => {
      this.#tracker.ack(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
    };
    // Peek at the server's sync step 1 (its state vector) before the stock handler answers
    // it. `fromSocket` is false for BroadcastChannel messages from our other tabs, whose
    // state vectors say nothing about the server.
    handlers[MessageType.Sync] = (encoder, decoder, provider, fromSocket, type) => {
      let serverSv: Map<number, number> | null = null;
      if (fromSocket) {
        const peek = decoding.clone(decoder);
        if (decoding.readVarUint(peek) === SYNC_STEP_1) serverSv = Y.decodeStateVector(decoding.readVarUint8Array(peek));
      }
      sync(encoder, decoder, provider, fromSocket, type);
      if (serverSv) this.#tracker.serverState(serverSv);
    };
  }

  #onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider) return;
    if (this.persistence && origin === this.persistence) {
      this.#tracker.restoredFromCache(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)));
      return;
    }
    const own = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).has(this.doc.clientID);
    this.#tracker.localChange(Y.getState(this.doc.store, this.doc.clientID), own, this.provider.wsconnected);
  };

  #onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (!this.#tracker.state.unsavedLocalEdits) return;
    // Browsers show their own generic text; both calls are needed across browsers.
    event.preventDefault();
    event.returnValue = '';
  };

  #onWindow<K extends keyof WindowEventMap>(name: K, fn: (event: WindowEventMap[K]) => void): () => void {
    const w = this.#window;
    if (!w) return () => {};
    w.addEventListener(name, fn);
    return () => w.removeEventListener(name, fn);
  }
}
