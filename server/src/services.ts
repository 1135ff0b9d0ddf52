import type { AppContext } from './context.ts';
import { createAccountsService, type AccountsService } from './accounts/accounts-service.ts';
import { createInvitesService, type InvitesService } from './membership/invites-service.ts';
import { createRoomsService, type RoomsService } from './membership/rooms-service.ts';
import { createHistoryService, type HistoryService } from './history/history-service.ts';
import { NO_MEETINGS } from './history/meetings-source.ts';
import type { Realtime } from './realtime.ts';

/**
 * One service per area, built once per app and shared by every transport (REST routes now;
 * socket.io concerns too, e.g. meetings). A new area adds one line here.
 * The pattern is in the README ("Where things live").
 */
export interface Services {
  accounts: AccountsService;
  rooms: RoomsService;
  invites: InvitesService;
  history: HistoryService;
}

/** `realtime`: the room registry, for services that edit a live room (history's restore). */
export function createServices(ctx: AppContext, realtime: Pick<Realtime, 'registry'>): Services {
  const rooms = createRoomsService(ctx);
  return {
    accounts: createAccountsService(ctx),
    rooms,
    invites: createInvitesService(ctx, rooms),
    history: createHistoryService(ctx, { realtime, meetings: NO_MEETINGS }),
  };
}
