import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { covers, isClientCovered, mergeMax, SaveTracker, uncovered } from './saved.ts';

const sv = (doc: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(doc));

describe('state vector coverage', () => {
  it("says a client is covered only when the acked clock reaches the doc's own clock", () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello');
    const mine = Y.getState(doc.store, doc.clientID);
    expect(mine).toBe(5);

    const before = new Y.Doc();
    Y.applyUpdate(before, Y.encodeStateAsUpdate(doc));
    doc.getText('t').insert(5, '!');
    expect(isClientCovered(sv(before), doc.clientID, Y.getState(doc.store, doc.clientID))).toBe(false);
    expect(isClientCovered(sv(doc), doc.clientID, Y.getState(doc.store, doc.clientID))).toBe(true);
  });

  it('treats a client that wrote nothing as covered by any vector', () => {
    expect(isClientCovered(new Map(), 42, 0)).toBe(true);
  });

  it('covers, mergeMax and uncovered agree per client', () => {
    const a = new Map([
      [1, 5],
      [2, 3],
    ]);
    const b = new Map([
      [1, 2],
      [3, 7],
    ]);
    expect(mergeMax(a, b)).toEqual(
      new Map([
        [1, 5],
        [2, 3],
        [3, 7],
      ]),
    );
    expect(covers(a, new Map([[1, 5]]))).toBe(true);
    expect(covers(a, new Map([[3, 1]]))).toBe(false);
    expect(uncovered(b, a)).toEqual(new Map([[3, 7]]));
  });
});

/** A client doc, and the "server" doc that commits what it receives, acked by state vector. */
function setup() {
  const doc = new Y.Doc();
  const server = new Y.Doc();
  const tracker = new SaveTracker(doc.clientID);
  const edit = (f: () => void) => {
    const before = Y.encodeStateVector(doc);
    doc.transact(f, 'local');
    const update = Y.encodeStateAsUpdate(doc, before);
    const inserted = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).has(doc.clientID);
    tracker.localChange(Y.getState(doc.store, doc.clientID), inserted, true);
    return update;
  };
  const commit = (update: Uint8Array) => Y.applyUpdate(server, update);
  const ack = () => tracker.ack(sv(server));
  return { doc, server, tracker, edit, commit, ack };
}

describe('SaveTracker', () => {
  it('is saved before any edit', () => {
    const { tracker } = setup();
    expect(tracker.state).toEqual({ saved: true, unsavedLocalEdits: false, unsavedEdits: 0 });
  });

  it('says Saving… from the moment of a local edit until an ack covers it', () => {
    const { doc, tracker, edit, commit, ack } = setup();
    const u = edit(() => doc.getText('t').insert(0, 'abc'));
    expect(tracker.state).toEqual({ saved: false, unsavedLocalEdits: true, unsavedEdits: 1 });
    // An ack that predates our edit does not count.
    ack();
    expect(tracker.state.saved).toBe(false);
    commit(u);
    ack();
    expect(tracker.state).toEqual({ saved: true, unsavedLocalEdits: false, unsavedEdits: 0 });
  });

  it('stays unsaved while only the first of two edits is committed', () => {
    const { doc, tracker, edit, commit, ack } = setup();
    const first = edit(() => doc.getText('t').insert(0, 'a'));
    edit(() => doc.getText('t').insert(1, 'b'));
    commit(first);
    ack();
    expect(tracker.state.saved).toBe(false);
  });

  it('counts the edits still waiting for an ack, one per local edit', () => {
    const { doc, tracker, edit, commit, ack } = setup();
    const first = edit(() => doc.getText('t').insert(0, 'a'));
    edit(() => doc.getText('t').insert(1, 'b'));
    edit(() => doc.getText('t').insert(2, 'c'));
    expect(tracker.state.unsavedEdits).toBe(3);
    commit(first);
    ack();
    expect(tracker.state.unsavedEdits).toBe(2);
    commit(Y.encodeStateAsUpdate(doc));
    ack();
    expect(tracker.state.unsavedEdits).toBe(0);
  });

  it("ignores other clients' clocks: a peer's edit we received does not make us unsaved", () => {
    const { doc, server, tracker, edit, commit, ack } = setup();
    commit(edit(() => doc.getText('t').insert(0, 'mine')));
    const peer = new Y.Doc();
    peer.getText('t').insert(0, 'theirs');
    // Arrives from the provider (remote origin): not reported to the tracker, not committed yet.
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer));
    ack();
    expect(covers(sv(server), sv(doc))).toBe(false);
    expect(tracker.state.saved).toBe(true);
  });

  it('counts a delete-only edit as saved at the next ack after it was sent', () => {
    const { doc, tracker, edit, commit, ack } = setup();
    commit(edit(() => doc.getText('t').insert(0, 'abc')));
    ack();
    expect(tracker.state.saved).toBe(true);
    const del = edit(() => doc.getText('t').delete(0, 1));
    expect(tracker.state.saved).toBe(false);
    commit(del);
    ack();
    expect(tracker.state.saved).toBe(true);
  });

  it('keeps a delete made offline pending until the server has asked for our state again', () => {
    const doc = new Y.Doc();
    const tracker = new SaveTracker(doc.clientID);
    doc.getText('t').insert(0, 'abc');
    tracker.localChange(Y.getState(doc.store, doc.clientID), true, true);
    tracker.ack(sv(doc));
    tracker.disconnected();
    doc.getText('t').delete(0, 1);
    tracker.localChange(Y.getState(doc.store, doc.clientID), false, false);
    // A stale ack arriving after the drop says nothing about the offline delete.
    tracker.ack(sv(doc));
    expect(tracker.state.saved).toBe(false);
    tracker.serverState(sv(doc));
    expect(tracker.state.saved).toBe(false);
    tracker.ack(sv(doc));
    expect(tracker.state.saved).toBe(true);
  });

  it('re-arms a sent-but-unacked delete when the socket drops', () => {
    const doc = new Y.Doc();
    const tracker = new SaveTracker(doc.clientID);
    tracker.localChange(0, false, true);
    tracker.disconnected();
    tracker.ack(new Map());
    expect(tracker.state.saved).toBe(false);
  });

  it('treats edits restored from IndexedDB as unsaved until the server shows it has them', () => {
    const closedTab = new Y.Doc();
    closedTab.getText('t').insert(0, 'written offline');
    const doc = new Y.Doc();
    const tracker = new SaveTracker(doc.clientID);
    tracker.restoredFromCache(sv(closedTab));
    expect(tracker.state).toEqual({ saved: false, unsavedLocalEdits: false, unsavedEdits: 1 });
    // The server's sync step 1 lacks them: they are sent now and must be acked.
    tracker.serverState(new Map());
    expect(tracker.state.saved).toBe(false);
    tracker.ack(sv(closedTab));
    expect(tracker.state.saved).toBe(true);
  });

  it('treats restored edits the server already holds as saved at once', () => {
    const earlier = new Y.Doc();
    earlier.getText('t').insert(0, 'synced long ago');
    const doc = new Y.Doc();
    const tracker = new SaveTracker(doc.clientID);
    tracker.restoredFromCache(sv(earlier));
    tracker.serverState(sv(earlier));
    expect(tracker.state.saved).toBe(true);
  });

  it('notifies subscribers on every change and stops after unsubscribe', () => {
    const tracker = new SaveTracker(1);
    let calls = 0;
    const off = tracker.subscribe(() => calls++);
    tracker.localChange(3, true, true);
    tracker.ack(new Map([[1, 3]]));
    off();
    tracker.localChange(4, true, true);
    expect(calls).toBe(2);
  });
});
