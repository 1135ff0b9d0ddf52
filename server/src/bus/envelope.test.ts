import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, WireType } from './fanout-wire.ts';

/** The update message as lib0's encoder writes it: the format every node reads. */
function reference(origin: string, session: number, counter: number, update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, WireType.Update);
  encoding.writeVarString(e, origin);
  encoding.writeUint32(e, session);
  encoding.writeVarUint(e, counter);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

describe('fan-out update messages', () => {
  const cases: Array<[string, number, number, number]> = [
    ['node-a', 1, 1, 0],
    ['bench-1', 2 ** 32 - 1, 127, 40],
    ['nœud-ü-東京', 2 ** 31, 128, 128],
    ['x'.repeat(200), 123_456_789, 2 ** 40 + 5, 20_000],
  ];
  for (const [origin, session, counter, size] of cases) {
    it(`encode as lib0 does and decode back (origin ${origin.length} chars, counter ${counter}, ${size} bytes)`, () => {
      const update = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
      const bytes = encodeMessage({ type: 'update', origin, session, counter, update });
      expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(reference(origin, session, counter, update)).toString('hex'));
      const back = decodeMessage(bytes);
      expect(back).toMatchObject({ type: 'update', origin, session, counter });
      expect(back.type === 'update' && Buffer.from(back.update).equals(update)).toBe(true);
    });
  }
});
