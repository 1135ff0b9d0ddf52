import { Router, type Request, type Response } from 'express';
import {
  CreateRoomBody,
  ErrorCode,
  UpdateRoomBody,
  isId,
  type InviteCreated,
  type Room,
  type RoomResponse,
  type RoomsResponse,
  type SocketToken,
} from '@menteo/protocol';
import {
  createInvite,
  createRoom,
  getRoomForUser,
  hasMentee,
  listRoomsForUser,
  removeMentee,
  renameRoom,
  setRoomArchived,
  type RoomView,
} from '@menteo/db';
import type { AppContext } from '../../context.ts';
import { hashToken, newToken } from '../../auth/tokens.ts';
import { conflict, forbidden, notFound, parseBody } from './errors.ts';
import { caller, requireUser } from './middleware.ts';
import { EMPTY_SUMMARY, summarizeRooms, type RoomSummary } from './room-summary.ts';

export const toRoom = (view: RoomView, summary: RoomSummary): Room => ({
  id: view.id,
  title: view.title,
  createdAt: view.createdAt.toISOString(),
  archivedAt: view.archivedAt?.toISOString() ?? null,
  myRole: view.myRole,
  members: view.members.map((m) => ({
    userId: m.userId,
    displayName: m.displayName,
    role: m.role,
    joinedAt: m.joinedAt.toISOString(),
  })),
  progress: summary.progress,
  lastActivityAt: summary.lastActivityAt,
});

/** Rooms with their derived figures, in the order given; two queries however many rooms. */
export async function toRooms(ctx: AppContext, views: readonly RoomView[]): Promise<Room[]> {
  const summaries = await summarizeRooms(
    ctx.db.db,
    ctx.logger,
    views.map((v) => v.id),
  );
  return views.map((v) => toRoom(v, summaries.get(v.id) ?? EMPTY_SUMMARY));
}

export async function toRoomWithSummary(ctx: AppContext, view: RoomView): Promise<Room> {
  const [room] = await toRooms(ctx, [view]);
  if (!room) throw new Error('toRooms returned no room for one view');
  return room;
}

const ROOM_NOT_FOUND = 'Room not found.';

/**
 * Rooms, membership, invites and socket tokens. Visibility rule: a room exists for its
 * members only. A non-member, an unknown id and a malformed id all get the same 404, so
 * room ids cannot be probed; a member lacking the mentor's rights gets 403.
 *
 * Archiving makes a room read-only here (no rename, no invites) but members keep reading
 * it and may still leave or be removed. Archiving does not revoke open sockets: members may
 * still read the room live; whether the realtime layer refuses writes to an archived room
 * is its own check (getMembership reports `archived`).
 */
export function roomRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.db.db;
  // Per route rather than router.use, so an unknown path under /api/rooms stays a 404.
  const signedIn = requireUser(ctx);

  /** The room as the caller sees it, or 404 for anyone who is not a member. */
  async function memberRoom(req: Request, res: Response): Promise<RoomView> {
    const id = String(req.params.id);
    const view = isId(id) ? await getRoomForUser(db, id, caller(res).userId) : null;
    if (!view) throw notFound(ROOM_NOT_FOUND);
    return view;
  }
  async function mentorRoom(req: Request, res: Response, action: string): Promise<RoomView> {
    const view = await memberRoom(req, res);
    if (view.myRole !== 'mentor') throw forbidden(`Only the room's mentor can ${action}.`);
    return view;
  }
  const reload = async (view: RoomView, res: Response): Promise<Room> => {
    const fresh = await getRoomForUser(db, view.id, caller(res).userId);
    if (!fresh) throw notFound(ROOM_NOT_FOUND);
    return toRoomWithSummary(ctx, fresh);
  };

  router.post('/api/rooms', signedIn, async (req, res) => {
    const body = parseBody(CreateRoomBody, req.body);
    const room = await createRoom(db, { title: body.title, createdBy: caller(res).userId });
    const view = await getRoomForUser(db, room.id, caller(res).userId);
    if (!view) throw new Error('room vanished right after it was created');
    // A new room's doc is empty: no need to ask Postgres.
    res.status(201).json({ room: toRoom(view, EMPTY_SUMMARY) } satisfies RoomResponse);
  });

  router.get('/api/rooms', signedIn, async (_req, res) => {
    const rooms = await listRoomsForUser(db, caller(res).userId);
    res.json({ rooms: await toRooms(ctx, rooms) } satisfies RoomsResponse);
  });

  router.get('/api/rooms/:id', signedIn, async (req, res) => {
    res.json({ room: await toRoomWithSummary(ctx, await memberRoom(req, res)) } satisfies RoomResponse);
  });

  router.patch('/api/rooms/:id', signedIn, async (req, res) => {
    const view = await mentorRoom(req, res, 'rename it');
    const body = parseBody(UpdateRoomBody, req.body);
    if (view.archivedAt) throw conflict('This room is archived; unarchive it to rename it.');
    await renameRoom(db, view.id, body.title);
    res.json({ room: await reload(view, res) } satisfies RoomResponse);
  });

  // Idempotent: archiving an archived room keeps its original archivedAt.
  router.post('/api/rooms/:id/archive', signedIn, async (req, res) => {
    const view = await mentorRoom(req, res, 'archive it');
    if (!view.archivedAt) await setRoomArchived(db, view.id, true);
    res.json({ room: await reload(view, res) } satisfies RoomResponse);
  });

  router.post('/api/rooms/:id/unarchive', signedIn, async (req, res) => {
    const view = await mentorRoom(req, res, 'unarchive it');
    if (view.archivedAt) await setRoomArchived(db, view.id, false);
    res.json({ room: await reload(view, res) } satisfies RoomResponse);
  });

  /** The mentor removes the mentee, or the mentee leaves. Their open sockets close at once. */
  router.delete('/api/rooms/:id/members/:userId', signedIn, async (req, res) => {
    const view = await memberRoom(req, res);
    const me = caller(res).userId;
    const target = String(req.params.userId);
    if (target === me && view.myRole === 'mentor') {
      throw conflict("The mentor can't leave their own room; archive it instead.");
    }
    if (target !== me && view.myRole !== 'mentor') throw forbidden("Only the room's mentor can remove members.");
    const member = view.members.find((m) => m.userId === target);
    if (!member) throw notFound('No such member in this room.');
    if (member.role === 'mentor') throw conflict("The mentor can't be removed from their room.");
    if (await removeMentee(db, view.id, target)) ctx.revocations.revoke({ roomId: view.id, userId: target });
    res.status(204).end();
  });

  router.post('/api/rooms/:id/invites', signedIn, async (req, res) => {
    const view = await mentorRoom(req, res, 'invite a mentee');
    if (view.archivedAt) throw conflict('This room is archived; unarchive it to invite someone.');
    if (await hasMentee(db, view.id)) {
      throw conflict('This room already has its mentee; remove them first to invite someone else.', ErrorCode.RoomFull);
    }
    const token = newToken();
    const expiresAt = new Date(Date.now() + ctx.config.inviteTtlMs);
    await createInvite(db, { tokenHash: hashToken(token), roomId: view.id, createdBy: caller(res).userId, expiresAt });
    const base = ctx.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res.status(201).json({ token, url: `${base}/invite/${token}`, expiresAt: expiresAt.toISOString() } satisfies InviteCreated);
  });

  /** A short-lived signed token for non-browser socket clients (`?token=`); archived rooms too (read). */
  router.post('/api/rooms/:id/token', signedIn, async (req, res) => {
    const view = await memberRoom(req, res);
    const { token, expiresAt } = ctx.auth.issueRoomToken(caller(res).userId, view.id);
    res.json({ token, expiresAt: expiresAt.toISOString() } satisfies SocketToken);
  });

  return router;
}
