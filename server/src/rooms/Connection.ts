import type { CloseCode, Role } from '@menteo/protocol';

/**
 * What a room needs from a socket (hocuspocus' WebSocketLike): the transport adapts ws to it,
 * tests can pass a plain object.
 */
export interface RoomSocket {
  send(data: Uint8Array): void;
  close(code: CloseCode, reason: string): void;
}

/** Who is behind a connection, decided by the transport before the room sees it. */
export interface ConnectionInfo {
  userId: string;
  /** The mentorship room the doc belongs to (for revocations; private docs share it). */
  roomId: string;
  /** Opted in to saved acks with ?ack=1. */
  wantsAck: boolean;
  /**
   * The member's name and role in the room, when the transport knows them: the room stamps
   * them into this connection's awareness states (Room.stampAwareness).
   */
  member?: { displayName: string; role: Role };
}

/** Token bucket: `rate` tokens per second, bursts up to `rate`. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly rate: number) {
    this.tokens = rate;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * One client in one room. It is also the Y transaction origin of that client's updates,
 * which is how the room tells "persist and publish" (a connection) from "already durable
 * elsewhere" ('bus', 'load').
 */
export class Connection {
  /** Awareness client ids this connection controls; removed when it closes. */
  readonly awarenessIds = new Set<number>();
  /** Doc updates (sync step 2 and update): the configured updates per second. */
  readonly updateBucket: TokenBucket;
  /**
   * Every other message (awareness, sync step 1, queries). Cursor and selection awareness can
   * legitimately outpace typing, and a 44xx close is final for y-websocket, so this one allows
   * four times as much; it still stops a flood.
   */
  readonly otherBucket: TokenBucket;
  closed = false;
  /** The room's committed-state version this connection's last saved ack carried (Room.sendAcks). */
  ackedVersion = -1;
  constructor(
    readonly docName: string,
    readonly socket: RoomSocket,
    readonly info: ConnectionInfo,
    maxUpdatesPerSecond: number,
  ) {
    this.updateBucket = new TokenBucket(maxUpdatesPerSecond);
    this.otherBucket = new TokenBucket(4 * maxUpdatesPerSecond);
  }

  send(data: Uint8Array): void {
    if (!this.closed) this.socket.send(data);
  }

  /** Idempotent; the transport's close event then removes the connection from its room. */
  close(code: CloseCode, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }
}
