import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { YJS_PATH } from '@menteo/protocol';
import { parsePresence } from '@menteo/room-doc';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { connectClient, createTestRoom, waitFor, waitSynced } from './clients.ts';

/** What a browser member sees of the others: the validated presence states in its awareness. */
const seenUsers = (provider: WebsocketProvider): string[] =>
  [...provider.awareness.getStates()]
    .filter(([id]) => id !== provider.awareness.clientID)
    .map(([, s]) => parsePresence(s)?.user.userId ?? null)
    .filter((u): u is string => u !== null);

describe('presence of y-websocket clients', () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDb('pglite');
    server = await startTestServer({ db: db.handle });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('shows a stock y-websocket client as its authenticated member, whatever user its state claims', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const browser = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
    // A stock client, publishing what y-websocket's demos publish: a name and a colour, no Menteo user.
    const stock = connectClient(server.wsUrl, roomId, { cookie: mentee.cookie });
    try {
      await Promise.all([waitSynced(browser), waitSynced(stock)]);
      stock.provider.awareness.setLocalStateField('user', { name: 'A script', color: '#123456' });
      await waitFor(() => seenUsers(browser.provider).includes(mentee.id), 'the stock client in the browser awareness');
      const state = [...browser.provider.awareness.getStates().values()].find((s) => parsePresence(s)?.user.userId === mentee.id);
      expect(parsePresence(state)?.user).toMatchObject({ userId: mentee.id, name: 'mentee', role: 'mentee' });

      // Claiming to be the mentor does not work: the state names its real sender.
      stock.provider.awareness.setLocalState({ user: { userId: mentor.id, name: 'Not me', role: 'mentor' } });
      await waitFor(
        () => [...browser.provider.awareness.getStates().values()].some((s) => (s as { user?: { name?: string } }).user?.name === 'mentee'),
        'the claim replaced by the real identity',
      );
      expect(seenUsers(browser.provider).filter((u) => u === mentor.id)).toEqual([]);
    } finally {
      stock.destroy();
      browser.destroy();
    }
  });

  /** A member whose socket goes silent after they are present; `pongs`: its network stack still answers pings. */
  async function silentMemberGoesAway(pongs: boolean): Promise<number> {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const browser = connectClient(server.wsUrl, roomId, { cookie: mentor.cookie });
    const sockets: WebSocket[] = [];
    const Silent = class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie: mentee.cookie }, autoPong: pongs });
        sockets.push(this);
      }
    };
    const doc = new Y.Doc();
    const dropped = new WebsocketProvider(`${server.wsUrl}${YJS_PATH}`, roomId, doc, {
      WebSocketPolyfill: Silent as never,
      disableBc: true,
    });
    try {
      await waitSynced(browser);
      await waitFor(() => dropped.synced, 'the member synced');
      dropped.awareness.setLocalStateField('user', { name: 'Eli' });
      await waitFor(() => seenUsers(browser.provider).includes(mentee.id), 'the member present');
      // Let the server see it answer heartbeat queries two ticks in a row, as a live page does.
      await new Promise((r) => setTimeout(r, 6500));
      // From here on nothing the client writes reaches the server (no close frame either).
      dropped.shouldConnect = false;
      for (const ws of sockets) {
        ws.send = () => {};
        ws.close = () => {};
        if (!pongs) ws.pong = () => {};
      }
      const started = Date.now();
      await waitFor(() => !seenUsers(browser.provider).includes(mentee.id), 'the member gone', 8000);
      return Date.now() - started;
    } finally {
      dropped.destroy();
      doc.destroy();
      browser.destroy();
    }
  }

  it('drops a member whose network died (no pong, no message, no close) within 5 s', async () => {
    // Heartbeat every 2 s: at most two intervals, plus timer slack on a loaded machine.
    expect(await silentMemberGoesAway(false)).toBeLessThan(5500);
  });

  it('drops a member whose page went silent though its network stack still answers pings (a browser offline)', async () => {
    expect(await silentMemberGoesAway(true)).toBeLessThan(5500);
  });
  it('probes only a socket that has gone quiet: one that keeps sending gets no pings or queries', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const open = (cookie: string) =>
      new Promise<{ ws: WebSocket; probes: () => number }>((resolve, reject) => {
        const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/${roomId}`, { headers: { cookie } });
        let probes = 0;
        ws.on('ping', () => probes++);
        ws.on('message', (data: Buffer) => {
          if (data[0] === 3) probes++; // query awareness
        });
        ws.once('open', () => resolve({ ws, probes: () => probes }));
        ws.once('error', reject);
      });
    const busy = await open(mentor.cookie);
    const quiet = await open(mentee.cookie);
    // Sync step 1 with an empty state vector, every 300 ms: what a typing member's edits are to the heartbeat.
    const talk = setInterval(() => busy.ws.send(Uint8Array.of(0, 0, 1, 0)), 300);
    try {
      await new Promise((r) => setTimeout(r, 5000));
      expect(busy.probes()).toBe(0);
      // The quiet one is probed about every 2 s (a probe, an answer by pong, a tick with no probe) and stays connected.
      expect(quiet.probes()).toBeGreaterThanOrEqual(2);
      expect(quiet.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(talk);
      busy.ws.close();
      quiet.ws.close();
    }
  });
});
