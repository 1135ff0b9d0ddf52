import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION, MessageType, type NodeMessage } from './envelope.ts';

/** The update message as lib0's encoder writes it: the format every node reads. */
function reference(origin: string, session: number, counter: number, update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, ENVELOPE_VERSION);
  encoding.writeUint8(e, MessageType.DocUpdate);
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
      const bytes = encodeEnvelope({ type: 'update', origin, session, counter, update });
      expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(reference(origin, session, counter, update)).toString('hex'));
      const back = decodeEnvelope(bytes);
      expect(back.kind === 'message' && back.message).toMatchObject({ type: 'update', origin, session, counter });
      expect(back.kind === 'message' && back.message.type === 'update' && Buffer.from(back.message.update).equals(update)).toBe(true);
    });
  }
});

/** Byte arrays as number lists, so a decoded message compares equal to the one encoded. */
const plain = (m: unknown): unknown => JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));

describe('the node-to-node envelope', () => {
  const every: NodeMessage[] = [
    { type: 'node-alive', origin: 'n1' },
    { type: 'revocation', origin: 'n1', roomId: 'r', userId: 'u' },
    { type: 'revocation', origin: 'n1', roomId: 'r', userId: null },
    { type: 'update', origin: 'n1', session: 7, counter: 1, update: new Uint8Array([1, 2]) },
    { type: 'awareness', origin: 'n1', session: 7, counter: 2, update: new Uint8Array([3]) },
    { type: 'sync-request', origin: 'n1', session: 7, counter: 3, stateVector: new Uint8Array([0]) },
    { type: 'sync-reply', origin: 'n1', session: 7, counter: 4, target: 'n2', targetSession: 9, diff: new Uint8Array([0, 0]), awareness: new Uint8Array(0) },
    { type: 'heartbeat', origin: 'n1', session: 7, counter: 4 },
    { type: 'area-event', origin: 'n1', name: 'room.renamed', data: { roomId: 'r', title: 'T' } },
  ];
  for (const message of every) {
    it(`carries a ${message.type} message there and back`, () => {
      const back = decodeEnvelope(encodeEnvelope(message));
      expect(back.kind).toBe('message');
      expect(plain(back.kind === 'message' ? back.message : null)).toEqual(plain(message));
    });
  }

  it('reports another version with the sender and type it can still read, without guessing at the payload', () => {
    const bytes = encodeEnvelope({ type: 'heartbeat', origin: 'node-from-the-future', session: 1, counter: 1 });
    bytes[0] = ENVELOPE_VERSION + 1;
    expect(decodeEnvelope(bytes)).toEqual({ kind: 'unknown-version', version: ENVELOPE_VERSION + 1, type: MessageType.DocHeartbeat, origin: 'node-from-the-future' });
  });

  it('never takes a message of the unversioned format that came before for one of its own', () => {
    // That format began with its type byte (0–4), then the origin.
    for (const type of [0, 1, 2, 3, 4]) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, type);
      encoding.writeVarString(e, 'old-node');
      encoding.writeUint32(e, 7);
      encoding.writeVarUint(e, 1);
      expect(decodeEnvelope(encoding.toUint8Array(e)).kind).not.toBe('message');
    }
  });

  it('reports truncated bytes and an unknown type as malformed instead of throwing', () => {
    expect(decodeEnvelope(new Uint8Array([ENVELOPE_VERSION])).kind).toBe('malformed');
    const bytes = encodeEnvelope({ type: 'node-alive', origin: 'n1' });
    bytes[1] = 200;
    expect(decodeEnvelope(bytes).kind).toBe('malformed');
  });
});
