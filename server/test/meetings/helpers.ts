import { io as connectIo, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, MeetingLive, Meeting, ServerToClientEvents } from '@menteo/protocol';
import { ApiClient } from '../api/api-client.ts';
import type { TestUser } from '../realtime/clients.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** An API client signed in with a test user's session (no argon2 signup: fast). */
export function apiAs(baseUrl: string, user: TestUser): ApiClient {
  const c = new ApiClient(baseUrl);
  c.cookie = decodeURIComponent(user.cookie.slice(user.cookie.indexOf('=') + 1));
  return c;
}

/** A socket.io client as the browser app makes it, recording the meeting events it receives. */
export async function meetingSocket(url: string, user: TestUser, roomId: string) {
  const socket: ClientSocket = connectIo(url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { cookie: user.cookie },
    reconnection: false,
  });
  const seen = { states: [] as MeetingLive[], ended: [] as Meeting[] };
  socket.on('meeting:state', (s) => seen.states.push(s));
  socket.on('meeting:ended', (e) => seen.ended.push(e.meeting));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const joined = await socket.emitWithAck('room:join', { roomId });
  if (!joined.ok) throw new Error(`room:join refused: ${joined.message}`);
  return { socket, seen, lastState: () => seen.states.at(-1)?.meeting };
}
