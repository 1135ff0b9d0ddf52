import { Router, type Request } from 'express';
import { ErrorCode, type InvitePreview, type RoomResponse } from '@menteo/protocol';
import { acceptInvite, getRoomForUser, previewInvite, type AcceptFailure } from '@menteo/db';
import type { AppContext } from '../../context.ts';
import { hashToken } from '../../auth/tokens.ts';
import { HttpError } from './errors.ts';
import { caller, requireUser } from './middleware.ts';
import { toRoomWithSummary } from './room-routes.ts';

/** newToken() makes 43 base64url characters; anything else cannot be an invite. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

const unknownInvite = () =>
  new HttpError(404, ErrorCode.InviteInvalid, 'This invite link is not valid. Ask your mentor for a new one.');

function tokenHashOf(req: Request): string {
  const token = String(req.params.token);
  if (!TOKEN_SHAPE.test(token)) throw unknownInvite();
  return hashToken(token);
}

function acceptError(reason: AcceptFailure): HttpError {
  switch (reason) {
    case 'unknown':
      return unknownInvite();
    case 'used':
      return new HttpError(410, ErrorCode.InviteInvalid, 'This invite has already been used. Ask your mentor for a new one.');
    case 'expired':
      return new HttpError(410, ErrorCode.InviteInvalid, 'This invite has expired. Ask your mentor for a new one.');
    case 'archived':
      return new HttpError(409, ErrorCode.Conflict, 'This room has been archived.');
    case 'own_room':
      return new HttpError(409, ErrorCode.Conflict, "This is your own room's invite; send it to your mentee.");
    case 'already_member':
      return new HttpError(409, ErrorCode.Conflict, 'You are already a member of this room.');
    case 'full':
      return new HttpError(409, ErrorCode.RoomFull, 'This room already has a mentee.');
    default: {
      const never: never = reason;
      throw new Error(`unhandled accept failure ${String(never)}`);
    }
  }
}

/**
 * The invite accept page's two calls. The preview is public: the token is a bearer secret
 * meant for the invitee, who is usually not signed up yet and should see what they are signing
 * up for — the room's title, the mentor's display name and the invite's status, no ids or
 * emails. Accepting needs a signed-in user: it makes them the mentee.
 */
export function inviteRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db.db;
  const signedIn = requireUser(ctx);

  router.get('/api/invites/:token', async (req, res) => {
    const preview = await previewInvite(db, tokenHashOf(req));
    if (!preview) throw unknownInvite();
    res.json({
      roomTitle: preview.roomTitle,
      mentorName: preview.mentorName,
      status: preview.status,
      expiresAt: preview.expiresAt.toISOString(),
    } satisfies InvitePreview);
  });

  router.post('/api/invites/:token/accept', signedIn, async (req, res) => {
    const me = caller(res).userId;
    const result = await acceptInvite(db, tokenHashOf(req), me);
    if (!result.ok) throw acceptError(result.reason);
    const view = await getRoomForUser(db, result.roomId, me);
    if (!view) throw new Error('membership missing right after accepting an invite');
    res.json({ room: await toRoomWithSummary(ctx, view) } satisfies RoomResponse);
  });

  return router;
}
