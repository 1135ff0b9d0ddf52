import { io as connectIo, type Socket } from 'socket.io-client';
import type { ChatMessage, ChatPage, ChatSendAck, ClientToServerEvents, ServerToClientEvents } from '@menteo/protocol';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io client as the browser app makes it (WebSocket only, cookie), recording the chat it receives. */
export function chatClient(url: string, cookie: string) {
  const socket: ChatSocket = connectIo(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  const received: Array<ChatMessage & { at: number }> = [];
  const errors: Array<{ roomId: string; code: number }> = [];
  socket.on('chat:message', (m) => received.push({ ...m, at: Date.now() }));
  socket.on('room:error', (e) => errors.push(e));
  let n = 0;
  return {
    socket,
    received,
    errors,
    connected: () =>
      new Promise<void>((resolve, reject) => {
        if (socket.connected) return resolve();
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      }),
    join: (roomId: string) => socket.emitWithAck('room:join', { roomId }),
    send: (roomId: string, body: string): Promise<ChatSendAck> => socket.emitWithAck('chat:send', { roomId, body, clientId: `c${++n}` }),
  };
}
export type ChatClient = ReturnType<typeof chatClient>;

/** GET /api/rooms/:id/chat with a session cookie. */
export async function chatPage(baseUrl: string, cookie: string, roomId: string, before?: number): Promise<{ status: number; body: ChatPage }> {
  const res = await fetch(`${baseUrl}/api/rooms/${roomId}/chat${before === undefined ? '' : `?before=${before}`}`, { headers: { cookie } });
  return { status: res.status, body: (await res.json()) as ChatPage };
}

/** Every message of a room, newest first, following the cursor page by page. */
export async function allMessages(baseUrl: string, cookie: string, roomId: string): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  let before: number | undefined;
  for (;;) {
    const { status, body } = await chatPage(baseUrl, cookie, roomId, before);
    if (status !== 200) throw new Error(`chat page: ${status}`);
    out.push(...body.messages);
    if (body.nextBefore === null) return out;
    before = body.nextBefore;
  }
}
