import * as Y from 'yjs';
import { CloseCode, closeReason } from '@menteo/protocol';
import type { Logger } from '../logger.ts';
import type { DocLink, DocPeer, Fanout } from '../bus/Fanout.ts';
import { Connection, type ConnectionInfo, type RoomSocket } from './Connection.ts';
import { Room } from './Room.ts';
import { encodeSyncUpdate } from './messages.ts';

/** Where rooms come from and are compacted into (persistence/room-store.ts). */
export interface RoomStore {
  /** The checkpoint (if any) then the log tail, in order, and the tail's length. */
  load(docName: string): Promise<{ parts: Uint8Array[]; tailLength: number }>;
  /** Folds the log and `inMemory` into a new checkpoint in one transaction. */
  compact(docName: string, inMemory: Uint8Array): Promise<{ folded: number; state: Uint8Array }>;
}

/** The durable update log as the registry uses it (persistence/UpdateLog.ts). */
export interface RoomLog {
  /** Queues a row; returns its sequence number, handed back when the row commits. */
  append(docName: string, update: Uint8Array, authorId: string | null): number;
  /** Resolves once everything appended for the doc so far is committed. */
  flush(docName: string): Promise<void>;
  /** More pending than the memory bound allows even for connected writers. */
  isOverloaded(): boolean;
  /** Per doc and commit: the rows' updates and sequence numbers, in append order. */
  onCommitted(listener: (docName: string, updates: Uint8Array[], seqs: number[]) => void): () => void;
}

/** Counts for metrics; the registry knows nothing about prom-client. */
export interface RegistryObserver {
  roomsLoaded(n: number): void;
  connections(n: number): void;
  update(bytes: number): void;
  breach(code: CloseCode): void;
  compaction(): void;
}

export interface RegistryDeps {
  fanout: Fanout;
  store: RoomStore;
  log: RoomLog;
  limits: { maxDocBytes: number; maxUpdatesPerSecond: number };
  compactAfterUpdates: number;
  roomIdleMs: number;
  observer: RegistryObserver;
  logger: Logger;
}

type EntryState = 'loading' | 'ready' | 'unloading';

interface Entry {
  room: Room;
  state: EntryState;
  /** Resolves once the room is loaded; shared by every concurrent join (STYLE rule 4). */
  ready: Promise<void>;
  link: DocLink | null;
  /** Joins in flight + open connections. The room unloads only at 0, re-checked after every await. */
  refs: number;
  /** Log rows not yet folded into the checkpoint, as far as this node knows. */
  tail: number;
  compacting: Promise<void> | null;
  idleTimer: NodeJS.Timeout | null;
}

export class RoomShuttingDownError extends Error {}

/** The socket of a server-made edit (editAs): nobody to send to, nothing to close. */
const SERVER_SOCKET: RoomSocket = { send: () => {}, close: () => {} };

/**
 * The rooms this node holds. Loads a doc once however many join at once (subscribe to the
 * fan-out, then read Postgres, then ask other nodes for the rest), persists what its
 * connections change, and unloads a doc after it has been idle and its writes are flushed.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Entry>();
  /** fanout.leave still in flight per doc; a reload waits for it so join/leave never interleave. */
  private readonly leaving = new Map<string, Promise<void>>();
  private connectionCount = 0;
  private closing = false;
  private readonly offCommitted: () => void;

  constructor(private readonly deps: RegistryDeps) {
    this.offCommitted = deps.log.onCommitted((docName, updates, seqs) => this.onCommitted(docName, updates, seqs));
  }

  get size(): number {
    return this.rooms.size;
  }

  get connections(): number {
    return this.connectionCount;
  }

  /** The loaded room of a doc (tests, history snapshots), or undefined. */
  peek(docName: string): Room | undefined {
    const entry = this.rooms.get(docName);
    return entry?.state === 'loading' ? undefined : entry?.room;
  }

  /** Adds a connection once the doc is loaded. Rejects when loading fails or the node is closing. */
  async join(docName: string, socket: RoomSocket, info: ConnectionInfo): Promise<Connection> {
    if (this.closing) throw new RoomShuttingDownError('shutting down');
    const entry = this.rooms.get(docName) ?? this.startLoad(docName);
    entry.refs++;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    try {
      await entry.ready;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    if (this.closing) {
      this.release(entry);
      throw new RoomShuttingDownError('shutting down');
    }
    const conn = new Connection(docName, socket, info, this.deps.limits.maxUpdatesPerSecond);
    entry.room.addConnection(conn);
    this.deps.observer.connections(++this.connectionCount);
    return conn;
  }

  /**
   * An edit the server makes on a member's behalf (restoring from history), handled exactly as
   * if that member's client had sent it: sent to local connections and other nodes, and logged
   * with the member as author. `make` reads the room's current doc (never changes it) and
   * returns the update, or null for nothing to do. Resolves once the update is committed.
   */
  async editAs(docName: string, info: ConnectionInfo, make: (doc: Y.Doc) => Uint8Array | null): Promise<Uint8Array | null> {
    const conn = await this.join(docName, SERVER_SOCKET, { ...info, wantsAck: false });
    try {
      const room = this.rooms.get(docName)?.room;
      const update = room ? make(room.doc) : null;
      if (!update) return null;
      this.handleMessage(conn, encodeSyncUpdate(update));
      // A refusal (document too large) closes the connection instead of applying the update.
      if (conn.closed) throw new Error(`the room refused the edit to ${docName}`);
      await this.deps.log.flush(docName);
      return update;
    } finally {
      this.leave(conn);
    }
  }

  /**
   * Runs the server's own edit on a doc (Room.serverEdit), loading it first if this node does
   * not hold it; the doc stays loaded for the usual idle time afterwards. The edit is logged and
   * published like a member's.
   */
  async serverEdit<T>(docName: string, fn: (doc: Y.Doc) => T): Promise<T> {
    if (this.closing) throw new RoomShuttingDownError('shutting down');
    const entry = this.rooms.get(docName) ?? this.startLoad(docName);
    entry.refs++;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    try {
      await entry.ready;
      return entry.room.serverEdit(fn);
    } finally {
      this.release(entry);
    }
  }

  /** Feeds one frame to the connection's room. */
  handleMessage(conn: Connection, data: Uint8Array): void {
    this.rooms.get(conn.docName)?.room.handleMessage(conn, data);
  }

  /** The transport saw the socket close. Idempotent. */
  leave(conn: Connection): void {
    conn.closed = true;
    const entry = this.rooms.get(conn.docName);
    if (!entry || !entry.room.connections.has(conn)) return;
    entry.room.removeConnection(conn);
    this.deps.observer.connections(--this.connectionCount);
    this.release(entry);
  }

  /** Closes matching connections (revoked membership) with `code`. */
  closeWhere(match: (info: ConnectionInfo) => boolean, code: CloseCode): number {
    let n = 0;
    for (const entry of this.rooms.values()) {
      for (const conn of entry.room.connections) {
        if (match(conn.info)) {
          conn.close(code, closeReason[code]);
          n++;
        }
      }
    }
    return n;
  }

  /** Stops accepting joins, closes every connection with `code` and drops every room. */
  async close(code: CloseCode): Promise<void> {
    this.closing = true;
    for (const entry of this.rooms.values()) {
      for (const conn of [...entry.room.connections]) {
        conn.close(code, closeReason[code]);
        this.leave(conn);
      }
    }
    // Rooms still loading finish (or fail) first, so their links exist to be left.
    await Promise.allSettled([...this.rooms.values()].map((e) => e.ready));
    const compactions = [...this.rooms.values()].map((e) => e.compacting).filter((p) => p !== null);
    await Promise.allSettled(compactions);
    for (const [name, entry] of this.rooms) this.drop(name, entry);
    await Promise.allSettled([...this.leaving.values()]);
    this.offCommitted();
  }

  private startLoad(docName: string): Entry {
    const room = new Room(docName, { maxDocBytes: this.deps.limits.maxDocBytes }, {
      localUpdate: (update, conn) => {
        this.deps.observer.update(update.byteLength);
        const seq = this.deps.log.append(docName, update, conn.info.userId);
        entry.link?.publishUpdate(update);
        if (this.deps.log.isOverloaded()) {
          // Postgres has been away long enough to fill the bounded queue twice over.
          this.deps.logger.warn({ docName, userId: conn.info.userId }, 'update log overloaded; closing writer');
          conn.close(CloseCode.TryAgainLater, closeReason[CloseCode.TryAgainLater]);
        }
        return seq;
      },
      logGap: (update) => this.deps.log.append(docName, update, null),
      serverUpdate: (update) => {
        this.deps.observer.update(update.byteLength);
        const seq = this.deps.log.append(docName, update, null);
        entry.link?.publishUpdate(update);
        return seq;
      },
      localAwareness: (update) => entry.link?.publishAwareness(update),
      breach: (conn, code, detail) => {
        this.deps.observer.breach(code);
        this.deps.logger.warn({ docName, userId: conn.info.userId, code, detail }, 'connection closed for a limit breach');
      },
    });
    const entry: Entry = {
      room,
      state: 'loading',
      ready: Promise.resolve(),
      link: null,
      refs: 0,
      tail: 0,
      compacting: null,
      idleTimer: null,
    };
    entry.ready = this.load(docName, entry);
    // A failed load is reported to every joiner through `ready`; this handler only keeps it from being "unhandled".
    entry.ready.catch((err: unknown) => this.deps.logger.error({ err, docName }, 'room failed to load'));
    this.rooms.set(docName, entry);
    return entry;
  }

  private async load(docName: string, entry: Entry): Promise<void> {
    try {
      const previous = this.leaving.get(docName);
      if (previous) await previous;
      // Updates of an earlier load of this doc may still sit in the log's queue; reading Postgres
      // before they commit would load a doc without them.
      await this.deps.log.flush(docName);
      // Subscribe first: an update published while we read Postgres reaches us over the bus.
      entry.link = await this.deps.fanout.join(docName, this.peerOf(entry.room));
      const stored = await this.deps.store.load(docName);
      const { skipped } = entry.room.load(stored.parts);
      if (skipped > 0) this.deps.logger.error({ docName, skipped }, 'skipped stored updates that do not decode');
      entry.tail = stored.tailLength;
      entry.link.requestSync();
      entry.state = 'ready';
      this.deps.observer.roomsLoaded(this.rooms.size);
    } catch (err) {
      if (this.rooms.get(docName) === entry) this.rooms.delete(docName);
      entry.room.destroy();
      if (entry.link) this.trackLeave(docName, entry.link);
      throw err;
    }
    // A long tail (e.g. the node that held it died) is folded now, after the room is usable.
    if (entry.tail >= this.deps.compactAfterUpdates) this.compact(docName, entry);
  }

  private peerOf(room: Room): DocPeer {
    const logger = this.deps.logger;
    return {
      applyRemoteUpdate(update) {
        try {
          room.applyRemoteUpdate(update);
        } catch (err) {
          logger.error({ err, docName: room.name }, 'dropped an undecodable update from the bus');
        }
      },
      applyRemoteAwareness(update) {
        try {
          room.applyRemoteAwareness(update);
        } catch (err) {
          logger.error({ err, docName: room.name }, 'dropped an undecodable awareness update from the bus');
        }
      },
      removeRemoteAwareness(clientIds) {
        room.removeRemoteAwareness(clientIds);
      },
      stateVector: () => Y.encodeStateVector(room.doc),
      diffSince: (sv) => Y.encodeStateAsUpdate(room.doc, sv),
      localAwareness: () => room.localAwareness(),
    };
  }

  private onCommitted(docName: string, updates: Uint8Array[], seqs: number[]): void {
    const entry = this.rooms.get(docName);
    if (!entry) return;
    entry.room.committedUpdates(updates, seqs);
    entry.tail += updates.length;
    if (entry.tail >= this.deps.compactAfterUpdates && entry.state === 'ready') this.compact(docName, entry);
  }

  /** Starts a compaction unless one runs; the returned promise never rejects. */
  private compact(docName: string, entry: Entry): Promise<void> {
    entry.compacting ??= (async () => {
      try {
        const result = await this.deps.store.compact(docName, Y.encodeStateAsUpdate(entry.room.doc));
        entry.tail = Math.max(0, entry.tail - result.folded);
        entry.room.remoteUpdates = 0;
        entry.room.sizeEstimate = result.state.byteLength;
        // The checkpoint holds the whole in-memory doc as of its start: all of that is now durable.
        entry.room.advanceCommittedTo(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(result.state)));
        this.deps.observer.compaction();
      } catch (err) {
        this.deps.logger.error({ err, docName }, 'compaction failed; the log tail stays and is retried later');
      } finally {
        entry.compacting = null;
      }
    })();
    return entry.compacting;
  }

  private release(entry: Entry): void {
    entry.refs--;
    if (entry.refs > 0 || entry.state !== 'ready' || this.closing) return;
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = null;
      void this.unload(entry.room.name, entry);
    }, this.deps.roomIdleMs);
  }

  private async unload(docName: string, entry: Entry): Promise<void> {
    if (entry.refs > 0 || entry.state !== 'ready') return;
    entry.state = 'unloading';
    // Every await below may let a join in; it takes a ref, and we then keep the room.
    await this.deps.log.flush(docName);
    if (entry.compacting) await entry.compacting;
    if (entry.refs === 0 && (entry.tail > 0 || entry.room.remoteUpdates > 0)) {
      await this.compact(docName, entry);
    }
    if (entry.refs > 0 || this.closing) {
      if (!this.closing) entry.state = 'ready';
      return;
    }
    this.drop(docName, entry);
  }

  /** Synchronous, so no join can slip in between the check and the removal. */
  private drop(docName: string, entry: Entry): void {
    if (this.rooms.get(docName) !== entry) return;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    this.rooms.delete(docName);
    entry.room.destroy();
    if (entry.link) this.trackLeave(docName, entry.link);
    this.deps.observer.roomsLoaded(this.rooms.size);
  }

  private trackLeave(docName: string, link: DocLink): void {
    const p = link.leave().then(
      () => undefined,
      (err: unknown) => this.deps.logger.error({ err, docName }, 'leaving the fan-out failed'),
    );
    this.leaving.set(docName, p);
    void p.finally(() => {
      if (this.leaving.get(docName) === p) this.leaving.delete(docName);
    });
  }
}
