import { expect } from 'vitest';
import * as Y from 'yjs';
import type { NodeProcess } from '../process.ts';
import type { ProvisionedRoom } from '../provision.ts';
import { SyncClient, waitFor, type CloseInfo } from '../sync-client.ts';

/**
 * Two well-behaved members of one room, and what their shared agenda must hold. The fuzz
 * and limits tests attack a room that has such a pair (and keep another pair in another
 * room) and then check that both pairs still work and their content is exactly as before.
 */
export interface Pair {
  room: ProvisionedRoom;
  a: SyncClient;
  b: SyncClient;
  /** Agenda item ids both members and the server must hold. */
  expected: Set<string>;
  rounds: number;
}

export async function openPair(node: NodeProcess, room: ProvisionedRoom): Promise<Pair> {
  const a = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, cookie: room.mentor.session });
  const b = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, cookie: room.mentee.session });
  await Promise.all([a.synced, b.synced]);
  return { room, a, b, expected: new Set(agendaIds(a.doc)), rounds: 0 };
}

export const agendaIds = (doc: Y.Doc): string[] =>
  doc
    .getArray<Y.Map<unknown>>('agenda')
    .toArray()
    .map((m) => String(m.get('id')));

export function addItem(client: SyncClient, id: string): void {
  client.edit((doc) => {
    const item = new Y.Map<unknown>();
    item.set('id', id);
    item.set('text', `item ${id}`);
    item.set('addedBy', 'fixture');
    item.set('discussed', false);
    doc.getArray('agenda').push([item]);
  });
}

/** Each member adds an item and sees the other's: the room is live in both directions. */
export async function exchange(pair: Pair): Promise<void> {
  const n = pair.rounds++;
  const fromA = `${pair.room.roomId.slice(0, 8)}-a-${n}`;
  const fromB = `${pair.room.roomId.slice(0, 8)}-b-${n}`;
  addItem(pair.a, fromA);
  addItem(pair.b, fromB);
  pair.expected.add(fromA).add(fromB);
  await waitFor(
    () => agendaIds(pair.b.doc).includes(fromA) && agendaIds(pair.a.doc).includes(fromB),
    `edits to cross in room ${pair.room.roomId}`,
  );
}

/**
 * The node is up, both members are still connected and can edit live, and the room holds
 * exactly the expected items — in both members' docs and for a member who opens it now.
 */
export async function expectIntact(node: NodeProcess, pair: Pair, context: string): Promise<void> {
  expect(node.isAlive(), `${context}: node process alive`).toBe(true);
  expect((await fetch(`${node.url}/healthz`)).status, `${context}: /healthz`).toBe(200);
  expect(pair.a.closeInfo, `${context}: member a still connected`).toBeNull();
  expect(pair.b.closeInfo, `${context}: member b still connected`).toBeNull();
  await exchange(pair);
  const want = [...pair.expected].sort();
  expect([...agendaIds(pair.a.doc)].sort(), `${context}: member a's agenda`).toEqual(want);
  expect([...agendaIds(pair.b.doc)].sort(), `${context}: member b's agenda`).toEqual(want);
  const fresh = new SyncClient({ wsUrl: node.wsUrl, roomId: pair.room.roomId, cookie: pair.room.mentee.session });
  try {
    await fresh.synced;
    expect([...agendaIds(fresh.doc)].sort(), `${context}: the agenda a new connection loads`).toEqual(want);
  } finally {
    await fresh.close();
  }
}

/**
 * A new connection of the room's mentor (a member: the attack is from inside) that syncs,
 * sends `frames` and reports how the server closed it (null when still open after timeoutMs).
 */
export async function attack(
  node: NodeProcess,
  room: ProvisionedRoom,
  frames: Uint8Array[],
  timeoutMs = 5000,
): Promise<CloseInfo | null> {
  const attacker = new SyncClient({ wsUrl: node.wsUrl, roomId: room.roomId, cookie: room.mentor.session, applyRemote: false });
  await attacker.synced;
  for (const f of frames) attacker.sendRaw(f);
  const closed = await Promise.race([attacker.closed, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
  if (closed === null) await attacker.close();
  return closed;
}
