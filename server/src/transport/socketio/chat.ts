import { ChatSendPayload, ErrorCode, type ChatSendAck } from '@menteo/protocol';
import { ServiceError } from '../../service-error.ts';
import { sioRoom, type SocketConcernFactory } from './types.ts';

/**
 * Chat (`chat:send` → ack, `chat:message` to the room). A socket may send to a room it joined
 * (socket.data.rooms, set by rooms.ts); the ack and the room's `chat:message` go out only
 * once the message is committed (chat/chat-service.ts). The emit goes through the adapter, so
 * members on other nodes get it over Redis. A removed member's sockets leave the socket.io
 * room on every node when the revocation arrives (rooms.ts), which also ends their chat.
 */
export const chat: SocketConcernFactory = ({ io, services, logger, isClosed }) => ({
  connection(socket) {
    socket.on('chat:send', (payload, ack) => {
      if (typeof ack !== 'function') return;
      const parsed = ChatSendPayload.safeParse(payload);
      if (!parsed.success) {
        return ack({ ok: false, code: ErrorCode.Validation, message: 'send {roomId, body, clientId}' } satisfies ChatSendAck);
      }
      const { roomId, body, clientId } = parsed.data;
      if (!Object.hasOwn(socket.data.rooms, roomId)) {
        return ack({ ok: false, code: ErrorCode.NotFound, message: 'join the room first' });
      }
      const { userId, displayName } = socket.data.principal;
      services.chat.send({ userId, displayName, roomId }, body, clientId).then(
        (message) => {
          ack({ ok: true, message });
          if (!isClosed()) io.to(sioRoom(roomId)).emit('chat:message', message);
        },
        (err: unknown) => {
          if (err instanceof ServiceError) {
            return ack({
              ok: false,
              code: err.code,
              message: err.message,
              ...(err.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: err.retryAfterSeconds }),
            });
          }
          logger.error({ err, roomId }, 'chat:send failed');
          ack({ ok: false, code: ErrorCode.Internal, message: 'Something went wrong on our side; try again.' });
        },
      );
    });
  },
});
