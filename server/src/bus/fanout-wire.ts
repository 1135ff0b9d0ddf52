import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { varUintLength, writeVarUint } from '../varuint.ts';

/**
 * The fan-out's messages on a doc's bus channel. Binary and small: a header
 * (type, origin node, origin session, counter) and the payload, with lib0 encoding like
 * the y-websocket protocol itself.
 *
 * `session` is random per join of a doc on a node, so a node that leaves and rejoins (or
 * restarts under the same NODE_ID) starts a fresh counter that receivers do not mistake
 * for a gap or a replay. Every type except `heartbeat` takes the next counter value; a
 * heartbeat repeats the latest one so a lost trailing message is noticed.
 */
export const WireType = {
  Update: 0,
  Awareness: 1,
  SyncRequest: 2,
  SyncReply: 3,
  Heartbeat: 4,
} as const;

interface Header {
  origin: string;
  session: number;
  counter: number;
}

export type WireMessage =
  | (Header & { type: 'update'; update: Uint8Array })
  | (Header & { type: 'awareness'; update: Uint8Array })
  | (Header & { type: 'sync-request'; stateVector: Uint8Array })
  /** Addressed to one requester (target node + session); others only count it. */
  | (Header & { type: 'sync-reply'; target: string; targetSession: number; diff: Uint8Array; awareness: Uint8Array })
  | (Header & { type: 'heartbeat' });

export type WireMessageType = WireMessage['type'];

export function encodeMessage(m: WireMessage): Uint8Array {
  // One per edit: built straight into a Buffer, which the bus hands to Redis as it is.
  if (m.type === 'update') return encodeUpdate(m);
  const e = encoding.createEncoder();
  switch (m.type) {
    case 'awareness':
      writeHeader(e, WireType.Awareness, m);
      encoding.writeVarUint8Array(e, m.update);
      break;
    case 'sync-request':
      writeHeader(e, WireType.SyncRequest, m);
      encoding.writeVarUint8Array(e, m.stateVector);
      break;
    case 'sync-reply':
      writeHeader(e, WireType.SyncReply, m);
      encoding.writeVarString(e, m.target);
      encoding.writeUint32(e, m.targetSession);
      encoding.writeVarUint8Array(e, m.diff);
      encoding.writeVarUint8Array(e, m.awareness);
      break;
    case 'heartbeat':
      writeHeader(e, WireType.Heartbeat, m);
      break;
    default:
      return assertNever(m);
  }
  return encoding.toUint8Array(e);
}

function writeHeader(e: encoding.Encoder, type: number, h: Header): void {
  encoding.writeVarUint(e, type);
  encoding.writeVarString(e, h.origin);
  encoding.writeUint32(e, h.session);
  encoding.writeVarUint(e, h.counter);
}

/** The same bytes as the lib0 encoding above (fanout-wire.test.ts holds them equal). */
function encodeUpdate(m: Header & { update: Uint8Array }): Buffer {
  const originBytes = Buffer.byteLength(m.origin, 'utf8');
  const size =
    varUintLength(WireType.Update) +
    varUintLength(originBytes) +
    originBytes +
    4 +
    varUintLength(m.counter) +
    varUintLength(m.update.byteLength) +
    m.update.byteLength;
  const buf = Buffer.allocUnsafe(size);
  let at = writeVarUint(buf, 0, WireType.Update);
  at = writeVarUint(buf, at, originBytes);
  at += buf.write(m.origin, at, 'utf8');
  at = buf.writeUInt32LE(m.session >>> 0, at);
  at = writeVarUint(buf, at, m.counter);
  at = writeVarUint(buf, at, m.update.byteLength);
  buf.set(m.update, at);
  return buf;
}

/** Parses a bus payload; throws on anything malformed (the caller counts and drops it). */
export function decodeMessage(payload: Uint8Array): WireMessage {
  const d = decoding.createDecoder(payload);
  const type = decoding.readVarUint(d);
  const origin = decoding.readVarString(d);
  const session = decoding.readUint32(d);
  const counter = decoding.readVarUint(d);
  const h = { origin, session, counter };
  switch (type) {
    case WireType.Update:
      return { ...h, type: 'update', update: decoding.readVarUint8Array(d) };
    case WireType.Awareness:
      return { ...h, type: 'awareness', update: decoding.readVarUint8Array(d) };
    case WireType.SyncRequest:
      return { ...h, type: 'sync-request', stateVector: decoding.readVarUint8Array(d) };
    case WireType.SyncReply: {
      const target = decoding.readVarString(d);
      const targetSession = decoding.readUint32(d);
      const diff = decoding.readVarUint8Array(d);
      const awareness = decoding.readVarUint8Array(d);
      return { ...h, type: 'sync-reply', target, targetSession, diff, awareness };
    }
    case WireType.Heartbeat:
      return { ...h, type: 'heartbeat' };
    default:
      throw new Error(`unknown fan-out message type ${type}`);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled fan-out message ${JSON.stringify(x)}`);
}
