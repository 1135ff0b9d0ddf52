import { randomInt } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import { roomChannel, type Bus } from './Bus.ts';
import type { DocLink, DocPeer, Fanout } from './Fanout.ts';
import { assertNever, decodeEnvelope, encodeEnvelope, type DocMessage, type DocMessageType, type NodeMessage } from './envelope.ts';
import { createNodeLiveness } from './node-liveness.ts';
import { createUnknownVersions } from './unknown-versions.ts';

export interface FanoutDeps {
  bus: Bus;
  nodeId: string;
  logger?: Logger;
  metrics?: Registry;
  /**
   * Tick of the trailing-loss check: a doc whose outgoing traffic stopped repeats its latest
   * counter on the next ticks, so a lost last message is noticed within one to two ticks.
   * A doc still busy sends none (its next message reveals any gap), so a steady stream
   * costs one bus message per edit.
   */
  heartbeatMs?: number;
  /**
   * A node not heard from for this long (default five heartbeats) is taken for dead, and
   * the cursors of its clients are removed here at once (see node-liveness.ts).
   */
  nodeDeadAfterMs?: number;
  /** Test hook: return true to drop an outgoing message on purpose (it still consumes its counter). */
  dropOutgoing?: (m: { type: DocMessageType; docName: string; counter: number }) => boolean;
}

export interface FanoutStats {
  messagesIn: number;
  messagesOut: number;
  gaps: number;
  resyncs: number;
  decodeErrors: number;
  /** Messages of an envelope version this node cannot read (each answered by a resync of the doc). */
  unknownVersions: number;
}

export type RoomFanout = Fanout & { stats(): FanoutStats };

/** Heartbeats sent once a doc goes quiet; two, so one lost heartbeat is covered. */
const HEARTBEATS_AFTER_TRAFFIC = 2;
/** Gap reports within this window share one resync round. */
const RESYNC_COALESCE_MS = 10;
/**
 * A sync request that no holder answers is sent again after 1, 2, 4 and 8 s. On a lossy
 * channel the request itself can be lost, and a deletion the requester lacks leaves both
 * state vectors equal, so nothing else would ever ask for it again.
 */
const SYNC_RETRY_MS = 1000;
const SYNC_RETRIES = 4;

interface JoinedDoc {
  docName: string;
  channel: string;
  peer: DocPeer;
  session: number;
  counter: number;
  /**
   * Other side's session → the last counter seen from it. Keyed by session, not node id,
   * so two nodes sharing a NODE_ID (tests do) still count separately.
   */
  seen: Map<number, number>;
  heartbeatsLeft: number;
  /** Awareness client id → the node whose client it is, for states that came over the bus. */
  awarenessFrom: Map<number, string>;
  /** Published a counted message since the last tick. */
  busy: boolean;
  resyncTimer: NodeJS.Timeout | null;
  /** Armed while a sync request of ours has no answer (see SYNC_RETRY_MS). */
  retryTimer: NodeJS.Timeout | null;
  /** When a message from another holder last arrived (0: never). */
  heardAt: number;
  /** A counted message was not published because the bus said nobody else holds the doc. */
  skipped: boolean;
}

/**
 * Cross-node fan-out of room docs over a lossy Bus (DESIGN "Fan-out across nodes").
 * Every message carries (origin node, session, counter); receivers drop their own echoes,
 * and a counter that jumps, an unknown session that starts mid-stream, or a bus reconnect
 * makes the node publish its state vector (sync-request). Every other holder answers with
 * the diff, addressed to the requester, and asks in turn when the request shows that the
 * requester holds structs it lacks — so one request heals both directions.
 */
export function createFanout(deps: FanoutDeps): RoomFanout {
  const { bus, nodeId } = deps;
  const logger = deps.logger;
  const heartbeatMs = deps.heartbeatMs ?? 1000;
  const docs = new Map<string, JoinedDoc>();
  const counts: FanoutStats = { messagesIn: 0, messagesOut: 0, gaps: 0, resyncs: 0, decodeErrors: 0, unknownVersions: 0 };
  const unknownVersions = createUnknownVersions({ metrics: deps.metrics, logger });
  const m = deps.metrics ? registerMetrics(deps.metrics, counts, bus) : null;

  /**
   * Nobody else would receive a publish: the bus says so (exact on the in-process bus; on
   * Redis, the channel's subscriber count, up to a second old) and no other holder has been
   * heard from lately (a newcomer's sync request arrives before the count shows it).
   */
  const alone = (doc: JoinedDoc) => bus.hasPeers?.(doc.channel) === false && Date.now() - doc.heardAt > 3 * heartbeatMs;

  const send = (doc: JoinedDoc, msg: DocMessage) => {
    if (msg.type !== 'heartbeat') doc.busy = true;
    // Alone on the channel (one node on the in-process bus, or a room-affine balancer): nobody
    // to tell. The counter was still taken, so a node that subscribes later sees it start
    // mid-stream and resyncs; the tick repeats the counter once a peer shows up (below).
    if (alone(doc)) {
      if (msg.type !== 'heartbeat') doc.skipped = true;
      return;
    }
    counts.messagesOut++;
    if (m) m.out[msg.type]++;
    if (deps.dropOutgoing?.({ type: msg.type, docName: doc.docName, counter: msg.counter })) return;
    bus.publish(doc.channel, encodeEnvelope(msg));
  };
  const header = (doc: JoinedDoc, counted = true) => ({
    origin: nodeId,
    session: doc.session,
    counter: counted ? ++doc.counter : doc.counter,
  });

  const requestSync = (doc: JoinedDoc, attempt = 0) => {
    if (doc.resyncTimer) {
      clearTimeout(doc.resyncTimer);
      doc.resyncTimer = null;
    }
    stopRetry(doc);
    counts.resyncs++;
    m?.resyncs.inc();
    send(doc, { ...header(doc), type: 'sync-request', stateVector: doc.peer.stateVector() });
    // Alone: nobody could answer. (A holder that arrives later asks us itself.)
    if (attempt >= SYNC_RETRIES || alone(doc)) return;
    doc.retryTimer = setTimeout(() => {
      doc.retryTimer = null;
      if (docs.get(doc.docName) === doc) requestSync(doc, attempt + 1);
    }, SYNC_RETRY_MS * 2 ** attempt);
    doc.retryTimer.unref();
  };
  const stopRetry = (doc: JoinedDoc) => {
    if (doc.retryTimer) clearTimeout(doc.retryTimer);
    doc.retryTimer = null;
  };
  const scheduleResync = (doc: JoinedDoc) => {
    if (doc.resyncTimer) return;
    doc.resyncTimer = setTimeout(() => {
      doc.resyncTimer = null;
      if (docs.get(doc.docName) === doc) requestSync(doc);
    }, RESYNC_COALESCE_MS);
  };

  /** Counter bookkeeping for one received message; true when something was missed. */
  const missedBefore = (doc: JoinedDoc, msg: DocMessage): boolean => {
    const prev = doc.seen.get(msg.session);
    const counted = msg.type !== 'heartbeat';
    if (prev === undefined) {
      doc.seen.set(msg.session, msg.counter);
      // A session's first counted message is 1; a later first sight means we joined
      // mid-stream or lost its start (e.g. a sync-request). One resync settles both.
      return counted ? msg.counter > 1 : msg.counter > 0;
    }
    if (msg.counter <= prev) return false; // a heartbeat repeating what we have, or a duplicate
    doc.seen.set(msg.session, msg.counter);
    return msg.counter > (counted ? prev + 1 : prev);
  };

  const onMessage = (doc: JoinedDoc, payload: Uint8Array) => {
    const decoded = decodeEnvelope(payload);
    if (decoded.kind === 'unknown-version') {
      // A node of another version (a rolling deploy): its edit cannot be read, so ask every
      // holder for what we lack instead; they answer in our version, and so does that node
      // once it reads ours. Its messages still prove it alive.
      if (decoded.origin !== nodeId) liveness.heard(decoded.origin);
      counts.unknownVersions++;
      unknownVersions.report('fanout', decoded);
      scheduleResync(doc);
      return;
    }
    const msg = decoded.kind === 'message' ? docMessage(decoded.message) : null;
    if (!msg) {
      counts.decodeErrors++;
      logger?.warn({ err: decoded.kind === 'malformed' ? decoded.error : undefined, doc: doc.docName }, 'undecodable fan-out message dropped');
      return;
    }
    if (msg.origin === nodeId && msg.session === doc.session) return; // our own echo
    liveness.heard(msg.origin);
    doc.heardAt = Date.now();
    counts.messagesIn++;
    if (m) m.in[msg.type]++;
    if (missedBefore(doc, msg)) {
      counts.gaps++;
      m?.gaps.inc();
      logger?.debug({ doc: doc.docName, origin: msg.origin, counter: msg.counter }, 'fan-out gap; resyncing');
      scheduleResync(doc);
    }
    try {
      handle(doc, msg);
    } catch (err) {
      // A bad update from another node must not take this node down; the doc stays as it was.
      logger?.error({ err, doc: doc.docName, type: msg.type, origin: msg.origin }, 'applying a fan-out message failed');
    }
  };

  const handle = (doc: JoinedDoc, msg: DocMessage) => {
    switch (msg.type) {
      case 'update':
        doc.peer.applyRemoteUpdate(msg.update);
        return;
      case 'awareness':
        noteAwareness(doc, msg.origin, msg.update);
        doc.peer.applyRemoteAwareness(msg.update);
        return;
      case 'sync-request': {
        const diff = doc.peer.diffSince(msg.stateVector);
        const awareness = doc.peer.localAwareness() ?? new Uint8Array(0);
        // Answered even with nothing to send: the answer is what stops the requester asking
        // again. (Deletions do not advance a state vector, so an equal vector may still lack
        // a delete; the diff carries the whole delete set.)
        send(doc, {
          ...header(doc),
          type: 'sync-reply',
          target: msg.origin,
          targetSession: msg.session,
          diff: isEmptyUpdate(diff) ? new Uint8Array(0) : diff,
          awareness,
        });
        if (holdsMoreThan(msg.stateVector, doc.peer.stateVector())) scheduleResync(doc);
        return;
      }
      case 'sync-reply':
        if (msg.target !== nodeId || msg.targetSession !== doc.session) return;
        stopRetry(doc);
        if (msg.diff.length > 0) doc.peer.applyRemoteUpdate(msg.diff);
        if (msg.awareness.length > 0) {
          noteAwareness(doc, msg.origin, msg.awareness);
          doc.peer.applyRemoteAwareness(msg.awareness);
        }
        return;
      case 'heartbeat':
        return;
      default:
        assertNever(msg);
    }
  };

  const noteAwareness = (doc: JoinedDoc, origin: string, update: Uint8Array) => {
    for (const { clientId, removed } of awarenessClients(update)) {
      if (removed) doc.awarenessFrom.delete(clientId);
      else doc.awarenessFrom.set(clientId, origin);
    }
  };

  const liveness = createNodeLiveness({
    bus,
    nodeId,
    intervalMs: heartbeatMs,
    deadAfterMs: deps.nodeDeadAfterMs ?? 5 * heartbeatMs,
    unknownVersions,
    onDead(node) {
      let removed = 0;
      for (const doc of docs.values()) {
        const ids = [...doc.awarenessFrom].filter(([, from]) => from === node).map(([id]) => id);
        if (ids.length === 0) continue;
        for (const id of ids) doc.awarenessFrom.delete(id);
        removed += ids.length;
        try {
          doc.peer.removeRemoteAwareness(ids);
        } catch (err) {
          logger?.error({ err, doc: doc.docName }, 'removing a dead node’s cursors failed');
        }
      }
      logger?.warn({ node, cursorsRemoved: removed }, 'a node went silent on the bus; its clients’ cursors are removed');
    },
  });

  const heartbeat = setInterval(() => {
    for (const doc of docs.values()) {
      // Edits went unpublished while alone and now someone else holds the doc: repeat our
      // counter, so that holder sees what it missed and asks (its own join request covers
      // the same ground unless it was lost).
      if (doc.skipped && !alone(doc)) {
        doc.skipped = false;
        send(doc, { ...header(doc, false), type: 'heartbeat' });
        continue;
      }
      if (doc.busy) {
        doc.busy = false;
        doc.heartbeatsLeft = HEARTBEATS_AFTER_TRAFFIC;
        continue;
      }
      if (doc.heartbeatsLeft <= 0) continue;
      doc.heartbeatsLeft--;
      send(doc, { ...header(doc, false), type: 'heartbeat' });
    }
  }, heartbeatMs);
  heartbeat.unref();

  // Anything may have been lost while the bus was away, in both directions: every node
  // asks on its own reconnect, and the answers (plus holdsMoreThan) heal the rest.
  const offReconnect = bus.onReconnect(() => {
    for (const doc of docs.values()) requestSync(doc);
  });

  const leave = async (doc: JoinedDoc) => {
    if (docs.get(doc.docName) !== doc) return;
    docs.delete(doc.docName);
    if (doc.resyncTimer) clearTimeout(doc.resyncTimer);
    stopRetry(doc);
    await bus.unsubscribe(doc.channel);
  };

  return {
    async join(docName: string, peer: DocPeer): Promise<DocLink> {
      const existing = docs.get(docName);
      if (existing) {
        logger?.warn({ doc: docName }, 'fan-out join of a doc already joined; replacing the old link');
        await leave(existing);
      }
      const doc: JoinedDoc = {
        docName,
        channel: roomChannel(docName),
        peer,
        session: randomInt(1, 2 ** 32 - 1),
        counter: 0,
        seen: new Map(),
        heartbeatsLeft: 0,
        awarenessFrom: new Map(),
        busy: false,
        resyncTimer: null,
        retryTimer: null,
        heardAt: 0,
        skipped: false,
      };
      docs.set(docName, doc);
      await bus.subscribe(doc.channel, (payload) => onMessage(doc, payload));
      const live = () => docs.get(docName) === doc;
      return {
        publishUpdate: (update) => {
          if (live()) send(doc, { ...header(doc), type: 'update', update });
        },
        publishAwareness: (update) => {
          if (live()) send(doc, { ...header(doc), type: 'awareness', update });
        },
        requestSync: () => {
          if (live()) requestSync(doc);
        },
        leave: () => leave(doc),
      };
    },
    async close() {
      clearInterval(heartbeat);
      offReconnect();
      await liveness.close();
      await Promise.all([...docs.values()].map((doc) => leave(doc)));
    },
    stats: () => ({ ...counts }),
  };
}

/** A Yjs v1 update with no structs and an empty delete set. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

/** True when state vector `a` has a clock beyond `b` for some client. */
function holdsMoreThan(a: Uint8Array, b: Uint8Array): boolean {
  const theirs = Y.decodeStateVector(a);
  const ours = Y.decodeStateVector(b);
  for (const [client, clock] of theirs) if (clock > (ours.get(client) ?? 0)) return true;
  return false;
}

function registerMetrics(registry: Registry, counts: FanoutStats, bus: Bus) {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  // Counted in plain numbers and handed to prom-client at scrape time: a labelled inc()
  // hashes its labels on every call, and this runs once per edit.
  const byType = { in: zeroByType(), out: zeroByType() };
  const direction = (dir: 'in' | 'out') =>
    get(`menteo_bus_messages_${dir}_total`, () =>
      new Counter({
        name: `menteo_bus_messages_${dir}_total`,
        help: `Fan-out bus messages ${dir === 'in' ? 'received from other nodes' : 'published'}, by type`,
        labelNames: ['type'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [type, n] of Object.entries(byType[dir])) if (n > 0) this.inc({ type }, n);
        },
      }),
    );
  get('menteo_bus_publish_dropped', () =>
    new Gauge({
      name: 'menteo_bus_publish_dropped',
      help: 'Bus publishes dropped since start because the bus was disconnected (healed by resync)',
      registers: [registry],
      collect() {
        this.set(bus.stats?.().dropped ?? 0);
      },
    }),
  );
  get('menteo_bus_reconnects', () =>
    new Gauge({
      name: 'menteo_bus_reconnects',
      help: 'Times the bus connection to Redis came back since start (each resyncs every held room)',
      registers: [registry],
      collect() {
        this.set(bus.stats?.().reconnects ?? 0);
      },
    }),
  );
  get('menteo_bus_decode_errors', () =>
    new Gauge({ name: 'menteo_bus_decode_errors', help: 'Undecodable fan-out messages dropped', registers: [registry], collect() { this.set(counts.decodeErrors); } }),
  );
  direction('in');
  direction('out');
  return {
    in: byType.in,
    out: byType.out,
    gaps: get('menteo_bus_gaps_total', () => new Counter({ name: 'menteo_bus_gaps_total', help: 'Missed fan-out messages detected (counter gaps)', registers: [registry] })),
    resyncs: get('menteo_bus_resyncs_total', () => new Counter({ name: 'menteo_bus_resyncs_total', help: 'State-vector resyncs requested over the bus', registers: [registry] })),
  };
}

/** The client ids an awareness update sets (`removed: false`) or removes (state null). */
function awarenessClients(update: Uint8Array): Array<{ clientId: number; removed: boolean }> {
  const d = decoding.createDecoder(update);
  const n = decoding.readVarUint(d);
  const out: Array<{ clientId: number; removed: boolean }> = [];
  for (let i = 0; i < n; i++) {
    const clientId = decoding.readVarUint(d);
    decoding.readVarUint(d); // clock
    out.push({ clientId, removed: decoding.readVarString(d) === 'null' });
  }
  return out;
}

function zeroByType(): Record<DocMessageType, number> {
  return { update: 0, awareness: 0, 'sync-request': 0, 'sync-reply': 0, heartbeat: 0 };
}

/** The message if it belongs on a doc channel; null for any other kind (dropped as undecodable). */
function docMessage(m: NodeMessage): DocMessage | null {
  switch (m.type) {
    case 'update':
    case 'awareness':
    case 'sync-request':
    case 'sync-reply':
    case 'heartbeat':
      return m;
    case 'node-alive':
    case 'revocation':
    case 'area-event':
      return null;
    default:
      return assertNever(m);
  }
}
