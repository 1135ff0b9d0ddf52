import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { MessageType } from '@menteo/protocol';

/**
 * A minimal y-websocket client over a raw `ws` socket: the standard sync protocol plus
 * Menteo's type-100 saved acks. The stock WebsocketProvider hides the socket, its close
 * codes and unknown message types; durability tests, fuzz tests and the benchmark need all
 * three, and the benchmark needs thousands of these to stay cheap (applyRemote: false keeps
 * the local doc to the client's own edits only).
 */
export interface SyncClientOptions {
  /** ws://HOST:PORT (the /yjs/<roomId> path is added). */
  wsUrl: string;
  roomId: string;
  /** Ask for type-100 saved acks (?ack=1). */
  ack?: boolean;
  /** Session token, sent as the session cookie. */
  cookie?: string;
  /** Room token, sent as ?token=. */
  token?: string;
  doc?: Y.Doc;
  /** Apply what the server sends to the local doc (default true). */
  applyRemote?: boolean;
  /** Extra request headers (e.g. Origin). */
  headers?: Record<string, string>;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

const LOCAL = Symbol('local');

export class SyncClient {
  readonly doc: Y.Doc;
  readonly ws: WebSocket;
  /** Resolves when the server's sync step 2 (the room's content) has arrived. */
  readonly synced: Promise<void>;
  /** Resolves when the socket closes, with the code and reason. */
  readonly closed: Promise<CloseInfo>;
  readonly opened: Promise<void>;
  /** The last saved ack: the state vector the server says is committed in Postgres. */
  savedSv = new Map<number, number>();
  acks = 0;
  closeInfo: CloseInfo | null = null;
  /** Called with every update the server sends (step 2 and incremental updates). */
  onRemoteUpdate: ((update: Uint8Array) => void) | null = null;
  onAck: ((sv: Map<number, number>) => void) | null = null;
  private readonly applyRemote: boolean;
  private resolveSynced!: () => void;

  constructor(opts: SyncClientOptions) {
    this.doc = opts.doc ?? new Y.Doc();
    this.applyRemote = opts.applyRemote ?? true;
    const params = new URLSearchParams();
    if (opts.ack) params.set('ack', '1');
    if (opts.token) params.set('token', opts.token);
    const qs = params.toString();
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.cookie) headers.cookie = `menteo_session=${opts.cookie}`;
    this.ws = new WebSocket(`${opts.wsUrl}/yjs/${opts.roomId}${qs ? `?${qs}` : ''}`, { headers, perMessageDeflate: false });
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('close', (code) => reject(new Error(`closed before open: ${code}`)));
    });
    // Unhandled rejections would fail the test run; callers who care await `opened` themselves.
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
    this.ws.on('error', () => {
      // The 'close' event follows every error and carries what tests assert on.
    });
    this.ws.on('open', () => {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MessageType.Sync);
      syncProtocol.writeSyncStep1(enc, this.doc);
      this.sendRaw(encoding.toUint8Array(enc));
    });
    this.ws.on('message', (data: Buffer) => this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === LOCAL) this.sendUpdate(update);
    });
  }

  /** Runs fn in a transaction and sends the resulting update; returns this client's clock after it. */
  edit(fn: (doc: Y.Doc) => void): number {
    this.doc.transact(() => fn(this.doc), LOCAL);
    return Y.getState(this.doc.store, this.doc.clientID);
  }

  /** True when every edit up to this client's clock `clock` is committed. */
  isSaved(clock: number): boolean {
    return (this.savedSv.get(this.doc.clientID) ?? 0) >= clock;
  }

  sendUpdate(update: Uint8Array): void {
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MessageType.Sync);
    syncProtocol.writeUpdate(enc, update);
    this.sendRaw(encoding.toUint8Array(enc));
  }

  sendRaw(frame: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }

  /** Hard drop without a close handshake (a crashed browser tab). */
  terminate(): void {
    this.ws.terminate();
  }

  private onMessage(bytes: Uint8Array): void {
    const dec = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(dec);
    switch (type) {
      case MessageType.Sync: {
        const sub = decoding.readVarUint(dec);
        if (sub === syncProtocol.messageYjsSyncStep1) {
          const sv = decoding.readVarUint8Array(dec);
          const enc = encoding.createEncoder();
          encoding.writeVarUint(enc, MessageType.Sync);
          syncProtocol.writeSyncStep2(enc, this.doc, sv);
          this.sendRaw(encoding.toUint8Array(enc));
        } else if (sub === syncProtocol.messageYjsSyncStep2 || sub === syncProtocol.messageYjsUpdate) {
          const update = decoding.readVarUint8Array(dec);
          if (this.applyRemote) Y.applyUpdate(this.doc, update, this);
          this.onRemoteUpdate?.(update);
          if (sub === syncProtocol.messageYjsSyncStep2) this.resolveSynced();
        }
        return;
      }
      case MessageType.SavedAck: {
        this.savedSv = Y.decodeStateVector(decoding.readVarUint8Array(dec));
        this.acks++;
        this.onAck?.(this.savedSv);
        return;
      }
      default:
        // Awareness (1), auth (2) and queryAwareness (3) carry nothing these clients track.
        return;
    }
  }
}

/** Resolves when pred() holds, polling every `everyMs`; rejects after timeoutMs with `what`. */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 10_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
