import * as decoding from 'lib0/decoding';
import { MessageType } from '@menteo/protocol';
import { varUintLength, writeVarUint } from '../varuint.ts';

/**
 * The y-websocket wire format (y-protocols sync 0, awareness 1, auth 2, queryAwareness 3),
 * parsed at the edge into a union so the room handles it with one exhaustive switch.
 */
export type ClientMessage =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'sync-step2'; update: Uint8Array }
  | { type: 'sync-update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'auth' }
  | { type: 'query-awareness' };

/** y-protocols/sync sub-types inside a MessageType.Sync message. */
const SyncStep1 = 0;
const SyncStep2 = 1;
const SyncUpdate = 2;

export class BadMessageError extends Error {}

/** Throws BadMessageError for anything that is not one well-formed message. */
export function decodeClientMessage(data: Uint8Array): ClientMessage {
  try {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MessageType.Sync: {
        const sub = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (sub === SyncStep1) return { type: 'sync-step1', stateVector: payload };
        if (sub === SyncStep2) return { type: 'sync-step2', update: payload };
        if (sub === SyncUpdate) return { type: 'sync-update', update: payload };
        throw new BadMessageError(`unknown sync message ${sub}`);
      }
      case MessageType.Awareness:
        return { type: 'awareness', update: decoding.readVarUint8Array(decoder) };
      case MessageType.Auth:
        return { type: 'auth' };
      case MessageType.QueryAwareness:
        return { type: 'query-awareness' };
      default:
        throw new BadMessageError(`unknown message type ${type}`);
    }
  } catch (err) {
    // lib0 throws plain Errors/RangeErrors on truncated input or length prefixes past the end.
    if (err instanceof BadMessageError) throw err;
    throw new BadMessageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * `type`, then `sub` (when not null), then `payload` with its varuint length: what a lib0
 * encoder writes, built straight into a Buffer. The frame goes to ws.send() as it is: an
 * encoder's small Uint8Array made ws copy it out of the V8 heap first (a malloc per frame),
 * and the encoder itself allocated a 100-byte backing store per frame.
 */
function frame(type: number, sub: number | null, payload: Uint8Array): Buffer {
  const n = varUintLength(type) + (sub === null ? 0 : varUintLength(sub)) + varUintLength(payload.byteLength) + payload.byteLength;
  const buf = Buffer.allocUnsafe(n);
  let at = writeVarUint(buf, 0, type);
  if (sub !== null) at = writeVarUint(buf, at, sub);
  at = writeVarUint(buf, at, payload.byteLength);
  buf.set(payload, at);
  return buf;
}

export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array => frame(MessageType.Sync, SyncStep1, stateVector);

export const encodeSyncStep2 = (update: Uint8Array): Uint8Array => frame(MessageType.Sync, SyncStep2, update);

export const encodeSyncUpdate = (update: Uint8Array): Uint8Array => frame(MessageType.Sync, SyncUpdate, update);

export const encodeAwareness = (update: Uint8Array): Uint8Array => frame(MessageType.Awareness, null, update);

/** Menteo's opt-in ack: the state vector committed in Postgres (only to ?ack=1 clients). */
export const encodeSavedAck = (stateVector: Uint8Array): Uint8Array => frame(MessageType.SavedAck, null, stateVector);
