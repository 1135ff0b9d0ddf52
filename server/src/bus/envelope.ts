import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { varUintLength, writeVarUint } from '../varuint.ts';

/**
 * The one envelope of every node-to-node message (STYLE rule 13), on every bus channel:
 *
 *   byte 0      version (ENVELOPE_VERSION)
 *   byte 1      type (MessageType)
 *   varString   origin: the sending node's NODE_ID
 *   …           the type's payload, lib0-encoded like the y-websocket protocol itself
 *
 * The first three fields are frozen for every future version, so a node can always tell who
 * sent a message it cannot read and on which channel; only payloads change with a version.
 * A message of another version is not guessed at: decodeEnvelope reports it, and each
 * receiver counts it, logs it once and answers with a resync (fan-out: a state-vector resync
 * of that doc; liveness: the sender is alive all the same). Never a crash.
 *
 * Adding a message: a new MessageType byte, a new case in NodeMessage, and one case in
 * each switch below (the `never` checks make the compiler list them). Area events (room,
 * meeting, chat…) need none of that: they are one case, 'area-event', and a new event is a
 * new entry in area-events.ts.
 */
export const ENVELOPE_VERSION = 16;
// 16, not 1: the unversioned fan-out format that came before began with its type byte
// (0–4), so a message from a node still running it is never taken for one of ours.

export const MessageType = {
  NodeAlive: 1,
  Revocation: 2,
  DocUpdate: 3,
  DocAwareness: 4,
  DocSyncRequest: 5,
  DocSyncReply: 6,
  DocHeartbeat: 7,
  AreaEvent: 8,
} as const;

/** A doc's fan-out header: the sender's session (random per join) and counter (bus/RoomFanout.ts). */
interface DocHeader {
  origin: string;
  session: number;
  counter: number;
}

/** The fan-out's messages on a doc's channel (bus/RoomFanout.ts). */
export type DocMessage =
  | (DocHeader & { type: 'update'; update: Uint8Array })
  | (DocHeader & { type: 'awareness'; update: Uint8Array })
  | (DocHeader & { type: 'sync-request'; stateVector: Uint8Array })
  /** Addressed to one requester (target node + session); others only count it. */
  | (DocHeader & { type: 'sync-reply'; target: string; targetSession: number; diff: Uint8Array; awareness: Uint8Array })
  /** Repeats the latest counter, so a lost trailing message is noticed. */
  | (DocHeader & { type: 'heartbeat' });

export type NodeMessage =
  /** "I am alive", on the nodes channel (bus/node-liveness.ts). */
  | { type: 'node-alive'; origin: string }
  /** Member userId (null: every member) may no longer open the room (auth/revocations.ts). */
  | { type: 'revocation'; origin: string; roomId: string; userId: string | null }
  | DocMessage
  /** A typed area event (bus/area-events.ts): `data` is checked against the event's schema there. */
  | { type: 'area-event'; origin: string; name: string; data: unknown };

export type NodeMessageType = NodeMessage['type'];
export type DocMessageType = DocMessage['type'];

export type Decoded =
  | { kind: 'message'; message: NodeMessage }
  /** Another version: only the frozen header was read. */
  | { kind: 'unknown-version'; version: number; type: number; origin: string }
  | { kind: 'malformed'; error: unknown };

export function encodeEnvelope(m: NodeMessage): Uint8Array {
  // One per edit: built straight into a Buffer, which the bus hands to Redis as it is.
  if (m.type === 'update') return encodeDocUpdate(m);
  const e = encoding.createEncoder();
  switch (m.type) {
    case 'node-alive':
      writeHeader(e, MessageType.NodeAlive, m.origin);
      break;
    case 'revocation':
      writeHeader(e, MessageType.Revocation, m.origin);
      encoding.writeVarString(e, m.roomId);
      encoding.writeVarString(e, m.userId ?? '');
      break;
    case 'awareness':
      writeDocHeader(e, MessageType.DocAwareness, m);
      encoding.writeVarUint8Array(e, m.update);
      break;
    case 'sync-request':
      writeDocHeader(e, MessageType.DocSyncRequest, m);
      encoding.writeVarUint8Array(e, m.stateVector);
      break;
    case 'sync-reply':
      writeDocHeader(e, MessageType.DocSyncReply, m);
      encoding.writeVarString(e, m.target);
      encoding.writeUint32(e, m.targetSession);
      encoding.writeVarUint8Array(e, m.diff);
      encoding.writeVarUint8Array(e, m.awareness);
      break;
    case 'heartbeat':
      writeDocHeader(e, MessageType.DocHeartbeat, m);
      break;
    case 'area-event':
      writeHeader(e, MessageType.AreaEvent, m.origin);
      encoding.writeVarString(e, m.name);
      encoding.writeVarString(e, JSON.stringify(m.data));
      break;
    default:
      return assertNever(m);
  }
  return encoding.toUint8Array(e);
}

function writeHeader(e: encoding.Encoder, type: number, origin: string): void {
  encoding.writeUint8(e, ENVELOPE_VERSION);
  encoding.writeUint8(e, type);
  encoding.writeVarString(e, origin);
}

function writeDocHeader(e: encoding.Encoder, type: number, h: DocHeader): void {
  writeHeader(e, type, h.origin);
  encoding.writeUint32(e, h.session);
  encoding.writeVarUint(e, h.counter);
}

/** The same bytes as the lib0 encoding above (envelope.test.ts holds them equal). */
function encodeDocUpdate(m: DocHeader & { update: Uint8Array }): Buffer {
  const originBytes = Buffer.byteLength(m.origin, 'utf8');
  const size =
    2 +
    varUintLength(originBytes) +
    originBytes +
    4 +
    varUintLength(m.counter) +
    varUintLength(m.update.byteLength) +
    m.update.byteLength;
  const buf = Buffer.allocUnsafe(size);
  buf[0] = ENVELOPE_VERSION;
  buf[1] = MessageType.DocUpdate;
  let at = writeVarUint(buf, 2, originBytes);
  at += buf.write(m.origin, at, 'utf8');
  at = buf.writeUInt32LE(m.session >>> 0, at);
  at = writeVarUint(buf, at, m.counter);
  at = writeVarUint(buf, at, m.update.byteLength);
  buf.set(m.update, at);
  return buf;
}

/** Parses a bus payload. Never throws: what cannot be read is reported for the caller to count. */
export function decodeEnvelope(payload: Uint8Array): Decoded {
  try {
    const d = decoding.createDecoder(payload);
    const version = decoding.readUint8(d);
    if (version !== ENVELOPE_VERSION) return unknownVersion(d, version);
    const type = decoding.readUint8(d);
    const origin = decoding.readVarString(d);
    return { kind: 'message', message: decodeBody(d, type, origin) };
  } catch (error) {
    return { kind: 'malformed', error };
  }
}

/**
 * The frozen header of another version. Bytes in which even that does not read are
 * malformed, not a version: garbage is a decode error, whatever its first byte.
 */
function unknownVersion(d: decoding.Decoder, version: number): Decoded {
  return { kind: 'unknown-version', version, type: decoding.readUint8(d), origin: decoding.readVarString(d) };
}

function decodeBody(d: decoding.Decoder, type: number, origin: string): NodeMessage {
  switch (type) {
    case MessageType.NodeAlive:
      return { type: 'node-alive', origin };
    case MessageType.Revocation: {
      const roomId = decoding.readVarString(d);
      const userId = decoding.readVarString(d);
      return { type: 'revocation', origin, roomId, userId: userId === '' ? null : userId };
    }
    case MessageType.AreaEvent: {
      const name = decoding.readVarString(d);
      return { type: 'area-event', origin, name, data: JSON.parse(decoding.readVarString(d)) as unknown };
    }
    default:
      break;
  }
  const h = { origin, session: decoding.readUint32(d), counter: decoding.readVarUint(d) };
  switch (type) {
    case MessageType.DocUpdate:
      return { ...h, type: 'update', update: decoding.readVarUint8Array(d) };
    case MessageType.DocAwareness:
      return { ...h, type: 'awareness', update: decoding.readVarUint8Array(d) };
    case MessageType.DocSyncRequest:
      return { ...h, type: 'sync-request', stateVector: decoding.readVarUint8Array(d) };
    case MessageType.DocSyncReply: {
      const target = decoding.readVarString(d);
      const targetSession = decoding.readUint32(d);
      const diff = decoding.readVarUint8Array(d);
      const awareness = decoding.readVarUint8Array(d);
      return { ...h, type: 'sync-reply', target, targetSession, diff, awareness };
    }
    case MessageType.DocHeartbeat:
      return { ...h, type: 'heartbeat' };
    default:
      throw new Error(`unknown node message type ${type}`);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unhandled node message ${JSON.stringify(x)}`);
}
