import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { describe, expect, it } from 'vitest';
import { MessageType } from '@menteo/protocol';
import { decodeClientMessage, encodeAwareness, encodeSavedAck, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from './messages.ts';

/** What y-protocols' own encoder writes for the same message. */
function reference(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe('server frames', () => {
  // Length prefixes of one, two and three varuint bytes, and the boundaries between them.
  for (const n of [0, 1, 2, 63, 64, 127, 128, 300, 16_383, 16_384, 70_000]) {
    it(`match y-protocols byte for byte with a ${n}-byte payload`, () => {
      const p = payload(n);
      const sync = (sub: number) => (e: encoding.Encoder) => {
        encoding.writeVarUint(e, sub);
        encoding.writeVarUint8Array(e, p);
      };
      const bytes = (e: encoding.Encoder) => encoding.writeVarUint8Array(e, p);
      expect(hex(encodeSyncStep1(p))).toBe(hex(reference(MessageType.Sync, sync(syncProtocol.messageYjsSyncStep1))));
      expect(hex(encodeSyncStep2(p))).toBe(hex(reference(MessageType.Sync, sync(syncProtocol.messageYjsSyncStep2))));
      expect(hex(encodeSyncUpdate(p))).toBe(hex(reference(MessageType.Sync, (e) => syncProtocol.writeUpdate(e, p))));
      expect(hex(encodeAwareness(p))).toBe(hex(reference(MessageType.Awareness, bytes)));
      expect(hex(encodeSavedAck(p))).toBe(hex(reference(MessageType.SavedAck, bytes)));
    });
  }

  it('decode back to what was framed', () => {
    const p = payload(200);
    const update = decodeClientMessage(encodeSyncUpdate(p));
    expect(update.type).toBe('sync-update');
    expect(update.type === 'sync-update' && [...update.update]).toEqual([...p]);
    const step1 = decodeClientMessage(encodeSyncStep1(p));
    expect(step1.type === 'sync-step1' && [...step1.stateVector]).toEqual([...p]);
  });
});
