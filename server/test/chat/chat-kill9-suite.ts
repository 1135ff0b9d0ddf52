import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@menteo/protocol';
import { createTestDatabase } from '../postgres.ts';
import { startNodeProcess, type NodeProcess } from '../process.ts';
import { provisionRoom } from '../provision.ts';
import { waitFor } from '../realtime/clients.ts';
import { allMessages, chatClient, type ChatClient } from './chat-clients.ts';

interface Store {
  env: { databaseUrl: string | null; dataDir?: string };
  destroy(): Promise<void>;
}

async function createStore(backend: 'postgres' | 'pglite'): Promise<Store> {
  if (backend === 'postgres') {
    const pg = await createTestDatabase();
    return { env: { databaseUrl: pg.url }, destroy: () => pg.drop() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-chat-kill9-'));
  return { env: { databaseUrl: null, dataDir: dir }, destroy: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Durability is the point here, not the flood limit. */
const ENV = { CHAT_BURST: '10000', CHAT_PER_MINUTE: '60000' };

/**
 * Issue 15 item 5: every chat message shown as sent (acked) survives kill -9 of the node.
 * A real server process; two members send a message every few ms; the node is killed with
 * SIGKILL mid-stream; a new node on the same database lists every acked message.
 */
export function chatKill9Suite(backend: 'postgres' | 'pglite'): void {
  describe(`chat on a node on ${backend} killed with -9`, () => {
    let store: Store;
    const nodes: NodeProcess[] = [];
    const clients: ChatClient[] = [];

    beforeAll(async () => {
      store = await createStore(backend);
    });
    afterAll(async () => {
      for (const c of clients) c.socket.disconnect();
      for (const n of nodes) await n.kill9();
      await store?.destroy();
    });

    it('keeps every message it acked', { timeout: 120_000 }, async () => {
      const first = await startNodeProcess({ ...store.env, nodeId: `chat-kill9-${backend}-a`, env: ENV });
      nodes.push(first);
      const room = await provisionRoom(first.url, store.env.databaseUrl);
      const cookie = (session: string) => `${SESSION_COOKIE}=${session}`;
      const senders = [room.mentor, room.mentee].map((m) => chatClient(first.url, cookie(m.session)));
      clients.push(...senders);
      for (const s of senders) {
        await s.connected();
        expect(await s.join(room.roomId)).toEqual({ ok: true });
      }
      const acked = new Set<number>();
      let sent = 0;
      const timers = senders.map((s, k) =>
        setInterval(() => {
          if (!s.socket.connected) return;
          sent++;
          s.send(room.roomId, `${k}:${sent}`).then(
            (ack) => {
              if (ack.ok) acked.add(ack.message.id);
            },
            () => {},
          );
        }, 5),
      );
      await waitFor(() => acked.size >= 100, '100 acked messages', 60_000);
      await first.kill9();
      for (const t of timers) clearInterval(t);
      // The premise: messages were in flight when the node died.
      expect(sent).toBeGreaterThan(acked.size);

      const second = await startNodeProcess({ ...store.env, nodeId: `chat-kill9-${backend}-b`, env: ENV });
      nodes.push(second);
      const stored = new Set((await allMessages(second.url, cookie(room.mentee.session), room.roomId)).map((m) => m.id));
      const lost = [...acked].filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(acked.size);
    });
  });
}
