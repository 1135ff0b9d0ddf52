import { ErrorCode } from '@menteo/protocol';
import { acceptInvite, createInvite, getRoomForUser, hasMentee, previewInvite, type AcceptFailure, type InvitePreviewRow } from '@menteo/db';
import type { AppContext } from '../context.ts';
import { hashToken, newToken } from '../auth/tokens.ts';
import { ServiceError } from '../service-error.ts';
import type { MentorRoom, RoomDetails, RoomsService } from './rooms-service.ts';

export interface InvitesService {
  /** A single-use, expiring invite to become the room's mentee. */
  create(room: MentorRoom): Promise<{ token: string; expiresAt: Date }>;
  /** Public: what the invitee is asked to join (no ids, no emails). */
  preview(token: string): Promise<InvitePreviewRow>;
  /** Makes the caller the mentee; the room as they now see it. */
  accept(token: string, userId: string): Promise<RoomDetails>;
}

export type { InvitePreviewRow } from '@menteo/db';

/** newToken() makes 43 base64url characters; anything else cannot be an invite. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

const unknownInvite = () =>
  new ServiceError('not_found', ErrorCode.InviteInvalid, 'This invite link is not valid. Ask your mentor for a new one.');

function tokenHashOf(token: string): string {
  if (!TOKEN_SHAPE.test(token)) throw unknownInvite();
  return hashToken(token);
}

function acceptError(reason: AcceptFailure): ServiceError {
  switch (reason) {
    case 'unknown':
      return unknownInvite();
    case 'used':
      return new ServiceError('gone', ErrorCode.InviteInvalid, 'This invite has already been used. Ask your mentor for a new one.');
    case 'expired':
      return new ServiceError('gone', ErrorCode.InviteInvalid, 'This invite has expired. Ask your mentor for a new one.');
    case 'archived':
      return new ServiceError('conflict', ErrorCode.Conflict, 'This room has been archived.');
    case 'own_room':
      return new ServiceError('conflict', ErrorCode.Conflict, "This is your own room's invite; send it to your mentee.");
    case 'already_member':
      return new ServiceError('conflict', ErrorCode.Conflict, 'You are already a member of this room.');
    case 'full':
      return new ServiceError('conflict', ErrorCode.RoomFull, 'This room already has a mentee.');
    case 'wrong_account':
      return new ServiceError('forbidden', ErrorCode.Forbidden, 'This invite is for another email address. Sign in with the address it was sent to.');
    default: {
      const never: never = reason;
      throw new Error(`unhandled accept failure ${String(never)}`);
    }
  }
}

/**
 * Invites. The preview is public: the token is a bearer secret meant for the invitee, who is
 * usually not signed up yet and should see what they are signing up for. Accepting needs a
 * signed-in user. Only the token's sha256 is stored.
 */
export function createInvitesService(ctx: AppContext, rooms: RoomsService): InvitesService {
  const db = ctx.db.db;
  return {
    async create(room) {
      if (room.archivedAt) throw new ServiceError('conflict', ErrorCode.Conflict, 'This room is archived; unarchive it to invite someone.');
      if (await hasMentee(db, room.id)) {
        throw new ServiceError('conflict', ErrorCode.RoomFull, 'This room already has its mentee; remove them first to invite someone else.');
      }
      const token = newToken();
      const expiresAt = new Date(Date.now() + ctx.config.inviteTtlMs);
      await createInvite(db, { tokenHash: hashToken(token), roomId: room.id, createdBy: room.userId, expiresAt });
      return { token, expiresAt };
    },
    async preview(token) {
      const preview = await previewInvite(db, tokenHashOf(token));
      if (!preview) throw unknownInvite();
      return preview;
    },
    async accept(token, userId) {
      const result = await acceptInvite(db, tokenHashOf(token), userId);
      if (!result.ok) throw acceptError(result.reason);
      ctx.events.publish('room.member-changed', { roomId: result.roomId, userId, change: 'joined' });
      const view = await getRoomForUser(db, result.roomId, userId);
      if (!view) throw new Error('membership missing right after accepting an invite');
      return rooms.details(view);
    },
  };
}
