import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as prng from 'lib0/prng';
import { MessageType } from '@menteo/protocol';

/** y-protocols sync sub-types. */
export const SyncStep1 = 0;
export const SyncStep2 = 1;
export const SyncUpdate = 2;

const frame = (write: (enc: encoding.Encoder) => void): Uint8Array => {
  const enc = encoding.createEncoder();
  write(enc);
  return encoding.toUint8Array(enc);
};

/** A well-formed sync update message carrying `update`. */
export const updateFrame = (update: Uint8Array, sub = SyncUpdate): Uint8Array =>
  frame((enc) => {
    encoding.writeVarUint(enc, MessageType.Sync);
    encoding.writeVarUint(enc, sub);
    encoding.writeVarUint8Array(enc, update);
  });

/** A real Yjs update from a throwaway doc: `edit` runs on it. */
export function realUpdate(edit: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  edit(doc);
  return Y.encodeStateAsUpdate(doc);
}

/** A valid update that appends one text of `bytes` characters to `resources` (a big, legal edit). */
export const bigUpdate = (bytes: number): Uint8Array =>
  realUpdate((doc) => {
    const item = new Y.Map<unknown>();
    item.set('id', `big-${Math.random()}`);
    item.set('title', 'x'.repeat(bytes));
    doc.getArray('resources').push([item]);
  });

/**
 * Frames that are not valid y-websocket messages, each with why. Every one of them must
 * close the sending connection with 4400 and change nothing else.
 */
export function malformedFrames(): Array<{ name: string; frame: Uint8Array }> {
  const gen = prng.create(0x6d656e74);
  const valid = updateFrame(
    realUpdate((doc) => {
      const item = new Y.Map<unknown>();
      item.set('id', 'never-lands');
      item.set('text', 'a perfectly good agenda item that arrives cut in half');
      doc.getArray('agenda').push([item]);
    }),
  );
  const randomTail = prng.uint8Array(gen, 61);
  return [
    { name: 'an empty frame', frame: new Uint8Array(0) },
    { name: 'random bytes under an unknown message type', frame: Uint8Array.from([0x7f, ...randomTail]) },
    { name: 'an unknown sync sub-type', frame: Uint8Array.from([MessageType.Sync, 9, 3, 1, 2, 3]) },
    { name: 'a valid update frame truncated to half its length', frame: valid.slice(0, Math.floor(valid.length / 2)) },
    { name: 'a sync message cut after its type', frame: Uint8Array.from([MessageType.Sync]) },
    {
      name: 'a length prefix of 2^50 bytes followed by 8 bytes',
      frame: frame((enc) => {
        encoding.writeVarUint(enc, MessageType.Sync);
        encoding.writeVarUint(enc, SyncUpdate);
        encoding.writeVarUint(enc, 2 ** 50);
        encoding.writeUint8Array(enc, new Uint8Array(8));
      }),
    },
    {
      name: 'a length prefix of 2^31 - 1 bytes followed by 8 bytes',
      frame: frame((enc) => {
        encoding.writeVarUint(enc, MessageType.Sync);
        encoding.writeVarUint(enc, SyncUpdate);
        encoding.writeVarUint(enc, 2 ** 31 - 1);
        encoding.writeUint8Array(enc, new Uint8Array(8));
      }),
    },
    { name: 'a varint that never ends (12 continuation bytes)', frame: Uint8Array.from([MessageType.Sync, SyncUpdate, ...new Array(12).fill(0xff)]) },
    { name: 'random bytes as a Yjs update', frame: updateFrame(prng.uint8Array(gen, 48)) },
    // One client, one struct, then an info byte naming content type 31, which Yjs does not have.
    { name: 'an update whose struct has an unknown content type', frame: updateFrame(Uint8Array.from([1, 1, 5, 0, 0x1f, 1, 2, 3, 4])) },
    { name: 'an update that claims 1000 structs and carries one byte', frame: updateFrame(Uint8Array.from([1, 0xe8, 0x07, 9, 0, 4])) },
    { name: 'random bytes as sync step 2', frame: updateFrame(prng.uint8Array(gen, 32), SyncStep2) },
    { name: 'random bytes as sync step 1 (a state vector)', frame: updateFrame(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), SyncStep1) },
    {
      name: 'an awareness update that is not JSON',
      frame: frame((enc) => {
        encoding.writeVarUint(enc, MessageType.Awareness);
        encoding.writeVarUint8Array(
          enc,
          frame((inner) => {
            encoding.writeVarUint(inner, 1);
            encoding.writeVarUint(inner, 12345);
            encoding.writeVarUint(inner, 1);
            encoding.writeVarString(inner, '{not json');
          }),
        );
      }),
    },
    { name: 'an awareness message with a truncated body', frame: Uint8Array.from([MessageType.Awareness, 40, 1, 2]) },
  ];
}

/** Seeded random frames in the shapes an attacker or a broken client would send. */
export function randomFrames(seed: number, count: number): Uint8Array[] {
  const gen = prng.create(seed);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const body = prng.uint8Array(gen, prng.int31(gen, 1, 200));
    switch (i % 4) {
      case 0:
        frames.push(body);
        break;
      case 1:
        frames.push(Uint8Array.from([MessageType.Sync, SyncUpdate, ...body]));
        break;
      case 2:
        frames.push(updateFrame(body, prng.int31(gen, 0, 2)));
        break;
      default:
        frames.push(Uint8Array.from([MessageType.Awareness, ...body]));
    }
  }
  return frames;
}
