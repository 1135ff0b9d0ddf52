import { Router, type Response } from 'express';
import {
  CompareQuery,
  HistoryMeetingsQuery,
  HistoryQuery,
  RestoreBody,
  StateQuery,
  type CompareResult,
  type HistoryMeetingsResponse,
  type ResolvedPoint,
  type RestoreResult,
  type TimelineResponse,
} from '@menteo/protocol';
import type { AppContext } from '../../context.ts';
import type { HistoryService, ExportFile } from '../../history/history-service.ts';
import type { RoomsService } from '../../membership/rooms-service.ts';
import { parseBody } from './errors.ts';
import { caller, requireUser } from './middleware.ts';

/**
 * Session history (history/history-service.ts): timeline, states, compare, restore, exports.
 * Membership is checked first, so anyone else gets 404 and learns nothing from a bad query.
 */
export function historyRoutes(ctx: AppContext, rooms: RoomsService, history: HistoryService): Router {
  const router = Router();
  const signedIn = requireUser(ctx);
  const member = (params: Record<string, unknown>, res: Response) => rooms.asMember(caller(res).userId, String(params.id));

  const sendState = (res: Response, update: Uint8Array, point: ResolvedPoint) => {
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('X-History-At', point.at);
    res.setHeader('X-History-Kind', point.kind);
    res.send(Buffer.from(update.buffer, update.byteOffset, update.byteLength));
  };

  const sendFile = (res: Response, file: ExportFile) => {
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
    res.send(file.body);
  };

  router.get('/api/rooms/:id/history/meetings', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    const q = parseBody(HistoryMeetingsQuery, req.query);
    res.json((await history.meetings(room, q)) satisfies HistoryMeetingsResponse);
  });

  router.get('/api/rooms/:id/history', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    const q = parseBody(HistoryQuery, req.query);
    res.json((await history.timeline(room, q)) satisfies TimelineResponse);
  });

  router.get('/api/rooms/:id/state', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    const q = parseBody(StateQuery, req.query);
    const { update, point } = await history.state(room, q.at);
    sendState(res, update, point);
  });

  router.get('/api/rooms/:id/meetings/:mid/state', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    const { update, point } = await history.meetingState(room, String(req.params.mid));
    sendState(res, update, point);
  });

  router.get('/api/rooms/:id/compare', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    const q = parseBody(CompareQuery, req.query);
    res.json((await history.compare(room, q.a, q.b)) satisfies CompareResult);
  });

  router.post('/api/rooms/:id/restore', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    const body = parseBody(RestoreBody, req.body);
    res.json((await history.restore(room, body)) satisfies RestoreResult);
  });

  router.get('/api/rooms/:id/export.md', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    sendFile(res, await history.exportRoom(room, 'md'));
  });

  router.get('/api/rooms/:id/export.pdf', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    sendFile(res, await history.exportRoom(room, 'pdf'));
  });

  router.get('/api/rooms/:id/meetings/:mid/export.md', signedIn, async (req, res) => {
    const room = await member(req.params, res);
    sendFile(res, await history.exportMeeting(room, String(req.params.mid)));
  });

  return router;
}
