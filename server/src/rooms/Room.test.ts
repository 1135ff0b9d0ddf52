import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MessageType } from '@menteo/protocol';
import { Connection, type RoomSocket } from './Connection.ts';
import { Room, type RoomEvents } from './Room.ts';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { encodeAwareness, encodeSyncUpdate } from './messages.ts';

/** A room whose log commits only when the test says so, and ack clients whose acks are read back. */
function setup() {
  const log: Array<{ seq: number; update: Uint8Array }> = [];
  let seq = 0;
  const events: RoomEvents = {
    localUpdate(update) {
      log.push({ seq: ++seq, update });
      return seq;
    },
    logGap(update) {
      log.push({ seq: ++seq, update });
      return seq;
    },
    serverUpdate(update) {
      log.push({ seq: ++seq, update });
      return seq;
    },
    localAwareness() {},
    breach(_conn, code, detail) {
      throw new Error(`unexpected breach ${code}: ${detail}`);
    },
  };
  const room = new Room('doc', { maxDocBytes: 1 << 20 }, events);
  room.load([]);
  /** Commits everything handed to the log so far, as the update log would. */
  const commit = () => {
    const batch = log.splice(0);
    room.committedUpdates(
      batch.map((b) => b.update),
      batch.map((b) => b.seq),
    );
  };
  const connect = () => {
    const acks: Array<Map<number, number>> = [];
    const socket: RoomSocket = {
      send(data) {
        const decoder = decoding.createDecoder(data);
        if (decoding.readVarUint(decoder) === MessageType.SavedAck) acks.push(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
      },
      close() {},
    };
    const conn = new Connection('doc', socket, { userId: 'u', roomId: 'r', wantsAck: true }, 1000);
    room.addConnection(conn);
    return { conn, acks, lastAck: () => acks.at(-1) ?? new Map<number, number>() };
  };
  return { room, commit, connect };
}

const syncStep1 = (doc: Y.Doc): Uint8Array => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Sync);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  return encoding.toUint8Array(e);
};

describe('Room acks after a failover', () => {
  // The client's last edit reached this node through its partner (who had it from the dead
  // node) and is still being committed under the partner when the client itself reconnects.
  it('acks a client whose edit is being committed under its partner, once that commit lands', () => {
    const { room, commit, connect } = setup();
    const mine = new Y.Doc();
    mine.getArray<string>('agenda').push(['typed just before the kill']);
    const partnerDoc = new Y.Doc();
    Y.applyUpdate(partnerDoc, Y.encodeStateAsUpdate(mine));

    const partner = connect();
    room.handleMessage(partner.conn, encodeSyncUpdate(Y.encodeStateAsUpdate(partnerDoc)));
    const client = connect();
    // The greeting's state vector already holds the edit, so the client has nothing to send;
    // its sync step 1 says what it holds.
    room.handleMessage(client.conn, syncStep1(mine));
    expect(client.lastAck().get(mine.clientID) ?? 0).toBe(0);

    commit();
    expect(client.lastAck().get(mine.clientID)).toBe(1);
  });

  it('acks a client whose edit was committed under its partner between its greeting and its sync step 1', () => {
    const { room, commit, connect } = setup();
    const mine = new Y.Doc();
    mine.getArray<string>('agenda').push(['typed just before the kill']);
    const client = connect();
    expect(client.lastAck().get(mine.clientID) ?? 0).toBe(0);
    const partner = connect();
    room.handleMessage(partner.conn, encodeSyncUpdate(Y.encodeStateAsUpdate(mine)));
    commit();
    room.handleMessage(client.conn, syncStep1(mine));
    expect(client.lastAck().get(mine.clientID)).toBe(1);
  });

  it('acks a client that re-sends an edit the node already has, once it is committed', () => {
    const { room, commit, connect } = setup();
    const mine = new Y.Doc();
    mine.getArray<string>('agenda').push(['one']);
    const partner = connect();
    room.handleMessage(partner.conn, encodeSyncUpdate(Y.encodeStateAsUpdate(mine)));
    const client = connect();
    room.handleMessage(client.conn, encodeSyncUpdate(Y.encodeStateAsUpdate(mine)));
    expect(client.lastAck().get(mine.clientID) ?? 0).toBe(0);
    commit();
    expect(client.lastAck().get(mine.clientID)).toBe(1);
    expect(room.doc.getArray('agenda').toJSON()).toEqual(['one']);
  });

  it('acks at once a client whose re-sent edit is already committed', () => {
    const { room, commit, connect } = setup();
    const mine = new Y.Doc();
    mine.getArray<string>('agenda').push(['one']);
    const partner = connect();
    room.handleMessage(partner.conn, encodeSyncUpdate(Y.encodeStateAsUpdate(mine)));
    commit();
    const client = connect();
    // The greeting already says it is saved.
    expect(client.lastAck().get(mine.clientID)).toBe(1);
    const before = client.acks.length;
    room.handleMessage(client.conn, syncStep1(mine));
    room.handleMessage(client.conn, encodeSyncUpdate(Y.encodeStateAsUpdate(mine)));
    commit();
    // Nothing more was waited for: no stray acks, and the last one still covers the edit.
    expect(client.acks.length).toBe(before);
    expect(client.lastAck().get(mine.clientID)).toBe(1);
  });
});

describe('Room acks a client whose own edit came over the bus', () => {
  const claim = (doc: Y.Doc) => {
    const awareness = new Awareness(doc);
    awareness.setLocalState({ cursor: null });
    return encodeAwareness(encodeAwarenessUpdate(awareness, [doc.clientID]));
  };

  // The partner landed on another node after the failover and re-sent the client's edit there;
  // this node has it only from the bus, durable on that other node and never logged here.
  it('logs the edit here and acks once it is committed, when the edit came before the client', () => {
    const { room, commit, connect } = setup();
    const mine = new Y.Doc();
    mine.getArray<string>('agenda').push(['typed just before the kill']);
    room.applyRemoteUpdate(Y.encodeStateAsUpdate(mine));
    const client = connect();
    room.handleMessage(client.conn, syncStep1(mine));
    room.handleMessage(client.conn, claim(mine));
    expect(client.lastAck().get(mine.clientID) ?? 0).toBe(0);
    commit();
    expect(client.lastAck().get(mine.clientID)).toBe(1);
  });

  it('does the same when the edit comes over the bus after the client is here', () => {
    const { room, commit, connect } = setup();
    const mine = new Y.Doc();
    const client = connect();
    room.handleMessage(client.conn, syncStep1(mine));
    room.handleMessage(client.conn, claim(mine));
    mine.getArray<string>('agenda').push(['typed just before the kill']);
    room.applyRemoteUpdate(Y.encodeStateAsUpdate(mine));
    commit();
    expect(client.lastAck().get(mine.clientID)).toBe(1);
  });

  it('logs nothing again for a bus edit of someone who is not connected here', () => {
    const { room, commit, connect } = setup();
    const client = connect();
    room.handleMessage(client.conn, claim(new Y.Doc()));
    const before = client.acks.length;
    const partner = new Y.Doc();
    partner.getArray<string>('agenda').push(['from the other node']);
    room.applyRemoteUpdate(Y.encodeStateAsUpdate(partner));
    commit();
    expect(client.acks.length).toBe(before);
  });
});
