import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { appendRoomUpdates, loadRoomState, schema } from '@menteo/db';
import { BACKENDS, createTestDb, type TestDb } from '../harness.ts';

/**
 * The group commit's one INSERT: every row lands whole, in the order given, under its own
 * doc and author, whatever the bytes and names hold.
 */
describe.each(BACKENDS)('appendRoomUpdates on %s', (backend) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(backend);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('keeps order, bytes and doc of every row in a batch that interleaves docs', async () => {
    // Names that would break a naive list: commas, quotes, braces, backslashes, NULL.
    const docs = ['plain-doc', 'with,comma', 'with "quotes" and \\ and {braces}', 'NULL'];
    const rows = Array.from({ length: 400 }, (_, i) => ({
      roomId: docs[i % docs.length]!,
      // Varied lengths, including empty and bytes that look like text separators.
      data: Uint8Array.from({ length: i % 7 === 0 ? 0 : (i * 37) % 300 }, (_, j) => (i * 31 + j * 7) % 256),
      authorId: i % 3 === 0 ? null : '6f1e3c8a-1d2b-4c5d-8e9f-0a1b2c3d4e5f',
    }));
    await appendRoomUpdates(db.handle.db, rows.slice(0, 150));
    await appendRoomUpdates(db.handle.db, rows.slice(150));

    for (const doc of docs) {
      const stored = await loadRoomState(db.handle.db, doc);
      const expected = rows.filter((r) => r.roomId === doc).map((r) => Array.from(r.data));
      expect(stored.checkpoint).toBeNull();
      expect(stored.updates.map((u) => Array.from(u))).toEqual(expected);
    }
  });

  it('stores the author, or null for server-made rows', async () => {
    await appendRoomUpdates(db.handle.db, [
      { roomId: 'authored', data: Uint8Array.of(1), authorId: '0b7c5e2a-9f3d-4a1b-8c6d-2e4f6a8b0c1d' },
      { roomId: 'authored', data: Uint8Array.of(2), authorId: null },
    ]);
    const rows = await db.handle.db
      .select({ authorId: schema.roomUpdates.authorId })
      .from(schema.roomUpdates)
      .where(eq(schema.roomUpdates.roomId, 'authored'))
      .orderBy(asc(schema.roomUpdates.id));
    expect(rows.map((r) => r.authorId)).toEqual(['0b7c5e2a-9f3d-4a1b-8c6d-2e4f6a8b0c1d', null]);
  });
});
