import type { AppContext } from './context.ts';
import { createAccountsService, type AccountsService } from './accounts/accounts-service.ts';
import { createChatService, type ChatService } from './chat/chat-service.ts';
import { createInvitesService, type InvitesService } from './membership/invites-service.ts';
import { createRoomsService, type RoomsService } from './membership/rooms-service.ts';
import { createMeetingsService, type MeetingsService } from './meetings/meetings-service.ts';
import { createHistoryService, type HistoryService } from './history/history-service.ts';
import { createDbMeetingsSource } from './history/meetings-source.ts';
import type { RoomRegistry } from './rooms/RoomRegistry.ts';
import { createProgramsService, type ProgramsService } from './programs/programs-service.ts';

/**
 * One service per area, built once per app and shared by every transport (REST routes now;
 * socket.io concerns too, e.g. meetings). A new area adds one line here.
 * The pattern is in the README ("Where things live").
 */
export interface Services {
  accounts: AccountsService;
  rooms: RoomsService;
  invites: InvitesService;
  meetings: MeetingsService;
  chat: ChatService;
  history: HistoryService;
  programs: ProgramsService;
}

/** What services need from the realtime side: the rooms this node holds (server-side edits). */
export interface ServiceDeps {
  registry: RoomRegistry;
}

export function createServices(ctx: AppContext, deps: ServiceDeps): Services {
  const rooms = createRoomsService(ctx);
  return {
    accounts: createAccountsService(ctx),
    rooms,
    invites: createInvitesService(ctx, rooms),
    meetings: createMeetingsService(ctx, deps),
    chat: createChatService(ctx),
    history: createHistoryService(ctx, { registry: deps.registry, meetings: createDbMeetingsSource(ctx.db.db) }),
    programs: createProgramsService(ctx, deps),
  };
}
