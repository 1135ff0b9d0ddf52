/**
 * Typed client for the REST API (/api). Every failure becomes an ApiError whose message
 * is the server's own `{error: {message}}` text, so forms can show it as is ("Email or
 * password is wrong", "That email is already registered").
 */
import type {
  AgreementResponse,
  AgreementState,
  Certificate,
  CertificatesResponse,
  CertificateVerification,
  CreateProgramBody,
  DashboardResponse,
  PairingsResult,
  Program,
  ProgramResponse,
  ProgramsResponse,
  ApiErrorBody,
  ChatPage,
  CreateRoomBody,
  ErrorCode,
  InviteCreated,
  InvitePreview,
  LoginBody,
  MeetingResponse,
  MeetingsPage,
  Room,
  RoomResponse,
  RoomsResponse,
  RoomSchedule,
  ScheduleBody,
  ScheduleResponse,
  SignupBody,
  UpdateRoomBody,
  User,
  UserResponse,
} from '@menteo/protocol';

/** `network` when the server could not be reached at all (offline, server down). */
export type ApiErrorCode = ErrorCode | 'network';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: unknown;

  constructor(status: number, code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const NETWORK_ERROR_MESSAGE = "Can't reach the server. Check your connection and try again.";

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface Api {
  signup(body: SignupBody): Promise<User>;
  login(body: LoginBody): Promise<User>;
  logout(): Promise<void>;
  /** The signed-in user, or null when signed out (a 401 is an answer here, not an error). */
  me(): Promise<User | null>;
  listRooms(): Promise<Room[]>;
  createRoom(body: CreateRoomBody): Promise<Room>;
  getRoom(roomId: string): Promise<Room>;
  updateRoom(roomId: string, body: UpdateRoomBody): Promise<Room>;
  archiveRoom(roomId: string): Promise<Room>;
  unarchiveRoom(roomId: string): Promise<Room>;
  removeMember(roomId: string, userId: string): Promise<void>;
  createInvite(roomId: string): Promise<InviteCreated>;
  getInvite(token: string): Promise<InvitePreview>;
  acceptInvite(token: string): Promise<Room>;
  /** Starts a meeting, or answers the one already open. */
  startMeeting(roomId: string): Promise<MeetingResponse>;
  endMeeting(roomId: string, meetingId: string): Promise<MeetingResponse>;
  listMeetings(roomId: string, before?: number): Promise<MeetingsPage>;
  getSchedule(roomId: string): Promise<RoomSchedule>;
  setSchedule(roomId: string, body: ScheduleBody): Promise<RoomSchedule>;
  /** A room's chat, newest first: the newest page, or the page older than message `before`. */
  chatPage(roomId: string, before?: number): Promise<ChatPage>;
  listPrograms(): Promise<Program[]>;
  createProgram(body: CreateProgramBody): Promise<Program>;
  getProgram(programId: string): Promise<Program>;
  /** The CSV text as the body; a 422 ApiError carries `details.rows` (PairingRowError[]). */
  uploadPairings(programId: string, csv: string): Promise<PairingsResult>;
  getDashboard(programId: string): Promise<DashboardResponse>;
  getAgreement(roomId: string): Promise<AgreementState>;
  acceptAgreement(roomId: string, textHash: string): Promise<AgreementState>;
  listCertificates(roomId: string): Promise<Certificate[]>;
  verifyCertificate(certId: string): Promise<CertificateVerification>;
}

/** Where the next meeting's calendar file downloads from (a plain link: the cookie authenticates it). */
export const nextMeetingIcsUrl = (roomId: string): string => `/api/rooms/${encodeURIComponent(roomId)}/next-meeting.ics`;

/** `fetchFn` and `base` are injectable so tests can point the client at a server on port 0. */
export function createApi(fetchFn: typeof fetch = (...args) => fetch(...args), base = ''): Api {
  async function request<T>(method: Method, path: string, body?: unknown, raw?: { text: string; type: string }): Promise<T> {
    let res: Response;
    const contentType = raw ? raw.type : body === undefined ? null : 'application/json';
    try {
      res = await fetchFn(`${base}/api${path}`, {
        method,
        credentials: 'same-origin',
        headers: contentType === null ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': contentType },
        body: raw ? raw.text : body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      // fetch rejects only when no HTTP answer came back at all.
      throw new ApiError(0, 'network', NETWORK_ERROR_MESSAGE, err);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const json = parseJson(text);
    if (!res.ok) throw errorFrom(res, json);
    if (json === undefined) {
      throw new ApiError(res.status, 'internal', `The server sent an unreadable answer (HTTP ${res.status}).`);
    }
    return json as T;
  }

  const id = (s: string) => encodeURIComponent(s);

  return {
    signup: async (body) => (await request<UserResponse>('POST', '/auth/signup', body)).user,
    login: async (body) => (await request<UserResponse>('POST', '/auth/login', body)).user,
    logout: async () => {
      await request<unknown>('POST', '/auth/logout', {});
    },
    me: async () => {
      try {
        return (await request<UserResponse>('GET', '/me')).user;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    listRooms: async () => (await request<RoomsResponse>('GET', '/rooms')).rooms,
    createRoom: async (body) => (await request<RoomResponse>('POST', '/rooms', body)).room,
    getRoom: async (roomId) => (await request<RoomResponse>('GET', `/rooms/${id(roomId)}`)).room,
    updateRoom: async (roomId, body) => (await request<RoomResponse>('PATCH', `/rooms/${id(roomId)}`, body)).room,
    archiveRoom: async (roomId) => (await request<RoomResponse>('POST', `/rooms/${id(roomId)}/archive`, {})).room,
    unarchiveRoom: async (roomId) => (await request<RoomResponse>('POST', `/rooms/${id(roomId)}/unarchive`, {})).room,
    removeMember: async (roomId, userId) => {
      await request<unknown>('DELETE', `/rooms/${id(roomId)}/members/${id(userId)}`);
    },
    createInvite: (roomId) => request<InviteCreated>('POST', `/rooms/${id(roomId)}/invites`, {}),
    getInvite: (token) => request<InvitePreview>('GET', `/invites/${id(token)}`),
    acceptInvite: async (token) => (await request<RoomResponse>('POST', `/invites/${id(token)}/accept`, {})).room,
    startMeeting: (roomId) => request<MeetingResponse>('POST', `/rooms/${id(roomId)}/meetings`, {}),
    endMeeting: (roomId, meetingId) => request<MeetingResponse>('POST', `/rooms/${id(roomId)}/meetings/${id(meetingId)}/end`, {}),
    listMeetings: (roomId, before) =>
      request<MeetingsPage>('GET', `/rooms/${id(roomId)}/meetings${before === undefined ? '' : `?before=${before}`}`),
    getSchedule: async (roomId) => (await request<ScheduleResponse>('GET', `/rooms/${id(roomId)}/schedule`)).schedule,
    setSchedule: async (roomId, body) => (await request<ScheduleResponse>('PUT', `/rooms/${id(roomId)}/schedule`, body)).schedule,
    chatPage: (roomId, before) => request<ChatPage>('GET', `/rooms/${id(roomId)}/chat${before === undefined ? '' : `?before=${before}`}`),
    listPrograms: async () => (await request<ProgramsResponse>('GET', '/programs')).programs,
    createProgram: async (body) => (await request<ProgramResponse>('POST', '/programs', body)).program,
    getProgram: async (programId) => (await request<ProgramResponse>('GET', `/programs/${id(programId)}`)).program,
    uploadPairings: (programId, csv) =>
      request<PairingsResult>('POST', `/programs/${id(programId)}/pairings`, undefined, { text: csv, type: 'text/csv' }),
    getDashboard: (programId) => request<DashboardResponse>('GET', `/programs/${id(programId)}/dashboard`),
    getAgreement: async (roomId) => (await request<AgreementResponse>('GET', `/rooms/${id(roomId)}/agreement`)).agreement,
    acceptAgreement: async (roomId, textHash) =>
      (await request<AgreementResponse>('POST', `/rooms/${id(roomId)}/agreement/accept`, { textHash })).agreement,
    listCertificates: async (roomId) => (await request<CertificatesResponse>('GET', `/rooms/${id(roomId)}/certificates`)).certificates,
    verifyCertificate: (certId) => request<CertificateVerification>('GET', `/certificates/${id(certId)}`),
  };
}

export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML error page or a truncated body: treated as "no JSON" by the caller.
    return undefined;
  }
}

function isErrorBody(json: unknown): json is ApiErrorBody {
  if (typeof json !== 'object' || json === null || !('error' in json)) return false;
  const e = (json as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';
}

export function errorFrom(res: Response, json: unknown): ApiError {
  if (isErrorBody(json)) {
    const { code, message, details } = json.error;
    return new ApiError(res.status, code, message, details);
  }
  return new ApiError(res.status, fallbackCode(res.status), fallbackMessage(res.status));
}

function fallbackCode(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return status >= 500 ? 'internal' : 'bad_request';
}

function fallbackMessage(status: number): string {
  if (status === 429) return 'Too many attempts. Please wait a minute and try again.';
  if (status === 502 || status === 503 || status === 504) return 'The server is unavailable right now. Please try again shortly.';
  if (status >= 500) return `Something went wrong on our side (HTTP ${status}). Please try again.`;
  return `The request failed (HTTP ${status}).`;
}

/** The app's client, talking to the same origin that served the page. */
export const api: Api = createApi();
