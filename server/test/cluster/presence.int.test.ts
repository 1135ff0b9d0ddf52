import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as connectIo, type Socket } from 'socket.io-client';
import { pino } from 'pino';
import { CloseCode, type ClientToServerEvents, type PresenceMember, type RoomChange, type ServerToClientEvents } from '@menteo/protocol';
import { createRoom } from '@menteo/db';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { startRedisInstance, type RedisInstance } from '../redis-instance.ts';
import { createTestRoom, createTestUser, waitFor } from '../realtime/clients.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A socket.io client as the browser app makes it: WebSocket only, signed in by cookie. */
function sioClient(url: string, headers: Record<string, string>) {
  const socket: ClientSocket = connectIo(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: headers, reconnection: false });
  const state = { rosters: [] as PresenceMember[][], errors: [] as Array<{ roomId: string; code: number }>, changes: [] as RoomChange[] };
  socket.on('presence:roster', (r) => state.rosters.push(r.members));
  socket.on('room:changed', (c) => state.changes.push(c));
  socket.on('room:error', (e) => state.errors.push(e));
  const last = () => state.rosters.at(-1) ?? [];
  return { socket, state, last };
}

const connected = (s: ClientSocket) =>
  new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
const join = (s: ClientSocket, roomId: string) => s.emitWithAck('room:join', { roomId });

describe('socket.io across two nodes on one Redis', () => {
  let redis: RedisInstance;
  let db: TestDb;
  const nodes: TestServer[] = [];
  const buses: RedisBus[] = [];
  const sockets: ClientSocket[] = [];
  const client = (url: string, headers: Record<string, string>) => {
    const c = sioClient(url, headers);
    sockets.push(c.socket);
    return c;
  };

  beforeAll(async () => {
    redis = await startRedisInstance();
    db = await createTestDb('postgres');
    for (const nodeId of ['sio-a', 'sio-b']) {
      const bus = new RedisBus({ url: redis.url, logger });
      await bus.start(5000);
      buses.push(bus);
      nodes.push(await startTestServer({ db: db.handle, bus, config: { nodeId, redisUrl: redis.url } }));
    }
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    for (const b of buses) await b.close();
    await db?.destroy();
    await redis?.destroy();
  });

  it('shows the mentor and the mentee in both rosters when they are on different nodes', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.url, { cookie: mentor.cookie });
    const b = client(nodes[1]!.url, { cookie: mentee.cookie });
    await Promise.all([connected(a.socket), connected(b.socket)]);
    expect(await join(a.socket, roomId)).toEqual({ ok: true });
    expect(await join(b.socket, roomId)).toEqual({ ok: true });
    const both = (r: PresenceMember[]) => r.length === 2 && r.every((m) => m.connections === 1);
    await waitFor(() => both(a.last()) && both(b.last()), 'both rosters to list both members');
    expect(a.last().map((m) => [m.role, m.userId])).toEqual([
      ['mentor', mentor.id],
      ['mentee', mentee.id],
    ]);
    expect(a.last().find((m) => m.role === 'mentor')?.displayName).toBe('mentor');
  });

  it('tells the other member on another node once that the room was renamed, archived or lost its mentee', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.url, { cookie: mentor.cookie });
    const b = client(nodes[1]!.url, { cookie: mentee.cookie });
    await Promise.all([connected(a.socket), connected(b.socket)]);
    expect(await join(a.socket, roomId)).toEqual({ ok: true });
    expect(await join(b.socket, roomId)).toEqual({ ok: true });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${nodes[0]!.url}${path}`, {
        method,
        headers: { cookie: mentor.cookie, origin: nodes[0]!.url, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await call('PATCH', `/api/rooms/${roomId}`, { title: 'Renamed live' })).status).toBe(200);
    await waitFor(() => b.state.changes.length >= 1, 'the rename at the mentee');
    expect(b.state.changes[0]).toEqual({ roomId, change: 'renamed', title: 'Renamed live' });
    expect((await call('POST', `/api/rooms/${roomId}/archive`)).status).toBe(200);
    await waitFor(() => b.state.changes.length >= 2, 'the archiving at the mentee');
    expect(b.state.changes[1]).toEqual({ roomId, change: 'archived', archived: true });
    expect((await call('DELETE', `/api/rooms/${roomId}/members/${mentee.id}`)).status).toBeLessThan(300);
    await waitFor(() => a.state.changes.some((c) => c.change === 'member'), 'the removal at the mentor');
    expect(a.state.changes.find((c) => c.change === 'member')).toEqual({ roomId, change: 'member', userId: mentee.id, member: 'removed' });
    // One node sent each: nothing arrives twice.
    await new Promise((r) => setTimeout(r, 300));
    expect(b.state.changes.filter((c) => c.change === 'renamed')).toHaveLength(1);
    expect(a.state.changes.filter((c) => c.change === 'renamed')).toHaveLength(1);
  });

  it('counts a member’s second tab on another node as a second connection, and drops it on disconnect', async () => {
    const { roomId, mentor } = await createTestRoom(db.handle.db);
    const tab1 = client(nodes[0]!.url, { cookie: mentor.cookie });
    const tab2 = client(nodes[1]!.url, { cookie: mentor.cookie });
    await Promise.all([connected(tab1.socket), connected(tab2.socket)]);
    await join(tab1.socket, roomId);
    await join(tab2.socket, roomId);
    await waitFor(() => tab1.last()[0]?.connections === 2, 'two connections');
    tab2.socket.disconnect();
    await waitFor(() => tab1.last().length === 1 && tab1.last()[0]?.connections === 1, 'one connection after the other tab left');
  });

  it('removes a revoked member from the room and the roster on every node within a second', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.url, { cookie: mentor.cookie });
    const b = client(nodes[1]!.url, { cookie: mentee.cookie });
    await Promise.all([connected(a.socket), connected(b.socket)]);
    await join(a.socket, roomId);
    await join(b.socket, roomId);
    await waitFor(() => a.last().length === 2, 'both present');
    const revokedAt = Date.now();
    // Revoked on node A; the mentee's socket lives on node B.
    nodes[0]!.app.ctx.revocations.revoke({ roomId, userId: mentee.id });
    await waitFor(() => b.state.errors.length === 1, 'the mentee to be told', 1000);
    expect(b.state.errors[0]).toMatchObject({ roomId, code: CloseCode.Forbidden });
    await waitFor(() => a.last().length === 1 && a.last()[0]!.userId === mentor.id, 'the roster without the mentee', 1000);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('corrects the roster after a Redis outage during which a member left', async () => {
    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const a = client(nodes[0]!.url, { cookie: mentor.cookie });
    const b = client(nodes[1]!.url, { cookie: mentee.cookie });
    await Promise.all([connected(a.socket), connected(b.socket)]);
    await join(a.socket, roomId);
    await join(b.socket, roomId);
    await waitFor(() => a.last().length === 2, 'both present');
    await redis.stop();
    await waitFor(() => buses.every((bus) => !bus.isReady()), 'the nodes to notice the outage');
    b.socket.disconnect();
    await new Promise((r) => setTimeout(r, 500));
    expect(a.last()).toHaveLength(2); // nothing could tell node A meanwhile
    await redis.start();
    await waitFor(() => a.last().length === 1 && a.last()[0]!.userId === mentor.id, 'the roster without the mentee', 8000);
  });

  it('answers a malformed room:join with 4400 and bounds the rooms one connection may join', async () => {
    const user = await createTestUser(db.handle.db, 'busy');
    const s = client(nodes[0]!.url, { cookie: user.cookie });
    await connected(s.socket);
    expect(await join(s.socket, 'not-a-room-id')).toMatchObject({ ok: false, code: CloseCode.BadMessage });
    const rooms = [];
    for (let i = 0; i < 21; i++) {
      const room = await createRoom(db.handle.db, { title: `r${i}`, createdBy: user.id });
      rooms.push(room.id);
    }
    for (const id of rooms.slice(0, 20)) expect(await join(s.socket, id)).toEqual({ ok: true });
    expect(await join(s.socket, rooms[20]!)).toMatchObject({ ok: false, code: CloseCode.RateLimited });
    expect(await join(s.socket, rooms[0]!)).toEqual({ ok: true }); // re-joining one it holds is fine
  });

  it('refuses a non-member’s room:join with 4404', async () => {
    const { roomId } = await createTestRoom(db.handle.db);
    const stranger = await createTestUser(db.handle.db, 'stranger');
    const s = client(nodes[1]!.url, { cookie: stranger.cookie });
    await connected(s.socket);
    expect(await join(s.socket, roomId)).toMatchObject({ ok: false, code: CloseCode.NoSuchRoom });
  });

  it('refuses a connection without a session with 4401 and one from a foreign Origin with 4403', async () => {
    const anon = client(nodes[0]!.url, {});
    const err = await connected(anon.socket).then(
      () => null,
      (e: Error & { data?: { code: number } }) => e,
    );
    expect(err?.data?.code).toBe(CloseCode.Unauthenticated);

    const { mentor } = await createTestRoom(db.handle.db);
    const foreign = client(nodes[0]!.url, { cookie: mentor.cookie, origin: 'https://evil.example' });
    const err2 = await connected(foreign.socket).then(
      () => null,
      (e: Error & { data?: { code: number } }) => e,
    );
    expect(err2?.data?.code).toBe(CloseCode.Forbidden);
  });
});
