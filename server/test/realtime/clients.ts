import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { WebsocketProvider } from 'y-websocket';
import { createRoom, createSession, createUser, schema, type Db } from '@menteo/db';
import { MessageType, SESSION_COOKIE, YJS_PATH } from '@menteo/protocol';
import { hashToken, newToken } from '../../src/auth/tokens.ts';

// Under Node, every y-websocket WebsocketProvider adds a process 'exit' listener (to clear
// its cursor) and removes it on destroy(). Tests that hold more than ten clients at once
// (the churn test) tripped Node's leak warning at 11; the listeners are not leaked.
process.setMaxListeners(Math.max(process.getMaxListeners(), 100));

/** A signed-in user as a y-websocket client sees them: a session cookie. */
export interface TestUser {
  id: string;
  cookie: string;
}

export async function createTestUser(db: Db, name: string): Promise<TestUser> {
  const user = await createUser(db, {
    email: `${name}-${newToken().slice(0, 10)}@example.test`,
    displayName: name,
    passwordHash: 'not-a-real-hash',
  });
  if (!user) throw new Error('user not created');
  const token = newToken();
  await createSession(db, { tokenHash: hashToken(token), userId: user.id, expiresAt: new Date(Date.now() + 86_400_000) });
  return { id: user.id, cookie: `${SESSION_COOKIE}=${token}` };
}

/** A room with a mentor and a mentee, both signed in. */
export async function createTestRoom(db: Db): Promise<{ roomId: string; mentor: TestUser; mentee: TestUser }> {
  const mentor = await createTestUser(db, 'mentor');
  const mentee = await createTestUser(db, 'mentee');
  const room = await createRoom(db, { title: 'Room', createdBy: mentor.id });
  await db.insert(schema.roomMembers).values({ roomId: room.id, userId: mentee.id, role: 'mentee' });
  return { roomId: room.id, mentor, mentee };
}

/** A `ws` WebSocket class that sends the given headers (y-websocket takes a class, not options). */
export function wsWithHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

export interface TestClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Latest state vector the server acked (type 100), as a Map; empty before the first ack. */
  acked: Map<number, number>;
  /** How many type-100 frames arrived (stock clients must stay at 0). */
  ackFrames: number;
  /** Close events the client saw, in order. */
  closes: number[];
  destroy(): void;
}

export function connectClient(
  wsUrl: string,
  docName: string,
  opts: { cookie?: string; params?: Record<string, string>; ack?: boolean; doc?: Y.Doc; connect?: boolean } = {},
): TestClient {
  const doc = opts.doc ?? new Y.Doc();
  const params = { ...opts.params, ...(opts.ack ? { ack: '1' } : {}) };
  const provider = new WebsocketProvider(`${wsUrl}${YJS_PATH}`, docName, doc, {
    WebSocketPolyfill: wsWithHeaders(opts.cookie ? { cookie: opts.cookie } : {}) as never,
    params,
    disableBc: true,
    maxBackoffTime: 200,
    connect: opts.connect ?? true,
  });
  const client: TestClient = {
    doc,
    provider,
    acked: new Map(),
    ackFrames: 0,
    closes: [],
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
  // Stock y-websocket ignores unknown types with console.error; an ack client registers 100.
  if (opts.ack) {
    provider.messageHandlers[MessageType.SavedAck] = (_encoder, decoder) => {
      client.ackFrames++;
      client.acked = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
    };
  } else {
    provider.messageHandlers[MessageType.SavedAck] = () => {
      client.ackFrames++;
    };
  }
  provider.on('connection-close', (event) => {
    if (event) client.closes.push(event.code);
  });
  return client;
}

/** Resolves when `check()` holds, polling; rejects after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** waitFor with an asynchronous check (e.g. a database query). */
export async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Drops the client's socket without a close handshake (a crashed tab) and keeps it from reconnecting. */
export function cutSocket(c: TestClient): void {
  (c.provider.ws as unknown as { terminate(): void }).terminate();
  c.provider.shouldConnect = false;
}

export const waitSynced = (c: TestClient, what = 'sync') => waitFor(() => c.provider.synced, what);

/** True when every clock of the client's own clientID is covered by the server's acks. */
export const isSaved = (c: TestClient): boolean =>
  (c.acked.get(c.doc.clientID) ?? 0) >= (Y.decodeStateVector(Y.encodeStateVector(c.doc)).get(c.doc.clientID) ?? 0);

/** A raw ws socket (for refusals and malformed frames); resolves with the close code. */
export function rawSocket(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', () => {
      // A refused upgrade surfaces as a close; errors here are part of what tests provoke.
    });
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('close', () => reject(new Error('closed before open')));
  });
  opened.catch(() => undefined);
  return { ws, closed, opened };
}
