import type http from 'node:http';
import type { AppContext } from '../context.ts';

/** socket.io on /socket.io: presence roster (and later meetings, chat). */
export function attachSocketIo(_server: http.Server, _ctx: AppContext): { close(): Promise<void> } {
  return { close: async () => {} };
}
