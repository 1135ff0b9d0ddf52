/**
 * "Saved" bookkeeping, driven only by the server's acks (message type 100 carries the
 * state vector committed in Postgres). Pure and DOM-free so it is unit-tested directly.
 *
 * A state vector says, per clientID, how many structs (insertions) are known. So an edit
 * that inserts is saved once the acked vector covers our clock. Deletions do not advance
 * any clock; a delete-only edit is therefore counted as saved at the first ack that
 * arrives after the edit went out on the socket (see SaveTracker.localChange).
 */

/** clientID → clock, as returned by Y.decodeStateVector. */
export type StateVector = ReadonlyMap<number, number>;

/** Whether `sv` knows every struct `clientID` wrote up to (but excluding) `clock`. */
export function isClientCovered(sv: StateVector, clientID: number, clock: number): boolean {
  return clock <= 0 || (sv.get(clientID) ?? 0) >= clock;
}

/** Whether `sv` covers every entry of `target`. */
export function covers(sv: StateVector, target: StateVector): boolean {
  for (const [client, clock] of target) {
    if (!isClientCovered(sv, client, clock)) return false;
  }
  return true;
}

/** Per-client maximum of two vectors (commits only grow, so acks are merged this way). */
export function mergeMax(a: StateVector, b: StateVector): Map<number, number> {
  const out = new Map(a);
  for (const [client, clock] of b) {
    if (clock > (out.get(client) ?? 0)) out.set(client, clock);
  }
  return out;
}

/** The entries of `target` that `sv` does not cover yet. */
export function uncovered(target: StateVector, sv: StateVector): Map<number, number> {
  const out = new Map<number, number>();
  for (const [client, clock] of target) {
    if (!isClientCovered(sv, client, clock)) out.set(client, clock);
  }
  return out;
}

export interface SaveState {
  /** Everything this client is responsible for is committed on the server. */
  saved: boolean;
  /** Edits made in this tab are not committed yet (the beforeunload warning). */
  unsavedLocalEdits: boolean;
  /**
   * How many edits (local transactions, plus restored ones the server lacks, counted once)
   * wait for an ack: what the status says is "not saved yet" while offline.
   */
  unsavedEdits: number;
}

/**
 * Tracks what this client must see acked before it may say "Saved":
 * - its own clock (doc.clientID) after each local edit;
 * - edits restored from IndexedDB (a closed tab's offline work, other clientIDs) that the
 *   server turned out not to have when it sent its state vector (sync step 1);
 * - delete-only local edits, which no state vector can show (see the module comment).
 */
export class SaveTracker {
  #acked: Map<number, number> = new Map();
  /** What the server is known to hold: acked, or present in its sync step 1. */
  #serverKnown: Map<number, number> = new Map();
  #heardFromServer = false;
  #ownClientID: number;
  #ownClock = 0;
  /** Own clock after each inserting local edit not yet covered by an ack, oldest first. */
  #unackedEdits: number[] = [];
  /** Restored-from-cache vectors still to be checked against the server. */
  #cached: Map<number, number> = new Map();
  /** A delete-only edit: not yet sent ('unsent'), sent and waiting for the next ack ('sent'). */
  #pendingDelete: 'unsent' | 'sent' | null = null;
  #listeners = new Set<() => void>();

  constructor(ownClientID: number) {
    this.#ownClientID = ownClientID;
  }

  /** A local edit: `clock` is Y.getState(doc.store, doc.clientID) after it; `inserted` false for delete-only. */
  localChange(clock: number, inserted: boolean, connected: boolean): void {
    // A clock that moved inserted something, whatever `inserted` says (a state vector read
    // off an update that continues our earlier ones names no client).
    const grew = clock > this.#ownClock;
    if (grew) {
      this.#ownClock = clock;
      this.#unackedEdits.push(clock);
    }
    if (!inserted && !grew) this.#pendingDelete = connected ? 'sent' : 'unsent';
    this.#emit();
  }

  /** Updates applied from IndexedDB: the state vector they carry. */
  restoredFromCache(sv: StateVector): void {
    this.#cached = mergeMax(this.#cached, sv);
    this.#emit();
  }

  /**
   * The server's state vector from its sync step 1. The client answers it with everything
   * the server lacks (sync step 2), so unsent edits are on their way from here on.
   */
  serverState(sv: StateVector): void {
    this.#serverKnown = mergeMax(this.#serverKnown, sv);
    this.#heardFromServer = true;
    if (this.#pendingDelete === 'unsent') this.#pendingDelete = 'sent';
    this.#emit();
  }

  /** A type-100 ack: the state vector committed in Postgres. */
  ack(sv: StateVector): void {
    this.#acked = mergeMax(this.#acked, sv);
    const acked = this.#acked;
    this.#unackedEdits = this.#unackedEdits.filter((clock) => !isClientCovered(acked, this.#ownClientID, clock));
    this.#serverKnown = mergeMax(this.#serverKnown, sv);
    this.#heardFromServer = true;
    if (this.#pendingDelete === 'sent') this.#pendingDelete = null;
    this.#emit();
  }

  /** The socket closed: anything sent but unacked is re-sent after the next sync step 1. */
  disconnected(): void {
    if (this.#pendingDelete === 'sent') this.#pendingDelete = 'unsent';
    this.#emit();
  }

  get state(): SaveState {
    const ownCovered = isClientCovered(this.#acked, this.#ownClientID, this.#ownClock);
    const unsavedLocalEdits = !ownCovered || this.#pendingDelete !== null;
    // Cached edits the server lacks must be acked; those it already holds are not ours to wait for.
    // Before the server has spoken, restored edits count as unsaved: we cannot know yet.
    const cachedPending = this.#heardFromServer ? uncovered(this.#cached, this.#serverKnown).size > 0 : this.#cached.size > 0;
    const unsavedEdits = (ownCovered ? 0 : Math.max(1, this.#unackedEdits.length)) + (this.#pendingDelete !== null ? 1 : 0) + (cachedPending ? 1 : 0);
    return { saved: !unsavedLocalEdits && !cachedPending, unsavedLocalEdits, unsavedEdits };
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const l of this.#listeners) l();
  }
}
