import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { CloseCode, MessageType, YJS_PATH, closeReason, parseDocName, storedDocName } from '@menteo/protocol';
import type { AppContext } from '../context.ts';
import { isAllowedOrigin } from '../auth/origin.ts';
import type { RoomRegistry } from '../rooms/RoomRegistry.ts';
import type { Connection, ConnectionInfo } from '../rooms/Connection.ts';
import type { RegistryObserver } from '../rooms/RoomRegistry.ts';

/**
 * ws closes a frame over maxPayload with 1009 itself, before we see it. The public contract
 * says 4413, so this subclass renames that one code; ws still refuses to buffer the frame,
 * which keeps memory bounded by maxPayload per connection.
 */
class YjsWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    if (code === 1009) super.close(CloseCode.MessageTooLarge, closeReason[CloseCode.MessageTooLarge]);
    else super.close(code, data);
  }
}

/**
 * Heartbeat, for sockets that have gone quiet: a WebSocket ping and a y-protocols "query
 * awareness" (type 3), which every y-websocket client answers with an awareness message. A
 * probe unanswered for PING_INTERVAL_MS is a dead socket, terminated, so a dropped network (no
 * FIN, no close frame), which kept the member "here" for the 30 s of y-protocols' awareness
 * timeout or longer, takes its awareness away within about 4 s of its last message.
 *
 * Ticks come every half interval. A socket that sent anything since the last tick is alive and
 * is not probed: a member who is typing or moving the cursor costs no heartbeat traffic at all
 * (at 2,000 rooms the probes of busy sockets were a write and a read per socket every 2 s, as
 * many socket operations as the edits' relays). A quiet socket is probed at the next tick,
 * then has two ticks to answer.
 *
 * Why both: the browser's network stack answers pings below the page, so a page that has
 * lost its network to the browser (Chromium's offline mode does this) still pongs; only an
 * application message shows the page itself is there. Once a client has answered two probes
 * in a row it must keep answering queries (and is no longer pinged); a client that never does
 * (not every Yjs client handles type 3) is judged by its pongs.
 */
export const PING_INTERVAL_MS = 2000;
const QUERY_AWARENESS_FRAME = Uint8Array.of(MessageType.QueryAwareness);

/** Frames a socket may send while its room loads; a y-websocket client sends 2–4. */
const MAX_EARLY_FRAMES = 64;
/** Unsent bytes a slow reader may pile up before it is dropped (1013: it resyncs on reconnect). */
const maxBufferedBytes = (maxMessageBytes: number) => Math.max(8 * 1024 * 1024, 4 * maxMessageBytes);

type Verdict = { ok: true; docName: string; info: ConnectionInfo } | { ok: false; code: CloseCode; why: string };

export interface YjsEndpointDeps {
  ctx: AppContext;
  registry: RoomRegistry;
  /** The update log is at its memory bound: refuse new writers with 1013. */
  logIsFull: () => boolean;
  observer: RegistryObserver;
  /** Heartbeat period (tests shorten it); PING_INTERVAL_MS by default. */
  pingIntervalMs?: number;
  /**
   * True when the user coordinates the program this room belongs to: they know the room
   * exists (their dashboard lists it), so they are refused with 4403, never let in.
   */
  coordinates?: (userId: string, roomId: string) => Promise<boolean>;
}

export interface YjsEndpoint {
  attach(server: http.Server): void;
  /** Stops accepting upgrades (existing sockets are closed by the registry). */
  stop(): void;
  /** Upgrades whose authentication is still running (so shutdown can wait for them). */
  settle(): Promise<void>;
}

/** The y-websocket endpoint: ws(s)://HOST/yjs/<docName>[?token=…][&ack=1]. */
export function createYjsEndpoint(deps: YjsEndpointDeps): YjsEndpoint {
  const { ctx, registry } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.config.limits.maxMessageBytes,
    WebSocket: YjsWebSocket,
    // Yjs updates compress poorly and deflate costs memory per socket.
    perMessageDeflate: false,
  });
  let stopped = false;
  const inFlight = new Set<Promise<void>>();

  async function decide(req: http.IncomingMessage, docPath: string, wantsAck: boolean): Promise<Verdict> {
    if (stopped || deps.logIsFull()) return { ok: false, code: CloseCode.TryAgainLater, why: 'not accepting writers' };
    if (!isAllowedOrigin(ctx.config, req)) return { ok: false, code: CloseCode.Forbidden, why: 'origin' };
    const principal = await ctx.auth.authenticate(req);
    if (!principal) return { ok: false, code: CloseCode.Unauthenticated, why: 'no session or token' };
    let docName: string;
    try {
      docName = decodeURIComponent(docPath);
    } catch {
      return { ok: false, code: CloseCode.NoSuchRoom, why: 'undecodable doc name' };
    }
    const parsed = parseDocName(docName);
    if (!parsed) return { ok: false, code: CloseCode.NoSuchRoom, why: 'malformed doc name' };
    const { roomId } = parsed;
    // Unknown rooms and rooms of others look the same (4404), so ids do not leak.
    const role = await ctx.auth.roomRole(principal, roomId);
    if (role === null) {
      if (deps.coordinates && (await deps.coordinates(principal.userId, roomId))) {
        return { ok: false, code: CloseCode.Forbidden, why: 'program coordinator' };
      }
      return { ok: false, code: CloseCode.NoSuchRoom, why: 'not a member' };
    }
    // A private doc is its owner's alone: the partner knows the room, so 4403 (not 4404) hides nothing.
    if (parsed.kind === 'private' && parsed.ownerId !== null && parsed.ownerId !== principal.userId) {
      return { ok: false, code: CloseCode.Forbidden, why: "another member's private doc" };
    }
    // The legacy name `<roomId>~private` and the per-user name reach the same stored doc.
    const storageName = storedDocName(parsed, principal.userId);
    return {
      ok: true,
      docName: storageName,
      info: { userId: principal.userId, roomId, wantsAck, member: { displayName: principal.displayName, role } },
    };
  }

  async function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const docPath = url.pathname.slice(YJS_PATH.length + 1);
    let verdict: Verdict;
    try {
      verdict = await decide(req, docPath, url.searchParams.get('ack') === '1');
    } catch (err) {
      ctx.logger.error({ err }, 'y-websocket upgrade: authentication failed');
      verdict = { ok: false, code: CloseCode.TryAgainLater, why: 'authentication unavailable' };
    }
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!verdict.ok) {
        // Refused before any message handler exists: nothing the client sent is read or buffered.
        ctx.logger.info({ code: verdict.code, why: verdict.why, path: url.pathname }, 'y-websocket refused');
        ws.close(verdict.code, closeReason[verdict.code]);
        return;
      }
      serve(ws, verdict.docName, verdict.info);
    });
  }

  function serve(ws: WebSocket, docName: string, info: ConnectionInfo): void {
    let conn: Connection | null = null;
    let closed = false;
    const early: Uint8Array[] = [];
    let earlyBytes = 0;
    const maxBuffered = maxBufferedBytes(ctx.config.limits.maxMessageBytes);
    /**
     * Heartbeat state: `heard` is any message since the last tick; `probeAge` counts the ticks
     * since the outstanding probe was sent (-1: none); `replied` is an awareness message after it.
     */
    let heard = true;
    let ponged = false;
    let probeAge = -1;
    let replied = false;
    let replyStreak = 0;
    let answersQueries = false;
    ws.on('message', (data: RawData) => {
      heard = true;
      const bytes = toBytes(data);
      if (probeAge >= 0 && bytes[0] === MessageType.Awareness) replied = true;
      if (conn) return registry.handleMessage(conn, bytes);
      if (closed) return;
      early.push(bytes);
      earlyBytes += bytes.byteLength;
      // Bounded in frames and bytes: a client that floods before its room is loaded is not buffered.
      if (early.length > MAX_EARLY_FRAMES || earlyBytes > 2 * ctx.config.limits.maxMessageBytes) {
        deps.observer.breach(CloseCode.RateLimited);
        ctx.logger.warn({ docName, userId: info.userId }, 'connection closed for a limit breach: flooded while its room loaded');
        ws.close(CloseCode.RateLimited, closeReason[CloseCode.RateLimited]);
        // From here on it is as good as closed: nothing more is buffered, and the join is undone.
        closed = true;
        early.length = 0;
      }
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        deps.observer.breach(CloseCode.MessageTooLarge);
        ctx.logger.warn({ docName, userId: info.userId }, 'connection closed for a limit breach: message too large');
      } else {
        ctx.logger.warn({ err, docName, userId: info.userId }, 'y-websocket error');
      }
    });
    ws.on('pong', () => {
      ponged = true;
    });
    const interval = deps.pingIntervalMs ?? PING_INTERVAL_MS;
    const heartbeat = setInterval(() => {
      const probed = probeAge >= 0;
      if (heard || (probed && ponged && !answersQueries)) {
        if (probed) {
          replyStreak = replied ? replyStreak + 1 : 0;
          if (replyStreak >= 2) answersQueries = true;
        }
        heard = ponged = replied = false;
        probeAge = -1;
        return;
      }
      if (probed) {
        if (++probeAge < 2) return;
        ctx.logger.info({ docName, userId: info.userId }, 'y-websocket peer went silent; terminated');
        ws.terminate();
        return;
      }
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!answersQueries) ws.ping();
      ws.send(QUERY_AWARENESS_FRAME);
      probeAge = 0;
    }, interval / 2);
    heartbeat.unref();
    ws.on('close', () => {
      clearInterval(heartbeat);
      closed = true;
      early.length = 0;
      if (conn) registry.leave(conn);
    });
    const socket = {
      send(data: Uint8Array) {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > maxBuffered) {
          ctx.logger.warn({ docName, userId: info.userId, buffered: ws.bufferedAmount }, 'slow reader dropped');
          ws.close(CloseCode.TryAgainLater, closeReason[CloseCode.TryAgainLater]);
          return;
        }
        ws.send(data);
      },
      close(code: CloseCode, reason: string) {
        ws.close(code, reason);
      },
    };
    registry.join(docName, socket, info).then(
      (c) => {
        if (closed) return registry.leave(c);
        conn = c;
        for (const frame of early.splice(0)) registry.handleMessage(c, frame);
      },
      (err: unknown) => {
        ctx.logger.warn({ err, docName }, 'room unavailable; closing with 1013');
        ws.close(CloseCode.TryAgainLater, closeReason[CloseCode.TryAgainLater]);
      },
    );
  }

  return {
    attach(server) {
      server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        // Other upgrades (socket.io) have their own listener.
        if (!path.startsWith(`${YJS_PATH}/`)) return;
        socket.on('error', (err) => ctx.logger.debug({ err }, 'y-websocket socket error before upgrade'));
        const p = onUpgrade(req, socket, head)
          .catch((err: unknown) => {
            ctx.logger.error({ err }, 'y-websocket upgrade failed');
            socket.destroy();
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      });
    },
    stop() {
      stopped = true;
    },
    async settle() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
