import { HistoryErrorCode } from './history.ts';

/** Every REST error is `{ error: { code, message } }` with one of these codes. */
export const ErrorCode = {
  BadRequest: 'bad_request',
  Validation: 'validation_failed',
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  BadOrigin: 'bad_origin',
  NotFound: 'not_found',
  Conflict: 'conflict',
  EmailTaken: 'email_taken',
  InvalidCredentials: 'invalid_credentials',
  InviteInvalid: 'invite_invalid',
  RoomFull: 'room_full',
  PayloadTooLarge: 'payload_too_large',
  RateLimited: 'rate_limited',
  Unavailable: 'unavailable',
  Internal: 'internal',
  ...HistoryErrorCode,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
