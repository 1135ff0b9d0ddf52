import type { ErrorCode } from '@menteo/protocol';

/**
 * How a service refuses: a kind that any transport can map (HTTP status, socket ack code),
 * the protocol's error code and a message meant for the person who asked. Services throw it
 * and never import a transport; transport/http/errors.ts turns it into a JSON error.
 */
export type RefusalKind =
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'rate_limited'
  /** The input breaks a rule (too long, empty): asking again unchanged fails again. */
  | 'invalid'
  /** The service cannot take it now (its queue is full); asking again later may work. */
  | 'unavailable';

export class ServiceError extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly code: ErrorCode,
    message: string,
    /** Seconds after which asking again may succeed (rate_limited). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
