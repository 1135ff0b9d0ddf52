import { Router } from 'express';
import type { InvitePreview, RoomResponse } from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { InvitesService } from '../../membership/invites-service.ts';
import { caller, requireUser } from './middleware.ts';
import { toRoom } from './room-routes.ts';

/**
 * The invite accept page's two calls: a public preview (see the invites service for why)
 * and accepting, which needs a signed-in user.
 */
export function inviteRoutes(ctx: AppContext, invites: InvitesService): Router {
  const router = Router();
  const signedIn = requireUser(ctx);

  router.get('/api/invites/:token', async (req, res) => {
    const preview = await invites.preview(String(req.params.token));
    res.json({
      roomTitle: preview.roomTitle,
      mentorName: preview.mentorName,
      status: preview.status,
      expiresAt: preview.expiresAt.toISOString(),
    } satisfies InvitePreview);
  });

  router.post('/api/invites/:token/accept', signedIn, async (req, res) => {
    const room = await invites.accept(String(req.params.token), caller(res).userId);
    res.json({ room: toRoom(room) } satisfies RoomResponse);
  });

  return router;
}
