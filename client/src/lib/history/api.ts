/**
 * The history endpoints (packages/protocol/src/history.ts), apart from the main Api because a
 * point's state is binary (one Yjs update), and because only the history pages load it.
 */
import type {
  CompareResult,
  HistoryMeetingsResponse,
  HistoryPoint,
  RestoreBody,
  RestoreResult,
  TimelineResponse,
} from '@menteo/protocol';
import { ApiError, errorFrom, NETWORK_ERROR_MESSAGE, parseJson } from '../api.ts';

/** A past state as the server sends it: the doc as one update, and the time it stands for. */
export interface PastState {
  update: Uint8Array;
  /** `X-History-At`: the resolved time (a meeting: its end); null if the server did not say. */
  at: string | null;
}

export interface HistoryApi {
  meetings(roomId: string, cursor?: string | null): Promise<HistoryMeetingsResponse>;
  timeline(roomId: string, range: { from?: string; to?: string }): Promise<TimelineResponse>;
  /** The shared doc at a point (`now`, an ISO time or a meeting id). */
  state(roomId: string, at: HistoryPoint): Promise<PastState>;
  meetingState(roomId: string, meetingId: string): Promise<PastState>;
  compare(roomId: string, a: HistoryPoint, b: HistoryPoint): Promise<CompareResult>;
  restore(roomId: string, body: RestoreBody): Promise<RestoreResult>;
  /** Download links (same origin: the session cookie goes along). */
  exportUrl(roomId: string, format: 'md' | 'pdf'): string;
  meetingExportUrl(roomId: string, meetingId: string): string;
}

export function createHistoryApi(fetchFn: typeof fetch = (...args) => fetch(...args), base = ''): HistoryApi {
  const id = (s: string) => encodeURIComponent(s);
  const query = (params: Record<string, string | null | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  };

  async function send(method: 'GET' | 'POST', path: string, accept: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetchFn(`${base}/api${path}`, {
        method,
        credentials: 'same-origin',
        headers: body === undefined ? { accept } : { accept, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, 'network', NETWORK_ERROR_MESSAGE, err);
    }
    // Errors are JSON whatever was asked for.
    if (!res.ok) throw errorFrom(res, parseJson(await res.text()));
    return res;
  }

  async function json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await send(method, path, 'application/json', body);
    const parsed = parseJson(await res.text());
    if (parsed === undefined) throw new ApiError(res.status, 'internal', `The server sent an unreadable answer (HTTP ${res.status}).`);
    return parsed as T;
  }

  async function bytes(path: string): Promise<PastState> {
    const res = await send('GET', path, 'application/octet-stream');
    return { update: new Uint8Array(await res.arrayBuffer()), at: res.headers.get('x-history-at') };
  }

  return {
    meetings: (roomId, cursor) => json('GET', `/rooms/${id(roomId)}/history/meetings${query({ cursor })}`),
    timeline: (roomId, range) => json('GET', `/rooms/${id(roomId)}/history${query(range)}`),
    state: (roomId, at) => bytes(`/rooms/${id(roomId)}/state${query({ at })}`),
    meetingState: (roomId, meetingId) => bytes(`/rooms/${id(roomId)}/meetings/${id(meetingId)}/state`),
    compare: (roomId, a, b) => json('GET', `/rooms/${id(roomId)}/compare${query({ a, b })}`),
    restore: (roomId, body) => json('POST', `/rooms/${id(roomId)}/restore`, body),
    exportUrl: (roomId, format) => `${base}/api/rooms/${id(roomId)}/export.${format}`,
    meetingExportUrl: (roomId, meetingId) => `${base}/api/rooms/${id(roomId)}/meetings/${id(meetingId)}/export.md`,
  };
}
