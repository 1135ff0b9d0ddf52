import { Router } from 'express';
import { ChatPageQuery, ErrorCode, type ChatPage } from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import type { RoomsService } from '../../membership/rooms-service.ts';
import { HttpError } from './errors.ts';
import { caller, requireUser } from './middleware.ts';

/** A room's chat history, newest first, 50 a page (chat/chat-service.ts). Members only; others 404. */
export function chatRoutes(ctx: AppContext, rooms: RoomsService, chat: ChatService): Router {
  const router = Router();
  router.get('/api/rooms/:id/chat', requireUser(ctx), async (req, res) => {
    const room = await rooms.asMember(caller(res).userId, String(req.params.id));
    const query = ChatPageQuery.safeParse(req.query);
    if (!query.success) throw new HttpError(400, ErrorCode.Validation, '`before` must be a message id (a positive integer).');
    res.json((await chat.page(room, query.data.before)) satisfies ChatPage);
  });
  return router;
}
