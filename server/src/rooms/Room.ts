import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { CloseCode, closeReason } from '@menteo/protocol';
import { applyStoredUpdates, oversizeWrite } from '@menteo/room-doc';
import { CommitQueue } from './CommitQueue.ts';
import { Connection } from './Connection.ts';
import { isConnectionOrigin, type TransactionOrigin } from './origins.ts';
import {
  BadMessageError,
  decodeClientMessage,
  encodeAwareness,
  encodeSavedAck,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from './messages.ts';

/**
 * A Y.Doc whose events cost nothing when nobody listens. lib0's emit allocates an empty Map
 * for an event without listeners (`get(name) || map.create()`), then an iterator and an array,
 * and Yjs emits six events per transaction of which a room listens to two: about 5 % of what a
 * node allocated in the two-node benchmark.
 */
class ServerDoc extends Y.Doc {
  override emit(name: Parameters<Y.Doc['emit']>[0], args: Parameters<Y.Doc['emit']>[1]): void {
    if (this._observers.has(name)) super.emit(name, args);
  }
}

/** How a room reports what happened; the registry persists, publishes and counts. No I/O here. */
export interface RoomEvents {
  /**
   * A local connection changed the doc: persist it and publish it to other nodes. Returns the
   * log's sequence number for it, by which its commit is recognised (committedUpdates).
   */
  localUpdate(update: Uint8Array, conn: Connection): number;
  /**
   * Structs this node holds (they came over the bus) but never logged itself, which a local
   * update builds on: persist them, ahead of that update, so its author's ack can cover it.
   * Not published: the other nodes sent them. Returns the log's sequence number, as localUpdate.
   */
  logGap(update: Uint8Array): number;
  /** The server changed the doc itself (serverEdit): persist and publish it. Returns the log's sequence number. */
  serverUpdate(update: Uint8Array): number;
  /** Local awareness changed (a connection's cursor, or its removal on close): publish it. */
  localAwareness(update: Uint8Array): void;
  /** A connection broke a limit and was closed with `code`. */
  breach(conn: Connection, code: CloseCode, detail: string): void;
}

export interface RoomLimits {
  maxDocBytes: number;
}

/**
 * One doc in memory: the Y.Doc, its awareness and its local connections. It speaks the
 * y-websocket protocol with each connection and reports changes through RoomEvents;
 * it never saves itself (STYLE rule 5).
 */
export class Room {
  // A fixed guid: Y.Doc would otherwise draw a random UUID per room (4 % of a connect storm's CPU); nothing reads it.
  readonly doc: Y.Doc = new ServerDoc({ gc: true, guid: 'menteo-room' });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly connections = new Set<Connection>();
  /** Bytes of every update applied since load plus the loaded state: an upper bound of the doc's encoded size. */
  sizeEstimate = 0;
  /** Updates that arrived from other nodes since load (durable there, not necessarily here). */
  remoteUpdates = 0;
  private loaded = false;
  /** Bus updates that arrived while Postgres was being read. */
  private earlyRemote: Uint8Array[] = [];
  /** State vector of what is committed in Postgres, as far as this node knows. */
  private committed = new Map<number, number>();
  /** Bumped whenever `committed` advances: a connection told an older one has news (see Connection.ackedVersion). */
  private committedVersion = 0;
  /**
   * Updates handed to the log and not yet committed, with the clock ranges they cover (read off
   * their transaction: decoding each committed update again with Y.parseUpdateMeta was a full
   * second decode per edit) and their author when it wants acks. After a commit only authors are
   * acked: a client that just receives has nothing to save, and acking every ack client on
   * every commit was the largest share of socket writes in the benchmark profile.
   */
  private readonly uncommitted = new CommitQueue();
  /**
   * Per client, the clock up to which this node's log holds (or is writing) its structs:
   * what was loaded, checkpointed or appended here. Acks advance only over contiguous
   * ranges, so a local update that starts beyond it (the client reconnected here from
   * another node, whose commits this node never hears of) would hold its author's acks back
   * until the next compaction; the gap is logged first instead (see logGap).
   */
  private readonly logged = new Map<number, number>();
  /** The update being applied, and whether it may be passed on as it is (see updateOf). */
  private applying: Uint8Array | null = null;
  private passOn = false;
  /** Awareness client id → the local connection that controls it (see claimAwareness). */
  private readonly awarenessOwner = new Map<number, Connection>();
  /**
   * Connections that hold structs this node is still committing under someone else (see
   * awaitCommit), with the clock per client they wait for: acked when the log covers them.
   */
  private readonly awaitingCommit = new Map<Connection, Map<number, number>>();

  constructor(
    readonly name: string,
    private readonly limits: RoomLimits,
    private readonly events: RoomEvents,
  ) {
    // The server is not a participant: no local awareness state of its own.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.doc.on('afterAllTransactions', forgetTransactions);
  }

  /**
   * Applies what was read from Postgres (checkpoint, then log rows) in one transaction — one
   * observer pass instead of one per row. Everything it covers is committed by definition, and
   * since bus updates wait until now (see applyRemoteUpdate), the doc's state vector is exactly that.
   */
  load(parts: Uint8Array[]): { skipped: number } {
    const { skipped, bytes } = applyStoredUpdates(this.doc, parts, 'load' satisfies TransactionOrigin);
    this.sizeEstimate += bytes;
    this.advanceCommittedTo(Y.decodeStateVector(Y.encodeStateVector(this.doc)));
    this.loaded = true;
    // Listening only from here: the load transaction (possibly thousands of rows) has nobody to tell.
    this.doc.on('afterTransaction', this.onTransaction);
    const early = this.earlyRemote.splice(0);
    for (const update of early) this.applyRemoteUpdate(update);
    return { skipped };
  }

  /**
   * The server's own edit, as one transaction (origin 'server'): `fn` may read the doc as it
   * is (a meeting's end snapshot and summary) and then change it (the agenda carry-over). The
   * change reaches local connections, the log and the other nodes like a member's edit.
   */
  serverEdit<T>(fn: (doc: Y.Doc) => T): T {
    let result: { value: T } | null = null;
    this.doc.transact(() => {
      result = { value: fn(this.doc) };
    }, 'server' satisfies TransactionOrigin);
    if (!result) throw new Error('serverEdit: the transaction did not run');
    return (result as { value: T }).value;
  }

  /** An update from another node. Throws on malformed input (the fan-out's caller logs and drops it). */
  applyRemoteUpdate(update: Uint8Array): void {
    if (!this.loaded) {
      // Held until the stored state is in, so the state vector after load is exactly what Postgres holds.
      this.earlyRemote.push(update);
      return;
    }
    this.remoteUpdates++;
    this.sizeEstimate += update.byteLength;
    // Other nodes publish client updates they checked (startsAtState) and diffs of their own doc.
    this.apply(update, 'bus' satisfies TransactionOrigin, true);
  }

  applyRemoteAwareness(update: Uint8Array): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, 'bus' satisfies TransactionOrigin);
  }

  /** Drops remote clients' awareness (their node died); local connections are told. */
  removeRemoteAwareness(clientIds: number[]): void {
    awarenessProtocol.removeAwarenessStates(this.awareness, clientIds, 'bus' satisfies TransactionOrigin);
  }

  localAwareness(): Uint8Array | null {
    const ids = [...this.connections].flatMap((c) => [...c.awarenessIds]);
    return ids.length === 0 ? null : awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids);
  }

  /** Greets a new connection: our state vector (so it sends what we lack), current awareness, its ack. */
  addConnection(conn: Connection): void {
    this.connections.add(conn);
    conn.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    const states = this.awareness.getStates();
    if (states.size > 0) {
      conn.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])));
    }
    if (conn.info.wantsAck) this.sendAcks([conn]);
  }

  removeConnection(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.awaitingCommit.delete(conn);
    if (conn.awarenessIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessIds], conn);
    }
  }

  /** One frame from a connection. Never throws: bad input closes that connection only. */
  handleMessage(conn: Connection, data: Uint8Array): void {
    if (conn.closed || !this.connections.has(conn)) return;
    let message;
    try {
      message = decodeClientMessage(data);
    } catch (err) {
      return this.reject(conn, CloseCode.BadMessage, (err as BadMessageError).message);
    }
    const isUpdate = message.type === 'sync-step2' || message.type === 'sync-update';
    if (!(isUpdate ? conn.updateBucket : conn.otherBucket).take()) {
      return this.reject(conn, CloseCode.RateLimited, isUpdate ? 'updates per second' : 'messages per second');
    }
    switch (message.type) {
      case 'sync-step1': {
        let diff: Uint8Array;
        try {
          diff = Y.encodeStateAsUpdate(this.doc, message.stateVector);
        } catch {
          return this.reject(conn, CloseCode.BadMessage, 'undecodable state vector');
        }
        conn.send(encodeSyncStep2(diff));
        if (conn.info.wantsAck) this.awaitCommit(conn, Y.decodeStateVector(message.stateVector));
        return;
      }
      case 'sync-step2':
      case 'sync-update':
        return this.applyClientUpdate(conn, message.update);
      case 'awareness':
        try {
          awarenessProtocol.applyAwarenessUpdate(this.awareness, message.update, conn);
        } catch {
          return this.reject(conn, CloseCode.BadMessage, 'undecodable awareness update');
        }
        return;
      case 'auth':
        // The socket was authenticated at the upgrade; y-protocols auth messages carry nothing we use.
        return;
      case 'query-awareness':
        conn.send(
          encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])),
        );
        return;
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  /**
   * Advances the committed state vector by updates the log just committed (`seqs[i]` is the
   * log's sequence number of `updates[i]`), and acks their authors. A client's clock advances
   * only when the update starts at or below what is already committed: an update whose
   * predecessor is not known to be committed proves nothing about that client.
   */
  committedUpdates(updates: Uint8Array[], seqs: readonly number[]): void {
    const authors = new Set<Connection>();
    let advanced: Set<number> | null = null;
    for (let u = 0; u < updates.length; u++) {
      const update = updates[u]!;
      const pending = this.uncommitted.take(seqs[u]!);
      if (pending?.author) authors.add(pending.author);
      const ranges = pending?.ranges ?? rangesFromMeta(update);
      for (let i = 0; i < ranges.length; i += 3) {
        const client = ranges[i]!;
        const have = this.committed.get(client) ?? 0;
        if (ranges[i + 1]! <= have && ranges[i + 2]! > have) {
          this.committed.set(client, ranges[i + 2]!);
          this.committedVersion++;
          if (pending?.author?.awarenessIds.has(client) !== true) (advanced ??= new Set()).add(client);
        }
      }
    }
    // A client's edit that reached this node through someone else (its peer re-sent it after
    // a failover, before the client itself reconnected here) commits under that peer; the
    // client's own connection must hear of it too, or it waits for an ack that never comes.
    if (advanced) {
      for (const conn of this.connections) {
        if (!authors.has(conn) && [...conn.awarenessIds].some((id) => advanced.has(id))) authors.add(conn);
      }
    }
    this.collectAwaiting(authors);
    // An author is acked even when the state vector did not move (a delete-only update).
    if (authors.size > 0) this.sendAcks(authors);
  }

  /** After a checkpoint committed: everything it holds is durable. */
  advanceCommittedTo(sv: Map<number, number>): void {
    let changed = false;
    for (const [client, clock] of sv) {
      if (clock > (this.committed.get(client) ?? 0)) {
        this.committed.set(client, clock);
        this.committedVersion++;
        changed = true;
      }
      if (clock > (this.logged.get(client) ?? 0)) this.logged.set(client, clock);
    }
    // A checkpoint can make edits durable that reached this node over the bus: tell everyone
    // (the waiting connections it covers among them).
    if (!changed) return;
    this.collectAwaiting(new Set());
    this.sendAcks(this.connections);
  }

  destroy(): void {
    this.doc.off('afterTransaction', this.onTransaction);
    this.awareness.off('update', this.onAwarenessUpdate);
    // Awareness runs a 3 s interval timer for outdated states; destroy() clears it.
    this.awareness.destroy();
    this.doc.destroy();
    this.connections.clear();
    this.uncommitted.clear();
    this.logged.clear();
    this.awarenessOwner.clear();
    this.awaitingCommit.clear();
  }

  private applyClientUpdate(conn: Connection, update: Uint8Array): void {
    if (this.sizeEstimate + update.byteLength > this.limits.maxDocBytes) {
      return this.reject(conn, CloseCode.RoomTooLarge, `document would exceed ${this.limits.maxDocBytes} bytes`);
    }
    // Decode fully before applying, so an undecodable update is rejected whole, never half-applied.
    let structs: Array<Y.Item | Y.GC | Y.Skip>;
    try {
      structs = Y.decodeUpdate(update).structs;
    } catch {
      return this.reject(conn, CloseCode.BadMessage, 'undecodable update');
    }
    // The doc schema's text limits (room-doc limits.ts): an editor never writes more into one
    // field at once, so an update that does comes from a client that ignores them.
    const over = oversizeWrite(this.doc, structs);
    if (over) return this.reject(conn, CloseCode.BadMessage, `${over.field} over its limit (${over.length} > ${over.limit})`);
    const fresh = this.startsAtState(structs);
    try {
      this.apply(update, conn, fresh);
    } catch (err) {
      return this.reject(conn, CloseCode.BadMessage, `update failed to apply: ${(err as Error).message}`);
    }
    this.sizeEstimate += update.byteLength;
    // Structs the doc already had are committed (or being committed) under whoever sent them
    // first; their sender's own ack must wait for that commit, not for one of its own.
    if (!fresh && conn.info.wantsAck) this.awaitCommit(conn, endClocks(structs));
  }

  /**
   * Acks `conn` once the log covers the structs it holds that this node is still committing
   * under another connection. After a failover a client's last edit can reach the surviving
   * node through its partner first (the partner received it from the dead node and re-sends
   * its whole state on reconnect); the client itself then sends nothing new, so no commit of
   * its own would ever ack it. `holds` is what the client holds (its sync step 1 state vector,
   * or the end clocks of an update the doc already had). Only clocks this node's log is writing
   * are waited for: an edit that came over the bus is durable on its own node.
   */
  private awaitCommit(conn: Connection, holds: Map<number, number>): void {
    // A commit can land between the greeting's ack and this (the partner's, covering the
    // client's edit): the client has not heard of it, and no later commit may be its.
    if (conn.ackedVersion !== this.committedVersion) this.sendAcks([conn]);
    let want = this.awaitingCommit.get(conn) ?? null;
    for (const [client, clock] of holds) {
      const target = Math.min(clock, this.logged.get(client) ?? 0);
      if (target <= (this.committed.get(client) ?? 0) || target <= (want?.get(client) ?? 0)) continue;
      want ??= new Map();
      want.set(client, target);
    }
    if (want && want.size > 0) this.awaitingCommit.set(conn, want);
  }

  /** Adds to `targets` the waiting connections the committed state now covers. */
  private collectAwaiting(targets: Set<Connection>): void {
    for (const [conn, want] of this.awaitingCommit) {
      let covered = true;
      for (const [client, clock] of want) if (clock > (this.committed.get(client) ?? 0)) covered = false;
      if (!covered) continue;
      this.awaitingCommit.delete(conn);
      targets.add(conn);
    }
  }

  private sendAcks(targets: Iterable<Connection>): void {
    let frame: Uint8Array | null = null;
    for (const conn of targets) {
      if (!conn.info.wantsAck || !this.connections.has(conn)) continue;
      frame ??= encodeSavedAck(Y.encodeStateVector(this.committed));
      conn.ackedVersion = this.committedVersion;
      conn.send(frame);
    }
  }

  private reject(conn: Connection, code: CloseCode, detail: string): void {
    conn.close(code, closeReason[code]);
    this.events.breach(conn, code, detail);
  }

  /**
   * Whether a client's update holds only structs the doc does not have yet: each client's
   * first struct starts exactly where the doc's state for that client ends. One that also
   * carries structs the doc has (a client may send anything) must not be passed on as sent:
   * their content would reach the log and the other members unchecked, where Yjs ignores it
   * here, and could replace the original wherever it arrives first (updateOf).
   */
  private startsAtState(structs: Array<Y.Item | Y.GC | Y.Skip>): boolean {
    let client = -1;
    for (const struct of structs) {
      if (struct.id.client === client) continue;
      client = struct.id.client;
      if (struct.id.clock !== Y.getState(this.doc.store, client)) return false;
    }
    return true;
  }

  /** `passOn`: the applied bytes may be passed on as they are (see updateOf). */
  private apply(update: Uint8Array, origin: Connection | TransactionOrigin, passOn: boolean): void {
    this.applying = update;
    this.passOn = passOn && !hasPending(this.doc);
    try {
      Y.applyUpdate(this.doc, update, origin);
    } finally {
      this.applying = null;
    }
  }

  /**
   * What a transaction changed, as an update to pass on, or null when it changed nothing.
   *
   * Normally the bytes that were applied. Yjs' own 'update' event encodes each transaction
   * again instead, and that encoding begins with the struct the new text merged into: on every
   * keystroke it copied the whole paragraph typed so far into a new string (flattening the rope
   * the merge made), plus the encoder's buffers: 3.2 KB per edit with 500-character paragraphs,
   * and the largest item a sampling heap profile found not yet collected on the two-node
   * benchmark's nodes. The applied bytes never say less than the transaction did.
   *
   * The update is encoded from the doc instead (all it holds beyond the transaction's starting
   * state vector) when the applied bytes may say something else:
   * - a client's update that also carries structs the doc already had (startsAtState);
   * - structs waiting for others (missing dependencies), before or after: the applied bytes
   *   may then hold structs that were not integrated, and a later transaction may integrate
   *   structs that came in earlier bytes.
   *
   * Left unread, a merged string stays a V8 rope (up to 32 bytes a piece) until something reads
   * it: a joining client's sync or the next compaction (COMPACT_AFTER_UPDATES), which flatten
   * it in place.
   */
  private updateOf(tr: Y.Transaction): Uint8Array | null {
    if (tr.origin === ('server' satisfies TransactionOrigin)) {
      // Nothing was applied from bytes: encode what the server's transaction added.
      if (tr.deleteSet.clients.size === 0 && !grew(tr)) return null;
      return Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(tr.beforeState));
    }
    const applying = this.applying;
    if (!applying) return null;
    if (tr.deleteSet.clients.size === 0 && !grew(tr)) return null;
    if (!this.passOn || hasPending(this.doc)) return Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(tr.beforeState));
    return applying;
  }

  private readonly onTransaction = (tr: Y.Transaction): void => {
    const update = this.updateOf(tr);
    if (update) this.onDocUpdate(update, tr.origin, tr);
  };

  private onDocUpdate(update: Uint8Array, origin: unknown, tr: Y.Transaction): void {
    if (this.connections.size > (isConnectionOrigin(origin) ? 1 : 0)) {
      const frame = encodeSyncUpdate(update);
      for (const conn of this.connections) if (conn !== origin) conn.send(frame);
    }
    if (isConnectionOrigin(origin)) {
      const ranges = clockRanges(tr);
      this.logGapBefore(ranges);
      for (let i = 0; i < ranges.length; i += 3) this.logged.set(ranges[i]!, ranges[i + 2]!);
      this.uncommitted.push(this.events.localUpdate(update, origin), ranges, origin.info.wantsAck ? origin : null);
    } else if (origin === ('bus' satisfies TransactionOrigin)) {
      // A local ack client's own structs arriving from another node (see logOwn).
      if (this.awarenessOwner.size > 0) for (const [client, to] of tr.afterState) {
        if (to === (tr.beforeState.get(client) ?? 0)) continue;
        const owner = this.awarenessOwner.get(client);
        if (owner?.info.wantsAck) this.logOwn(owner, client);
      }
    } else if (origin === ('server' satisfies TransactionOrigin)) {
      // The server's own client id: its clocks follow each other, so no gap to log first.
      const ranges = clockRanges(tr);
      for (let i = 0; i < ranges.length; i += 3) this.logged.set(ranges[i]!, ranges[i + 2]!);
      this.uncommitted.push(this.events.serverUpdate(update), ranges, null);
    }
  }

  /** Logs what the doc holds between `logged` and where these ranges start, for clients with a gap. */
  private logGapBefore(ranges: number[]): void {
    let from: Map<number, number> | null = null;
    const gapRanges: number[] = [];
    for (let i = 0; i < ranges.length; i += 3) {
      const client = ranges[i]!;
      const known = this.logged.get(client) ?? 0;
      if (ranges[i + 1]! <= known) continue;
      from ??= Y.decodeStateVector(Y.encodeStateVector(this.doc));
      from.set(client, known);
      gapRanges.push(client, known, ranges[i + 2]!);
    }
    if (!from) return;
    // The doc's whole state except, for each gapped client, everything from what is logged:
    // the gap and the new update's own structs (logged twice, which Yjs ignores).
    const gap = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(from));
    this.uncommitted.push(this.events.logGap(gap), gapRanges, null);
  }

  /**
   * A state belongs to the connection that last changed it, not to the first that sent it:
   * y-websocket clients relay every awareness change they see, and a browser's tabs share
   * theirs over a BroadcastChannel, so another tab can deliver a new tab's state before the
   * new tab's own socket does. Attributed to the relay, the state outlived the tab that owned
   * it by 30 s (Awareness' timeout): a ghost caret and "in notes" after the tab closed. A
   * relay repeats a clock the owner already sent and so changes nothing; the owner's own next
   * change (a cursor move, or its 15 s renewal) takes the state back.
   */
  private claimAwareness(conn: Connection, id: number): void {
    const owner = this.awarenessOwner.get(id);
    if (owner === conn) return;
    owner?.awarenessIds.delete(id);
    conn.awarenessIds.add(id);
    this.awarenessOwner.set(id, conn);
    if (conn.info.wantsAck) this.logOwn(conn, id);
  }

  /**
   * Makes sure this node's log holds what the doc has of an ack connection's own client id,
   * and acks the connection once it is committed. After a failover the client's last edit can
   * reach this node before the client does: through its partner (committed here under the
   * partner) or over the bus from the node its partner landed on (durable there, never logged
   * here, so no commit of this node would ever cover it). The client then sends nothing new,
   * and without this it would wait for an ack forever. Logging the structs again here is a
   * duplicate Yjs ignores, and happens only when a client's own structs came from elsewhere.
   */
  private logOwn(conn: Connection, client: number): void {
    const have = Y.getState(this.doc.store, client);
    if (have <= (this.committed.get(client) ?? 0)) {
      if (conn.ackedVersion !== this.committedVersion) this.sendAcks([conn]);
      return;
    }
    if (have > (this.logged.get(client) ?? 0)) {
      this.logGapBefore([client, have, have]);
      this.logged.set(client, have);
    }
    this.awaitCommit(conn, new Map([[client, have]]));
  }

  /**
   * Validation of an awareness state: its `user` is the connection's authenticated member.
   * A stock y-websocket client publishes no Menteo user (often just `{}`), and any client may
   * claim another's id; stamped, every state the members see names who really sent it, so a
   * non-browser client shows in the roster as present. Fields other than the identity are
   * kept (a browser's colour, focus and cursor). Runs before the state is passed on, so what
   * leaves this node (to members and the bus) is the stamped state.
   */
  private stampAwareness(conn: Connection, id: number): void {
    const member = conn.info.member;
    const state = this.awareness.states.get(id);
    if (!member || !state) return;
    const user: unknown = state.user;
    const u = typeof user === 'object' && user !== null ? (user as Record<string, unknown>) : {};
    if (u.userId === conn.info.userId && u.role === member.role && typeof u.name === 'string') return;
    this.awareness.states.set(id, {
      ...state,
      user: { ...u, userId: conn.info.userId, name: member.displayName, role: member.role },
    });
  }

  private releaseAwareness(id: number): void {
    this.awarenessOwner.get(id)?.awarenessIds.delete(id);
    this.awarenessOwner.delete(id);
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (isConnectionOrigin(origin)) {
      for (const id of added) this.claimAwareness(origin, id);
      for (const id of updated) this.claimAwareness(origin, id);
      for (const id of added) this.stampAwareness(origin, id);
      for (const id of updated) this.stampAwareness(origin, id);
    } else if (origin === ('bus' satisfies TransactionOrigin)) {
      // Changed on another node: controlled there now, whoever relayed it here first.
      for (const id of added) this.releaseAwareness(id);
      for (const id of updated) this.releaseAwareness(id);
    }
    for (const id of removed) this.releaseAwareness(id);
    const changed = [...added, ...updated, ...removed];
    if (changed.length === 0) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    const frame = encodeAwareness(update);
    for (const conn of this.connections) conn.send(frame);
    // 'bus' states came from another node; 'timeout' removals happen on every node by themselves.
    if (isConnectionOrigin(origin)) this.events.localAwareness(update);
  };
}

/**
 * Empties the list of finished transactions Yjs hands to 'afterAllTransactions'. Yjs replaces
 * the doc's list with a new array after each transaction but leaves the old one holding the
 * transaction. A doc edited about once a second keeps its list long enough for V8 to move it
 * to the old generation, and a dead old array is still a root for the young generation until
 * the next full collection: each transaction (its state vectors, change maps and events)
 * survived two scavenges and was promoted. Emptied, the two-node benchmark promoted about
 * 40 % less per scavenge, with fewer mark-compacts (README, Performance).
 * In a microtask: other listeners of the event still see the list.
 */
const forgetTransactions = (_doc: Y.Doc, transactions: Y.Transaction[]): void => {
  queueMicrotask(() => {
    transactions.length = 0;
  });
};

/** Whether the transaction added structs (a delete-only one moves no clock). */
function grew(tr: Y.Transaction): boolean {
  for (const [client, clock] of tr.afterState) if ((tr.beforeState.get(client) ?? 0) !== clock) return true;
  return false;
}

const hasPending = (doc: Y.Doc): boolean => doc.store.pendingStructs !== null || doc.store.pendingDs !== null;

/** The [client, from, to] clock ranges a transaction added (what its update covers). */
function clockRanges(tr: Y.Transaction): number[] {
  const ranges: number[] = [];
  for (const [client, to] of tr.afterState) {
    const from = tr.beforeState.get(client) ?? 0;
    if (to > from) ranges.push(client, from, to);
  }
  return ranges;
}

/** Per client, the clock just past the last struct of its in `structs`. */
function endClocks(structs: Array<Y.Item | Y.GC | Y.Skip>): Map<number, number> {
  const ends = new Map<number, number>();
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    const end = struct.id.clock + struct.length;
    if (end > (ends.get(struct.id.client) ?? 0)) ends.set(struct.id.client, end);
  }
  return ends;
}

/** The same read off the encoded update, for one this room did not see applied. */
function rangesFromMeta(update: Uint8Array): number[] {
  const meta = Y.parseUpdateMeta(update);
  const ranges: number[] = [];
  for (const [client, to] of meta.to) ranges.push(client, meta.from.get(client) ?? 0, to);
  return ranges;
}
