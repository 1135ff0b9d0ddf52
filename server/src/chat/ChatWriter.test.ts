import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { ChatMessageCommitted, ChatMessageInput } from '@menteo/db';
import { ChatWriterFull, createChatWriter } from './ChatWriter.ts';

const logger = pino({ level: 'silent' });

/** A fake database: batches recorded, each INSERT held until released (or failed). */
function fakeDb() {
  const batches: ChatMessageInput[][] = [];
  const held: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  let id = 0;
  const insert = (rows: ChatMessageInput[]) => {
    batches.push(rows);
    return new Promise<ChatMessageCommitted[]>((resolve, reject) => {
      held.push({
        resolve: () => resolve(rows.map(() => ({ id: ++id, createdAt: new Date(), meetingId: null }))),
        reject,
      });
    });
  };
  return { batches, held, insert };
}

const msg = (body: string): ChatMessageInput => ({ roomId: 'r', authorId: 'u', body });
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('ChatWriter', () => {
  it('groups the messages of one window into one INSERT and resolves each only after the commit', async () => {
    const db = fakeDb();
    const writer = createChatWriter({ insert: db.insert, commitWindowMs: 5, maxPending: 100, logger });
    let done = 0;
    const writes = ['a', 'b', 'c'].map((b) => writer.write(msg(b)).then((r) => (done++, r)));
    await tick(20);
    expect(db.batches.map((b) => b.map((m) => m.body))).toEqual([['a', 'b', 'c']]);
    expect(done).toBe(0);
    db.held[0]!.resolve();
    const rows = await Promise.all(writes);
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('sends at once to an idle database; the window gathers only while an INSERT runs', async () => {
    const db = fakeDb();
    const writer = createChatWriter({ insert: db.insert, commitWindowMs: 10_000, maxPending: 100, logger });
    const first = writer.write(msg('a'));
    await tick(20);
    expect(db.batches.map((b) => b.map((m) => m.body))).toEqual([['a']]);
    // Another room: a second INSERT is free, but one runs, so it waits for the window…
    const other = writer.write({ ...msg('b'), roomId: 'r2' });
    await tick(20);
    expect(db.batches).toHaveLength(1);
    // …or for the running INSERT to answer, whichever is first.
    db.held[0]!.resolve();
    await first;
    await tick(5);
    expect(db.batches[1]!.map((m) => m.body)).toEqual(['b']);
    db.held[1]!.resolve();
    expect((await other).id).toBe(2);
  });

  it('holds a room’s later messages until its INSERT answers, then sends them in order', async () => {
    const db = fakeDb();
    const writer = createChatWriter({ insert: db.insert, commitWindowMs: 1, maxPending: 100, logger });
    const first = writer.write(msg('a'));
    await tick(10);
    const later = [writer.write(msg('b')), writer.write(msg('c'))];
    await tick(10);
    expect(db.batches).toHaveLength(1);
    db.held[0]!.resolve();
    await first;
    await tick(5);
    expect(db.batches[1]!.map((m) => m.body)).toEqual(['b', 'c']);
    db.held[1]!.resolve();
    expect((await Promise.all(later)).map((r) => r.id)).toEqual([2, 3]);
  });

  it('writes another room’s messages in a second INSERT meanwhile', async () => {
    const db = fakeDb();
    const writer = createChatWriter({ insert: db.insert, commitWindowMs: 1, maxPending: 100, logger });
    const a = writer.write(msg('a'));
    await tick(10);
    const b = writer.write({ roomId: 'other', authorId: 'u', body: 'b' });
    const a2 = writer.write(msg('a2'));
    await tick(10);
    // Room r's second message waits for its first; room other's goes at once.
    expect(db.batches.map((batch) => batch.map((m) => m.body))).toEqual([['a'], ['b']]);
    db.held[1]!.resolve();
    await b;
    db.held[0]!.resolve();
    await a;
    await tick(10);
    expect(db.batches[2]!.map((m) => m.body)).toEqual(['a2']);
    db.held[2]!.resolve();
    await a2;
  });

  it('retries a failed batch ahead of newer messages, and the senders wait rather than fail', async () => {
    const db = fakeDb();
    const writer = createChatWriter({ insert: db.insert, commitWindowMs: 1, maxPending: 100, logger });
    const a = writer.write(msg('a'));
    await tick(10);
    db.held[0]!.reject(new Error('connection refused'));
    await tick(1);
    expect(writer.isHealthy()).toBe(false);
    const b = writer.write(msg('b'));
    await new Promise<void>((resolve) => {
      const poll = () => (db.batches.length >= 2 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    expect(db.batches[1]!.map((m) => m.body)).toEqual(['a', 'b']);
    db.held[1]!.resolve();
    expect((await Promise.all([a, b])).map((r) => r.id)).toEqual([1, 2]);
    expect(writer.isHealthy()).toBe(true);
  });

  it('refuses new messages at the bound, and close() rejects what never reached an INSERT', async () => {
    const db = fakeDb();
    const writer = createChatWriter({ insert: db.insert, commitWindowMs: 1, maxPending: 2, logger });
    const a = writer.write(msg('a'));
    await tick(10); // a is in an INSERT that does not answer yet
    const b = writer.write(msg('b'));
    await expect(writer.write(msg('c'))).rejects.toBeInstanceOf(ChatWriterFull);
    const bOutcome = b.then(
      () => 'sent',
      (e: Error) => e.message,
    );
    await writer.close(20);
    // b was only queued: its sender is told it failed, never that it was sent.
    expect(await bOutcome).toMatch(/shutting down/);
    // a's INSERT may still commit; it resolves when it does.
    db.held[0]!.resolve();
    expect((await a).id).toBe(1);
    await expect(writer.write(msg('d'))).rejects.toThrow(/closed/);
  });
});
