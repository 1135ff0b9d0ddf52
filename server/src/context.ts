import type { Registry } from 'prom-client';
import type { DbHandle } from '@menteo/db';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Bus } from './bus/Bus.ts';
import type { Auth } from './auth/Auth.ts';
import type { Revocations } from './auth/revocations.ts';
import type { AreaEvents } from './bus/area-events.ts';

/** What createApp is given: everything with I/O is built by main.ts (or a test) and passed in. */
export interface AppDeps {
  config: Config;
  db: DbHandle;
  bus: Bus;
  logger: Logger;
}

/** What the parts of one app share once createApp has built them. */
export interface AppContext extends AppDeps {
  metrics: Registry;
  auth: Auth;
  /** Member-removed / room-archived events, local and across nodes: close that member's sockets. */
  revocations: Revocations;
  /** Typed events between areas, on this node and across nodes (bus/area-events.ts). */
  events: AreaEvents;
}
