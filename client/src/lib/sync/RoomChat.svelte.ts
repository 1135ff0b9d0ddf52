/**
 * A room's chat in the browser: the messages loaded so far (newest page first, "load older"
 * by the server's cursor), messages on their way ("sending…" until the server's ack, which
 * comes only after the commit), and the unread count. It rides on the room's presence socket
 * (one socket.io connection per room) and joins nothing itself: sending waits until that
 * socket has joined the room.
 *
 * Like RoomPresence, an outside source: events update plain fields and notify, and the
 * getters subscribe, deferred (state/outside.ts; STYLE rule 12).
 */
import { on } from 'svelte/events';
import { chatLength, type ChatMessage, type ChatPage } from '@menteo/protocol';
import { api as defaultApi, ApiError, type Api } from '../api.ts';
import type { RoomPresence } from './RoomPresence.svelte.ts';
import { createOutsideSubscriber } from '../state/outside.ts';

/** A message of mine the server has not acked yet, or refused. */
export interface OutgoingMessage {
  clientId: string;
  body: string;
  state: 'sending' | 'failed';
  /** Why it was not sent (state failed). */
  error: string | null;
}

/** What the panel lists: committed messages in order, then my outgoing ones. */
export type ChatEntry = { kind: 'message'; message: ChatMessage } | { kind: 'outgoing'; message: OutgoingMessage };

/** Until the server says otherwise (the first page carries its CHAT_MAX_CHARS). */
const DEFAULT_MAX_CHARS = 2000;
/** No ack within this time: shown as not sent (it may still arrive; then it turns sent). */
const ACK_TIMEOUT_MS = 15_000;

export class RoomChat {
  readonly roomId: string;
  readonly #presence: RoomPresence;
  readonly #api: Api;
  readonly #meId: string;
  /** Committed messages by id; `#order` keeps their ids ascending. */
  // reason: plain fields notified through #changes (createSubscriber), like RoomPresence; not $state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #messages = new Map<number, ChatMessage>();
  #order: number[] = [];
  #outgoing: OutgoingMessage[] = [];
  #nextBefore: number | null = null;
  #loadedFirst = false;
  #loadingOlder = false;
  #loadError: string | null = null;
  #maxChars = DEFAULT_MAX_CHARS;
  #readUpTo: number;
  #visible = false;
  #counter = 0;
  #changes = new EventTarget();
  #subscribe = createOutsideSubscriber((update) => on(this.#changes, 'change', update));
  #offs: Array<() => void> = [];

  constructor(presence: RoomPresence, meId: string, opts: { api?: Api } = {}) {
    this.roomId = presence.roomId;
    this.#presence = presence;
    this.#api = opts.api ?? defaultApi;
    this.#meId = meId;
    this.#readUpTo = readMarker(this.roomId, meId);
    const socket = presence.socket;
    const onMessage = (m: ChatMessage) => {
      if (m.roomId !== this.roomId) return;
      this.#add([m]);
      // My own message from another tab, or the echo of one sent here (matched by clientId).
      if (m.authorId === this.#meId) this.#outgoing = this.#outgoing.filter((o) => o.clientId !== m.clientId);
      this.#emit();
    };
    // After a reconnect the newest page fills whatever was missed meanwhile.
    const onConnect = () => void this.#loadNewest();
    socket.on('chat:message', onMessage);
    socket.on('connect', onConnect);
    this.#offs.push(
      () => socket.off('chat:message', onMessage),
      () => socket.off('connect', onConnect),
    );
    void this.#loadNewest();
  }

  /** Committed messages (oldest first) followed by my outgoing ones. */
  get entries(): ChatEntry[] {
    this.#subscribe();
    const committed: ChatEntry[] = this.#order.map((id) => ({ kind: 'message', message: this.#messages.get(id)! }));
    return committed.concat(this.#outgoing.map((message) => ({ kind: 'outgoing', message })));
  }

  get hasOlder(): boolean {
    this.#subscribe();
    return this.#nextBefore !== null;
  }

  get loaded(): boolean {
    this.#subscribe();
    return this.#loadedFirst;
  }

  get loadingOlder(): boolean {
    this.#subscribe();
    return this.#loadingOlder;
  }

  get loadError(): string | null {
    this.#subscribe();
    return this.#loadError;
  }

  get maxChars(): number {
    this.#subscribe();
    return this.#maxChars;
  }

  /** Sending needs the room joined on the socket. */
  get canSend(): boolean {
    return this.#presence.joined;
  }

  /** Others' messages after the last one I saw (those loaded: at most a page or two). */
  get unread(): number {
    this.#subscribe();
    let n = 0;
    for (let i = this.#order.length - 1; i >= 0 && this.#order[i]! > this.#readUpTo; i--) {
      if (this.#messages.get(this.#order[i]!)!.authorId !== this.#meId) n++;
    }
    return n;
  }

  /** The panel is on screen: everything shown counts as read, now and as messages arrive. */
  setVisible(visible: boolean): void {
    this.#visible = visible;
    if (visible) this.#markRead();
  }

  /** Why `body` cannot be sent, or null. */
  problem(body: string): string | null {
    if (body.trim() === '') return 'Type a message first.';
    const n = chatLength(body.trimEnd());
    if (n > this.#maxChars) return `Messages are at most ${this.#maxChars} characters; this one has ${n}.`;
    return null;
  }

  /** Sends; the message shows as "sending…" until the server acks its commit. Refusals stay listed with the reason. */
  send(body: string): void {
    const out: OutgoingMessage = { clientId: `${Date.now().toString(36)}-${++this.#counter}`, body, state: 'sending', error: null };
    const early = this.problem(body);
    if (early) {
      out.state = 'failed';
      out.error = early;
    }
    this.#outgoing = [...this.#outgoing, out];
    this.#emit();
    if (!early) this.#transmit(out);
  }

  retry(clientId: string): void {
    const out = this.#outgoing.find((o) => o.clientId === clientId);
    if (!out || out.state !== 'failed') return;
    this.#replace(out, { ...out, state: 'sending', error: null });
    this.#transmit(this.#outgoing.find((o) => o.clientId === clientId)!);
  }

  discard(clientId: string): void {
    this.#outgoing = this.#outgoing.filter((o) => o.clientId !== clientId);
    this.#emit();
  }

  async loadOlder(): Promise<void> {
    if (this.#nextBefore === null || this.#loadingOlder) return;
    this.#loadingOlder = true;
    this.#emit();
    try {
      this.#takePage(await this.#api.chatPage(this.roomId, this.#nextBefore), true);
      this.#loadError = null;
    } catch (err) {
      this.#loadError = err instanceof ApiError ? err.message : 'Could not load older messages.';
    } finally {
      this.#loadingOlder = false;
      this.#emit();
    }
  }

  destroy(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  #transmit(out: OutgoingMessage): void {
    if (!this.#presence.socket.connected || !this.#presence.joined) {
      this.#replace(out, { ...out, state: 'failed', error: 'Not connected to the room right now; retry in a moment.' });
      return;
    }
    this.#presence.socket
      .timeout(ACK_TIMEOUT_MS)
      .emit('chat:send', { roomId: this.roomId, body: out.body, clientId: out.clientId }, (err, res) => {
        const current = this.#outgoing.find((o) => o.clientId === out.clientId);
        if (err) {
          if (current) this.#replace(current, { ...current, state: 'failed', error: 'No answer from the server; it may still arrive.' });
          return;
        }
        if (res.ok) {
          this.#add([res.message]);
          this.#outgoing = this.#outgoing.filter((o) => o.clientId !== out.clientId);
          this.#emit();
        } else if (current) {
          this.#replace(current, { ...current, state: 'failed', error: res.message });
        }
      });
  }

  #replace(old: OutgoingMessage, next: OutgoingMessage): void {
    this.#outgoing = this.#outgoing.map((o) => (o === old ? next : o));
    this.#emit();
  }

  async #loadNewest(): Promise<void> {
    try {
      const page = await this.#api.chatPage(this.roomId);
      this.#takePage(page, !this.#loadedFirst);
      this.#loadedFirst = true;
      this.#loadError = null;
    } catch (err) {
      this.#loadError = err instanceof ApiError ? err.message : 'Could not load the chat.';
    }
    this.#emit();
  }

  /** `older`: the page's cursor becomes ours (the first page, or a "load older" page). */
  #takePage(page: ChatPage, older: boolean): void {
    this.#maxChars = page.maxChars;
    this.#add(page.messages);
    if (older) this.#nextBefore = page.nextBefore;
  }

  #add(messages: readonly ChatMessage[]): void {
    let added = false;
    for (const m of messages) {
      if (this.#messages.has(m.id)) continue;
      this.#messages.set(m.id, m);
      added = true;
    }
    if (!added) return;
    this.#order = [...this.#messages.keys()].sort((a, b) => a - b);
    if (this.#visible) this.#markRead();
  }

  #markRead(): void {
    const newest = this.#order.at(-1) ?? 0;
    if (newest <= this.#readUpTo) return;
    this.#readUpTo = newest;
    writeReadMarker(this.roomId, this.#meId, newest);
    this.#emit();
  }

  #emit(): void {
    this.#changes.dispatchEvent(new Event('change'));
  }
}

/** The newest message id seen per room and user, kept on this device (a new device starts with all unread). */
const markerKey = (roomId: string, userId: string) => `menteo:chat-read:${roomId}:${userId}`;

function readMarker(roomId: string, userId: string): number {
  try {
    const n = Number(localStorage.getItem(markerKey(roomId, userId)));
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

function writeReadMarker(roomId: string, userId: string, id: number): void {
  try {
    localStorage.setItem(markerKey(roomId, userId), String(id));
  } catch {
    // Private mode or a full quota: unread counts then last for this page's life only.
  }
}
