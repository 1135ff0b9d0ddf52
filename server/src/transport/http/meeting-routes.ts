import { Router, type Request, type Response } from 'express';
import {
  MeetingsQuery,
  ScheduleBody,
  StartMeetingBody,
  UpdateMeetingBody,
  type MeetingResponse,
  type MeetingsPage,
  type ScheduleResponse,
} from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { MeetingsService } from '../../meetings/meetings-service.ts';
import type { RoomsService } from '../../membership/rooms-service.ts';
import { parseBody } from './errors.ts';
import { caller, requireUser } from './middleware.ts';

/**
 * A room's meetings and cadence (rules in meetings/meetings-service.ts). Members only: the
 * membership check comes first, so anyone else gets the same 404 as for a room that does not
 * exist, whatever they send.
 */
export function meetingRoutes(ctx: AppContext, rooms: RoomsService, meetings: MeetingsService): Router {
  const router = Router();
  const signedIn = requireUser(ctx);
  const member = (req: Request, res: Response) => rooms.asMember(caller(res).userId, String(req.params.id));
  const answer = (meeting: MeetingResponse['meeting']): MeetingResponse => ({ meeting, serverNow: new Date().toISOString() });

  router.get('/api/rooms/:id/meetings', signedIn, async (req, res) => {
    const room = await member(req, res);
    const query = parseBody(MeetingsQuery, req.query);
    res.json((await meetings.list(room, query)) satisfies MeetingsPage);
  });

  router.post('/api/rooms/:id/meetings', signedIn, async (req, res) => {
    const room = await member(req, res);
    const body = parseBody(StartMeetingBody, req.body ?? {});
    const { meeting, created } = await meetings.start(room, body.title);
    // 201 for a new meeting, 200 with the open one when it was already running.
    res.status(created ? 201 : 200).json(answer(meeting));
  });

  router.get('/api/rooms/:id/meetings/:mid', signedIn, async (req, res) => {
    const room = await member(req, res);
    res.json(answer(await meetings.get(room, String(req.params.mid))));
  });

  router.patch('/api/rooms/:id/meetings/:mid', signedIn, async (req, res) => {
    const room = await member(req, res);
    const body = parseBody(UpdateMeetingBody, req.body);
    res.json(answer(await meetings.rename(room, String(req.params.mid), body.title)));
  });

  router.post('/api/rooms/:id/meetings/:mid/end', signedIn, async (req, res) => {
    const room = await member(req, res);
    res.json(answer(await meetings.end(room, String(req.params.mid))));
  });

  router.get('/api/rooms/:id/schedule', signedIn, async (req, res) => {
    const room = await member(req, res);
    res.json({ schedule: await meetings.schedule(room) } satisfies ScheduleResponse);
  });

  router.put('/api/rooms/:id/schedule', signedIn, async (req, res) => {
    const room = await member(req, res);
    const body = parseBody(ScheduleBody, req.body);
    res.json({ schedule: await meetings.setSchedule(room, body) } satisfies ScheduleResponse);
  });

  router.get('/api/rooms/:id/next-meeting.ics', signedIn, async (req, res) => {
    const room = await member(req, res);
    const base = ctx.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const ics = await meetings.nextMeetingIcs(room, base);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="next-meeting.ics"');
    res.send(ics);
  });

  return router;
}
