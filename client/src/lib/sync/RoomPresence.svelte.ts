/**
 * Who is in the room, from socket.io's roster (one socket.io room per mentorship room).
 * The socket is an outside source: its events update plain fields and notify, and the
 * getters are made reactive with createSubscriber, deferred (state/outside.ts; STYLE rule 12).
 */
import { io, type Socket } from 'socket.io-client';
import { on } from 'svelte/events';
import type { ClientToServerEvents, PresenceMember, ServerToClientEvents } from '@menteo/protocol';
import { createOutsideSubscriber } from '../state/outside.ts';

export interface RoomPresenceOptions {
  /** Server origin; default: the page's origin. Tests pass http://127.0.0.1:<port>. */
  url?: string;
  /** Node tests pass the session cookie here (browsers send it themselves). */
  extraHeaders?: Record<string, string>;
  /** Where online/offline are listened to. Default: window, if any. */
  window?: Window | null;
}

export class RoomPresence {
  readonly roomId: string;
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  #members: PresenceMember[] = [];
  #joined = false;
  #error: string | null = null;
  #roomChanges = 0;
  #offs: Array<() => void> = [];
  #destroyed = false;
  /** Fired after the fields above change; the getters subscribe to it. */
  #changes = new EventTarget();
  #joinedListeners: Array<() => void> = [];
  #subscribe = createOutsideSubscriber((update) => on(this.#changes, 'change', update));

  constructor(roomId: string, opts: RoomPresenceOptions = {}) {
    this.roomId = roomId;
    const options = {
      path: '/socket.io',
      // The socket.io server runs WebSocket-only: no long-polling sessions to pin across nodes.
      transports: ['websocket'],
      // Where a room-affine balancer can read the room (deploy/haproxy.cfg hashes on it), so
      // this socket lands on the node that holds the room's document sockets.
      query: { room: roomId },
      ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
    };
    this.socket = opts.url ? io(opts.url, options) : io(options);
    // Like the doc socket: the browser knows it went offline before any heartbeat can tell, so
    // the roster drops this member at once (the server's 2.5 s pings cover a silent drop), and
    // the socket comes back with the network.
    const w = opts.window !== undefined ? opts.window : typeof window === 'undefined' ? null : window;
    if (w) {
      this.#offs.push(
        on(w, 'offline', () => this.socket.disconnect()),
        on(w, 'online', () => {
          if (!this.#destroyed) this.socket.connect();
        }),
      );
    }
    // Join again after every (re)connect: a new socket is in no rooms.
    this.socket.on('connect', this.#join);
    this.socket.on('disconnect', () => {
      this.#joined = false;
      this.#emit();
    });
    this.socket.on('presence:roster', ({ roomId: id, members }) => {
      if (id !== this.roomId) return;
      this.#members = members;
      this.#emit();
    });
    // Title, archive state or members changed, on whichever node: the room info is re-read.
    this.socket.on('room:changed', ({ roomId: id }) => {
      if (id !== this.roomId) return;
      this.#roomChanges++;
      this.#emit();
    });
    this.socket.on('room:error', ({ roomId: id, message }) => {
      if (id !== this.roomId) return;
      this.#error = message;
      this.#emit();
    });
  }

  /** Members present right now (each with how many tabs/devices they have open). */
  get members(): PresenceMember[] {
    this.#subscribe();
    return this.#joined ? this.#members : [];
  }

  get joined(): boolean {
    this.#subscribe();
    return this.#joined;
  }

  /** How many `room:changed` events arrived; a reader re-reads the room when it grows. */
  get roomChanges(): number {
    this.#subscribe();
    return this.#roomChanges;
  }

  get error(): string | null {
    this.#subscribe();
    return this.#error;
  }

  /** Called after every successful room:join (the first, and after each reconnect). Returns an unsubscribe. */
  onJoined(listener: () => void): () => void {
    this.#joinedListeners.push(listener);
    if (this.#joined) listener();
    return () => {
      this.#joinedListeners = this.#joinedListeners.filter((l) => l !== listener);
    };
  }

  destroy(): void {
    this.#destroyed = true;
    for (const off of this.#offs.splice(0)) off();
    if (this.socket.connected) this.socket.emit('room:leave', { roomId: this.roomId });
    this.socket.disconnect();
  }

  #join = (): void => {
    this.socket.emit('room:join', { roomId: this.roomId }, (res) => {
      if (res.ok) {
        this.#joined = true;
        this.#error = null;
        for (const l of this.#joinedListeners) l();
      } else {
        this.#joined = false;
        this.#error = res.message;
      }
      this.#emit();
    });
  };

  #emit(): void {
    this.#changes.dispatchEvent(new Event('change'));
  }
}
