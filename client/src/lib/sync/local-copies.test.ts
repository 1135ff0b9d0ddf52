import 'fake-indexeddb/auto';
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../api.ts';
import { createApi } from '../api.ts';
import { Session } from '../session.svelte.ts';
import { clearLocalRoomCopies, localCopyName } from './local-copies.ts';

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '').sort();
}

/** A room copy as y-indexeddb writes it, with content; resolves once stored. */
async function storeRoomCopy(name: string, text: string): Promise<IndexeddbPersistence> {
  const doc = new Y.Doc();
  const persistence = new IndexeddbPersistence(name, doc);
  await persistence.whenSynced;
  doc.getText('notes').insert(0, text);
  // y-indexeddb writes each update in its own transaction; wait until it is readable elsewhere.
  await vi.waitFor(async () => {
    const check = new Y.Doc();
    const reader = new IndexeddbPersistence(name, check);
    await reader.whenSynced;
    const stored = check.getText('notes').toString();
    await reader.destroy();
    expect(stored).toBe(text);
  });
  return persistence;
}

function openOther(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('open failed'));
  });
}

afterEach(async () => {
  for (const name of await databaseNames()) {
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
    });
  }
});

describe('local room copies', () => {
  it("deletes every room's IndexedDB copy, private docs included, and leaves other sites' databases alone", async () => {
    const room = await storeRoomCopy(localCopyName('room-1'), 'our plans');
    await room.destroy();
    const priv = await storeRoomCopy(localCopyName('room-2~private'), 'my private note');
    await priv.destroy();
    (await openOther('someone-else')).close();
    expect(await databaseNames()).toEqual(['menteo:room-1', 'menteo:room-2~private', 'someone-else']);

    const result = await clearLocalRoomCopies(indexedDB);
    expect(result.supported).toBe(true);
    expect(result.deleted.sort()).toEqual(['menteo:room-1', 'menteo:room-2~private']);
    expect(await databaseNames()).toEqual(['someone-else']);

    // What the next person would get when opening that room offline: nothing.
    const snoop = new Y.Doc();
    const reader = new IndexeddbPersistence(localCopyName('room-1'), snoop);
    await reader.whenSynced;
    expect(snoop.getText('notes').toString()).toBe('');
    await reader.destroy();
  });

  it('deletes the copy of a room still open in this tab at once, without waiting for the room to close', async () => {
    // y-indexeddb (lib0) closes its connection when another asks to delete the database.
    const open = await storeRoomCopy(localCopyName('room-open'), 'still editing');
    expect((await clearLocalRoomCopies(indexedDB)).deleted).toEqual(['menteo:room-open']);
    expect(await databaseNames()).toEqual([]);
    await open.destroy();
    expect(await databaseNames()).toEqual([]);
  });

  it('reports that it could not clear anything where the browser cannot list databases', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const factory = { deleteDatabase: indexedDB.deleteDatabase.bind(indexedDB) } as unknown as IDBFactory;
    expect(await clearLocalRoomCopies(factory)).toEqual({ deleted: [], supported: false });
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});

describe('signing out', () => {
  const api = (over: Partial<Api>): Api => ({ ...createApi(() => Promise.reject(new Error('unexpected request'))), ...over });

  it("deletes the rooms' local copies once the server has ended the session", async () => {
    const copy = await storeRoomCopy(localCopyName('room-9'), 'shared computer');
    await copy.destroy();
    const session = new Session(api({ logout: () => Promise.resolve() }));
    session.user = { id: 'u1', email: 'a@example.com', displayName: 'Ada' };
    await session.logout();
    expect(session.user).toBeNull();
    expect((await session.localCopiesCleared)?.deleted).toEqual(['menteo:room-9']);
    expect(await databaseNames()).toEqual([]);
  });

  it('keeps the copies when signing out failed, since the person is still signed in', async () => {
    const copy = await storeRoomCopy(localCopyName('room-10'), 'still mine');
    await copy.destroy();
    const session = new Session(api({ logout: () => Promise.reject(new Error('offline')) }));
    session.user = { id: 'u1', email: 'a@example.com', displayName: 'Ada' };
    await expect(session.logout()).rejects.toThrow('offline');
    expect(await session.localCopiesCleared).toBeNull();
    expect(await databaseNames()).toEqual(['menteo:room-10']);
  });
});
