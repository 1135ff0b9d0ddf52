import { Router, type Response } from 'express';
import {
  CreateRoomBody,
  UpdateRoomBody,
  type InviteCreated,
  type Room,
  type RoomResponse,
  type RoomsResponse,
  type SocketToken,
} from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { InvitesService } from '../../membership/invites-service.ts';
import type { RoomDetails, RoomsService } from '../../membership/rooms-service.ts';
import { parseBody } from './errors.ts';
import { caller, requireUser } from './middleware.ts';

export const toRoom = ({ view, summary }: RoomDetails): Room => ({
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
  lastMetAt: summary.lastMetAt,
  nextDueAt: summary.nextDueAt,
});

/**
 * Rooms, membership, invites and socket tokens (rules in membership/rooms-service.ts).
 * The access check comes before the body is read, so a non-member learns nothing from a
 * validation error.
 */
export function roomRoutes(ctx: AppContext, rooms: RoomsService, invites: InvitesService): Router {
  const router = Router();
  // Per route rather than router.use, so an unknown path under /api/rooms stays a 404.
  const signedIn = requireUser(ctx);
  const me = (res: Response) => caller(res).userId;
  const roomId = (params: Record<string, unknown>) => String(params.id);

  router.post('/api/rooms', signedIn, async (req, res) => {
    const body = parseBody(CreateRoomBody, req.body);
    res.status(201).json({ room: toRoom(await rooms.create(me(res), body.title)) } satisfies RoomResponse);
  });

  router.get('/api/rooms', signedIn, async (_req, res) => {
    res.json({ rooms: (await rooms.list(me(res))).map(toRoom) } satisfies RoomsResponse);
  });

  router.get('/api/rooms/:id', signedIn, async (req, res) => {
    const room = await rooms.asMember(me(res), roomId(req.params));
    res.json({ room: toRoom(await rooms.details(room)) } satisfies RoomResponse);
  });

  router.patch('/api/rooms/:id', signedIn, async (req, res) => {
    const room = await rooms.asMentor(me(res), roomId(req.params), 'rename it');
    const body = parseBody(UpdateRoomBody, req.body);
    res.json({ room: toRoom(await rooms.rename(room, body.title)) } satisfies RoomResponse);
  });

  router.post('/api/rooms/:id/archive', signedIn, async (req, res) => {
    const room = await rooms.asMentor(me(res), roomId(req.params), 'archive it');
    res.json({ room: toRoom(await rooms.setArchived(room, true)) } satisfies RoomResponse);
  });

  router.post('/api/rooms/:id/unarchive', signedIn, async (req, res) => {
    const room = await rooms.asMentor(me(res), roomId(req.params), 'unarchive it');
    res.json({ room: toRoom(await rooms.setArchived(room, false)) } satisfies RoomResponse);
  });

  router.delete('/api/rooms/:id/members/:userId', signedIn, async (req, res) => {
    const room = await rooms.asMember(me(res), roomId(req.params));
    await rooms.removeMember(room, String(req.params.userId));
    res.status(204).end();
  });

  router.post('/api/rooms/:id/invites', signedIn, async (req, res) => {
    const room = await rooms.asMentor(me(res), roomId(req.params), 'invite a mentee');
    const { token, expiresAt } = await invites.create(room);
    const base = ctx.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res.status(201).json({ token, url: `${base}/invite/${token}`, expiresAt: expiresAt.toISOString() } satisfies InviteCreated);
  });

  router.post('/api/rooms/:id/token', signedIn, async (req, res) => {
    const room = await rooms.asMember(me(res), roomId(req.params));
    const { token, expiresAt } = rooms.issueSocketToken(room);
    res.json({ token, expiresAt: expiresAt.toISOString() } satisfies SocketToken);
  });

  return router;
}
