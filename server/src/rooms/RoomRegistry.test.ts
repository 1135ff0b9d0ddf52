import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { CloseCode } from '@menteo/protocol';
import { TEXT_LIMITS } from '@menteo/room-doc';
import { createLogger } from '../logger.ts';
import type { DocLink, DocPeer, Fanout } from '../bus/Fanout.ts';
import { createUpdateLog } from '../persistence/UpdateLog.ts';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { MessageType } from '@menteo/protocol';
import { encodeAwareness, encodeSyncUpdate } from './messages.ts';
import type { RoomSocket } from './Connection.ts';
import { RoomRegistry, type RoomStore } from './RoomRegistry.ts';

/** In-memory stand-ins for Postgres and the bus; the registry only sees their interfaces. */
function setup(opts: { loadDelayMs?: number; roomIdleMs?: number } = {}) {
  const stored = new Map<string, Uint8Array[]>();
  const published: Uint8Array[] = [];
  const counts = { loads: 0, joins: 0, leaves: 0, compactions: 0 };
  const store: RoomStore = {
    async load(docName) {
      counts.loads++;
      await new Promise((r) => setTimeout(r, opts.loadDelayMs ?? 0));
      const parts = stored.get(docName) ?? [];
      return { parts: [...parts], tailLength: parts.length };
    },
    async compact(docName, inMemory) {
      counts.compactions++;
      const parts = stored.get(docName) ?? [];
      stored.set(docName, [Y.mergeUpdates([...parts, inMemory])]);
      return { folded: parts.length, state: stored.get(docName)![0]! };
    },
  };
  const fanout: Fanout = {
    async join(_docName: string, _peer: DocPeer): Promise<DocLink> {
      counts.joins++;
      return {
        publishUpdate(update) {
          published.push(update);
        },
        publishAwareness() {},
        requestSync() {},
        leave: async () => {
          counts.leaves++;
        },
      };
    },
    close: async () => {},
  };
  const logger = createLogger('silent');
  const log = createUpdateLog({
    async write(rows) {
      for (const r of rows) stored.set(r.roomId, [...(stored.get(r.roomId) ?? []), r.data]);
    },
    commitWindowMs: 1,
    maxPending: 10_000,
    observer: { batch: () => {}, queueDepth: () => {} },
    logger,
  });
  const registry = new RoomRegistry({
    fanout,
    store,
    log,
    limits: { maxDocBytes: 1 << 20, maxUpdatesPerSecond: 1000 },
    compactAfterUpdates: 50,
    roomIdleMs: opts.roomIdleMs ?? 0,
    observer: { roomsLoaded: () => {}, connections: () => {}, update: () => {}, breach: () => {}, compaction: () => {} },
    logger,
  });
  return { registry, stored, counts, log, published };
}

function fakeSocket(): RoomSocket & { sent: Uint8Array[]; closedWith: number | null } {
  return {
    sent: [],
    closedWith: null,
    send(data) {
      this.sent.push(data);
    },
    close(code) {
      this.closedWith = code;
    },
  };
}

const info = (userId = 'u1') => ({ userId, roomId: 'room', wantsAck: false });

/** A room with two members: `writer` (socket a) edits, socket `b` (greetings cleared) watches. */
async function twoMembers() {
  const ctx = setup({ roomIdleMs: 60_000 });
  const [a, b] = [fakeSocket(), fakeSocket()];
  const writer = await ctx.registry.join('doc', a, info('a'));
  await ctx.registry.join('doc', b, info('b'));
  b.sent.length = 0;
  return { ...ctx, writer, b };
}

/** The text of `t` after applying `parts` in order to a fresh doc. */
function replay(parts: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const part of parts) Y.applyUpdate(doc, part);
  return doc.getText('t').toString();
}

/** The update carried by a sync-update frame the room sent (type 0, sync 2, then the payload). */
const payloadOf = (frame: Uint8Array) => {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
  return decoding.readVarUint8Array(decoder);
};

function editFrame(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return encodeSyncUpdate(Y.encodeStateAsUpdate(doc));
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function gcNow(): () => void {
  // reason: --expose-gc cannot be passed to vitest workers from here; the flag can be set at runtime.
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe('RoomRegistry', () => {
  it('loads a doc once however many join at the same moment', async () => {
    const { registry, counts } = setup({ loadDelayMs: 20 });
    const conns = await Promise.all(Array.from({ length: 50 }, () => registry.join('doc', fakeSocket(), info())));
    expect(counts.loads).toBe(1);
    expect(counts.joins).toBe(1);
    expect(registry.peek('doc')?.connections.size).toBe(50);
    for (const c of conns) registry.leave(c);
    await until(() => registry.size === 0, 'unload');
    expect(counts.leaves).toBe(1);
  });

  it('gives a join that arrives while the room unloads a live room, not a dead one', async () => {
    const { registry, counts } = setup({ roomIdleMs: 0 });
    const first = await registry.join('doc', fakeSocket(), info());
    registry.handleMessage(first, editFrame('kept'));
    registry.leave(first);
    // The unload now waits for the log flush; join in that window.
    await new Promise((r) => setTimeout(r, 0));
    const second = await registry.join('doc', fakeSocket(), info());
    const room = registry.peek('doc');
    expect(room?.doc.getText('t').toString()).toBe('kept');
    await new Promise((r) => setTimeout(r, 30));
    expect(registry.peek('doc')).toBe(room);
    expect(room?.connections.has(second)).toBe(true);
    registry.leave(second);
    await until(() => registry.size === 0, 'unload');
    const third = await registry.join('doc', fakeSocket(), info());
    expect(registry.peek('doc')?.doc.getText('t').toString()).toBe('kept');
    registry.leave(third);
    await until(() => registry.size === 0 && counts.leaves === counts.joins, 'unload again');
  });

  it('leaks no rooms, timers, listeners or memory over thousands of join/leave cycles', async () => {
    const { registry, counts } = setup({ roomIdleMs: 0 });
    const gc = gcNow();
    const one = async (docName: string, i: number) => {
      const a = await registry.join(docName, fakeSocket(), info('a'));
      const b = await registry.join(docName, fakeSocket(), info('b'));
      registry.handleMessage(a, editFrame(`e${i}`));
      registry.leave(a);
      registry.leave(b);
    };
    // 40 docs in parallel per round; each doc joins, edits and leaves, often while it unloads.
    const cycle = async (n: number) => {
      for (let i = 0; i < n; i += 40) {
        await Promise.all(Array.from({ length: 40 }, (_, d) => one(`doc-${d}`, i + d)));
        if (i % 400 === 0) await until(() => registry.size === 0, 'rooms unloaded');
      }
      await until(() => registry.size === 0, 'rooms unloaded');
    };
    await cycle(500);
    gc();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const heapBefore = process.memoryUsage().heapUsed;
    await cycle(2000);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(registry.size).toBe(0);
    expect(registry.connections).toBe(0);
    expect(counts.leaves).toBe(counts.joins);
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    // 2,000 cycles of Y.Doc + Awareness + connections; a leak of even one doc per cycle would be megabytes.
    expect(heapAfter - heapBefore).toBeLessThan(4 * 1024 * 1024);
  }, 120_000);

  it('keeps no finished transaction in the list Yjs leaves behind (it would be promoted to the old generation)', async () => {
    const { registry } = setup({ roomIdleMs: 60_000 });
    const conn = await registry.join('doc', fakeSocket(), info());
    const doc = registry.peek('doc')!.doc;
    const lists: Y.Transaction[][] = [];
    doc.on('afterAllTransactions', (_d: Y.Doc, transactions: Y.Transaction[]) => {
      // Other listeners still see the transaction.
      expect(transactions).toHaveLength(1);
      lists.push(transactions);
    });
    registry.handleMessage(conn, editFrame('one'));
    registry.handleMessage(conn, editFrame('two'));
    expect(lists).toHaveLength(2);
    await Promise.resolve();
    expect(lists.map((l) => l.length)).toEqual([0, 0]);
    expect(doc.getText('t').toString()).toContain('one');
    await registry.close(CloseCode.TryAgainLater);
  });

  it('passes on the bytes a client sent, as sent: to the other members, the log and the bus', async () => {
    const { registry, stored, published, log, writer, b } = await twoMembers();
    const client = new Y.Doc();
    client.getText('t').insert(0, 'hello');
    const update = Y.encodeStateAsUpdate(client);
    registry.handleMessage(writer, encodeSyncUpdate(update));
    expect(b.sent.map(payloadOf)).toEqual([update]);
    expect(published).toEqual([update]);
    await log.flush('doc');
    expect(stored.get('doc')).toEqual([update]);
    // Sent again, it changes nothing and goes nowhere.
    registry.handleMessage(writer, encodeSyncUpdate(update));
    expect(b.sent).toHaveLength(1);
    expect(published).toHaveLength(1);
    await registry.close(CloseCode.TryAgainLater);
  });

  it('acks a client whose edit arrived through its peer (a failover re-send) once it commits', async () => {
    const ctx = setup({ roomIdleMs: 60_000 });
    const [a, b] = [fakeSocket(), fakeSocket()];
    const acking = (userId: string) => ({ userId, roomId: 'room', wantsAck: true });
    const connA = await ctx.registry.join('doc', a, acking('a'));
    const connB = await ctx.registry.join('doc', b, acking('b'));
    // a's own doc: its awareness tells the room which client id is a's.
    const aDoc = new Y.Doc();
    const aware = new Awareness(aDoc);
    aware.setLocalState({ user: 'a' });
    ctx.registry.handleMessage(connA, encodeAwareness(encodeAwarenessUpdate(aware, [aDoc.clientID])));
    aware.destroy();
    a.sent.length = 0;
    // a's edit, re-sent by b (who had it from the dead node) before a itself re-sends it.
    aDoc.getText('t').insert(0, 'typed by a');
    ctx.registry.handleMessage(connB, encodeSyncUpdate(Y.encodeStateAsUpdate(aDoc)));
    await ctx.log.flush('doc');
    const acks = a.sent.filter((f) => decoding.readVarUint(decoding.createDecoder(f)) === MessageType.SavedAck);
    expect(acks.length).toBeGreaterThan(0);
    const last = decoding.createDecoder(acks.at(-1)!);
    decoding.readVarUint(last);
    expect(Y.decodeStateVector(decoding.readVarUint8Array(last)).get(aDoc.clientID)).toBe(10);
    await ctx.registry.close(CloseCode.TryAgainLater);
  });

  it('passes on an update that waited for a missing one, with it, once that one arrives', async () => {
    const { registry, stored, published, log, writer, b } = await twoMembers();
    const client = new Y.Doc();
    const updates: Uint8Array[] = [];
    client.on('update', (u: Uint8Array) => updates.push(u));
    client.getText('t').insert(0, 'first ');
    client.getText('t').insert(6, 'second');
    // The second arrives first (a reordering relay): it cannot be integrated yet.
    registry.handleMessage(writer, encodeSyncUpdate(updates[1]!));
    expect(b.sent).toHaveLength(0);
    registry.handleMessage(writer, encodeSyncUpdate(updates[0]!));
    expect(registry.peek('doc')!.doc.getText('t').toString()).toBe('first second');
    expect(replay(b.sent.map(payloadOf))).toBe('first second');
    expect(replay(published)).toBe('first second');
    await log.flush('doc');
    expect(replay(stored.get('doc')!)).toBe('first second');
    await registry.close(CloseCode.TryAgainLater);
  });

  it('never passes on a client’s other version of structs the room already has', async () => {
    const { registry, stored, published, log, writer, b } = await twoMembers();
    const author = new Y.Doc();
    author.getText('t').insert(0, 'original');
    registry.handleMessage(writer, encodeSyncUpdate(Y.encodeStateAsUpdate(author)));
    // Someone else reuses the author's client id: the same clocks with other text, then one new character.
    const forger = new Y.Doc();
    forger.clientID = author.clientID;
    forger.getText('t').insert(0, 'FORGED!!');
    forger.getText('t').insert(8, 'X');
    b.sent.length = 0;
    registry.handleMessage(writer, encodeSyncUpdate(Y.encodeStateAsUpdate(forger)));
    expect(registry.peek('doc')!.doc.getText('t').toString()).toBe('originalX');
    const passedOn = [b.sent.map(payloadOf).at(-1)!, published.at(-1)!];
    await log.flush('doc');
    passedOn.push(stored.get('doc')!.at(-1)!);
    for (const update of passedOn) {
      // Applied where the original arrived later, or never: the forged text must not be in it.
      const elsewhere = new Y.Doc();
      Y.applyUpdate(elsewhere, update);
      Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(author));
      expect(elsewhere.getText('t').toString()).toBe('originalX');
    }
    await registry.close(CloseCode.TryAgainLater);
  });

  it('refuses with 4400 an update that writes a goal title past its limit, and passes nothing on', async () => {
    const { registry, published, writer, b } = await twoMembers();
    const client = new Y.Doc();
    const goal = new Y.Map<unknown>();
    client.getMap('goals').set('g1', goal);
    goal.set('title', new Y.Text('x'.repeat(TEXT_LIMITS.title + 1)));
    registry.handleMessage(writer, encodeSyncUpdate(Y.encodeStateAsUpdate(client)));
    expect((writer.socket as ReturnType<typeof fakeSocket>).closedWith).toBe(CloseCode.BadMessage);
    expect(b.sent).toEqual([]);
    expect(published).toEqual([]);
    await registry.close(CloseCode.TryAgainLater);
  });

  it('closes every connection with the given code on close and refuses later joins', async () => {
    const { registry } = setup({ roomIdleMs: 60_000 });
    const sockets = [fakeSocket(), fakeSocket()];
    for (const s of sockets) await registry.join('doc', s, info());
    await registry.close(CloseCode.TryAgainLater);
    expect(sockets.map((s) => s.closedWith)).toEqual([CloseCode.TryAgainLater, CloseCode.TryAgainLater]);
    expect(registry.size).toBe(0);
    await expect(registry.join('doc', fakeSocket(), info())).rejects.toThrow(/shutting down/);
  });
});
