import { ErrorCode, isId } from '@menteo/protocol';
import {
  createRoom,
  getRoomForUser,
  listRoomsForUser,
  removeMentee,
  renameRoom,
  setRoomArchived,
  type Db,
  type RoomView,
} from '@menteo/db';
import type { AppContext } from '../context.ts';
import { ServiceError } from '../service-error.ts';
import { EMPTY_SUMMARY, summarizeRooms, type RoomSummary } from './room-summary.ts';

declare const checked: unique symbol;
/** A room as one member sees it, after the service checked that they are a member. */
export type MemberRoom = RoomView & { readonly [checked]: 'member' | 'mentor'; readonly userId: string };
/** A room whose caller the service checked to be its mentor: only such a room can be changed. */
export type MentorRoom = MemberRoom & { readonly [checked]: 'mentor'; readonly myRole: 'mentor' };

/** A room with its derived figures: what every room answer shows. */
export interface RoomDetails {
  view: RoomView;
  summary: RoomSummary;
}

export interface RoomsService {
  create(userId: string, title: string): Promise<RoomDetails>;
  /** The caller's rooms with their figures; two queries however many rooms. */
  list(userId: string): Promise<RoomDetails[]>;
  /** The room if the caller is a member; a non-member, an unknown and a malformed id are all not_found. */
  asMember(userId: string, roomId: string): Promise<MemberRoom>;
  /** As asMember, and forbidden (naming `action`) for a member who is not the mentor. */
  asMentor(userId: string, roomId: string, action: string): Promise<MentorRoom>;
  /** The figures of a room the caller is known to see (asMember, or just made a member). */
  details(view: RoomView): Promise<RoomDetails>;
  rename(room: MentorRoom, title: string): Promise<RoomDetails>;
  /** Idempotent: archiving an archived room keeps its original archivedAt. */
  setArchived(room: MentorRoom, archived: boolean): Promise<RoomDetails>;
  /** The mentor removes the mentee, or the mentee leaves; their sockets close on every node. */
  removeMember(room: MemberRoom, targetUserId: string): Promise<void>;
  /** A short-lived signed token for non-browser socket clients; archived rooms too (read). */
  issueSocketToken(room: MemberRoom): { token: string; expiresAt: Date };
}

export type { MemberView, RoomView } from '@menteo/db';
export type { RoomSummary } from './room-summary.ts';

const ROOM_NOT_FOUND = 'Room not found.';

/**
 * Rooms and their membership. Visibility rule: a room exists for its members only, so room
 * ids cannot be probed; a member lacking the mentor's rights is refused with `forbidden`.
 *
 * Archiving makes a room read-only here (no rename, no invites) but members keep reading it
 * and may still leave or be removed. Archiving does not revoke open sockets: members may
 * still read the room live.
 */
export function createRoomsService(ctx: AppContext): RoomsService {
  const db: Db = ctx.db.db;

  const withSummaries = async (views: readonly RoomView[]): Promise<RoomDetails[]> => {
    const summaries = await summarizeRooms(
      db,
      ctx.logger,
      views.map((v) => v.id),
    );
    return views.map((view) => ({ view, summary: summaries.get(view.id) ?? EMPTY_SUMMARY }));
  };
  const one = async (view: RoomView): Promise<RoomDetails> => {
    const [details] = await withSummaries([view]);
    if (!details) throw new Error('withSummaries returned nothing for one view');
    return details;
  };
  const asMember = async (userId: string, roomId: string): Promise<MemberRoom> => {
    const view = isId(roomId) ? await getRoomForUser(db, roomId, userId) : null;
    if (!view) throw new ServiceError('not_found', ErrorCode.NotFound, ROOM_NOT_FOUND);
    return { ...view, userId } as MemberRoom;
  };
  const reload = async (room: MemberRoom): Promise<RoomDetails> => {
    const fresh = await getRoomForUser(db, room.id, room.userId);
    if (!fresh) throw new ServiceError('not_found', ErrorCode.NotFound, ROOM_NOT_FOUND);
    return one(fresh);
  };

  return {
    async create(userId, title) {
      const row = await createRoom(db, { title, createdBy: userId });
      const view = await getRoomForUser(db, row.id, userId);
      if (!view) throw new Error('room vanished right after it was created');
      // A new room's doc is empty: no need to ask Postgres.
      return { view, summary: EMPTY_SUMMARY };
    },
    async list(userId) {
      return withSummaries(await listRoomsForUser(db, userId));
    },
    asMember,
    async asMentor(userId, roomId, action) {
      const room = await asMember(userId, roomId);
      if (room.myRole !== 'mentor') throw new ServiceError('forbidden', ErrorCode.Forbidden, `Only the room's mentor can ${action}.`);
      return room as MentorRoom;
    },
    details: (view) => one(view),
    async rename(room, title) {
      if (room.archivedAt) throw new ServiceError('conflict', ErrorCode.Conflict, 'This room is archived; unarchive it to rename it.');
      await renameRoom(db, room.id, title);
      ctx.events.publish('room.renamed', { roomId: room.id, title });
      return reload(room);
    },
    async setArchived(room, archived) {
      if (archived !== (room.archivedAt !== null)) {
        await setRoomArchived(db, room.id, archived);
        ctx.events.publish('room.archived', { roomId: room.id, archived });
      }
      return reload(room);
    },
    async removeMember(room, target) {
      if (target === room.userId && room.myRole === 'mentor') {
        throw new ServiceError('conflict', ErrorCode.Conflict, "The mentor can't leave their own room; archive it instead.");
      }
      if (target !== room.userId && room.myRole !== 'mentor') {
        throw new ServiceError('forbidden', ErrorCode.Forbidden, "Only the room's mentor can remove members.");
      }
      const member = room.members.find((m) => m.userId === target);
      if (!member) throw new ServiceError('not_found', ErrorCode.NotFound, 'No such member in this room.');
      if (member.role === 'mentor') throw new ServiceError('conflict', ErrorCode.Conflict, "The mentor can't be removed from their room.");
      if (await removeMentee(db, room.id, target)) {
        ctx.revocations.revoke({ roomId: room.id, userId: target });
        ctx.events.publish('room.member-changed', { roomId: room.id, userId: target, change: target === room.userId ? 'left' : 'removed' });
      }
    },
    issueSocketToken: (room) => ctx.auth.issueRoomToken(room.userId, room.id),
  };
}
