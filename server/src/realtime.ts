import type http from 'node:http';
import type { AppContext } from './context.ts';

/** The y-websocket endpoint, the room registry and the durable update log. */
export interface Realtime {
  attach(server: http.Server): void;
  /** Readiness of the realtime parts (e.g. the update log can reach Postgres). */
  readiness(): Record<string, boolean>;
  /** Flush what is pending, close every connection (1013), unload rooms. */
  close(): Promise<void>;
}

export function createRealtime(_ctx: AppContext): Realtime {
  return { attach: () => {}, readiness: () => ({}), close: async () => {} };
}
