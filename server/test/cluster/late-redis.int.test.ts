import { afterAll, describe, expect, it } from 'vitest';
import { io as connectIo, type Socket } from 'socket.io-client';
import { pino } from 'pino';
import type { ClientToServerEvents, PresenceMember, ServerToClientEvents } from '@menteo/protocol';
import { RedisBus } from '../../src/bus/RedisBus.ts';
import { createTestDb, startTestServer, type TestDb, type TestServer } from '../harness.ts';
import { startRedisInstance, type RedisInstance } from '../redis-instance.ts';
import { createTestRoom, waitFor } from '../realtime/clients.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('two nodes started while Redis is down', () => {
  let redis: RedisInstance;
  let db: TestDb;
  const nodes: TestServer[] = [];
  const buses: RedisBus[] = [];
  const sockets: Socket[] = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const n of nodes) await n.close();
    for (const b of buses) await b.close();
    await db?.destroy();
    await redis?.destroy();
    process.off('unhandledRejection', onRejection);
  });

  it('serve presence across nodes once Redis comes up, and shut down cleanly, with no unhandled rejection', async () => {
    process.on('unhandledRejection', onRejection);
    redis = await startRedisInstance();
    await redis.stop();
    db = await createTestDb('postgres');
    for (const nodeId of ['late-a', 'late-b']) {
      const bus = new RedisBus({ url: redis.url, logger });
      await bus.start(0);
      buses.push(bus);
      nodes.push(await startTestServer({ db: db.handle, bus, config: { nodeId } }));
    }
    // Long enough for several failed connection attempts of every client.
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    await waitFor(() => buses.every((b) => b.isReady()), 'the buses to connect');

    const { roomId, mentor, mentee } = await createTestRoom(db.handle.db);
    const rosters: PresenceMember[][] = [];
    for (const [i, user] of [mentor, mentee].entries()) {
      const s: Socket<ServerToClientEvents, ClientToServerEvents> = connectIo(nodes[i]!.url, {
        transports: ['websocket'],
        extraHeaders: { cookie: user.cookie },
        reconnection: false,
      });
      sockets.push(s);
      s.on('presence:roster', (r) => {
        if (i === 0) rosters.push(r.members);
      });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      expect(await s.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
    }
    await waitFor(() => rosters.at(-1)?.length === 2, 'the mentor to see the mentee on the other node', 8000);

    await redis.stop();
    for (const n of nodes.splice(0)) await n.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(rejections).toEqual([]);
  });
});
