import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { ErrorCode, type ApiErrorBody } from '@menteo/protocol';
import { ServiceError, type RefusalKind } from '../../service-error.ts';

/** A deliberate API error: becomes `{error:{code,message,details?}}` with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const unauthenticated = () => new HttpError(401, ErrorCode.Unauthenticated, 'Sign in first.');
export const notFound = (what = 'Not found.') => new HttpError(404, ErrorCode.NotFound, what);
export const forbidden = (message: string) => new HttpError(403, ErrorCode.Forbidden, message);
export const conflict = (message: string, code: ErrorCode = ErrorCode.Conflict) => new HttpError(409, code, message);

export function sendError(res: Response, err: HttpError): void {
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  const body: ApiErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  res.status(err.status).json(body);
}

/**
 * Validates a request body against a strict protocol schema. A missing body (wrong or no
 * Content-Type) and an invalid one are both 400, with every problem listed in details.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined) {
    throw new HttpError(400, ErrorCode.BadRequest, 'Send a JSON object with Content-Type: application/json.');
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  throw new HttpError(400, ErrorCode.Validation, `Invalid request: ${summary}`, details);
}

/** Any /api path no route matched. */
export const apiNotFound: RequestHandler = (req, res) => {
  sendError(res, new HttpError(404, ErrorCode.NotFound, `No such endpoint: ${req.method} ${req.baseUrl}${req.path}`));
};

/**
 * Every error ends here as JSON. Internals never reach the client: an unexpected error
 * is logged with the request id and answered with a bare 500 naming that id.
 */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (res.headersSent) {
    req.log.error({ err }, 'error after the response started');
    res.destroy();
    return;
  }
  if (err instanceof HttpError) return sendError(res, err);
  if (err instanceof ServiceError) return sendError(res, fromServiceError(err));
  const bodyError = bodyParserError(err);
  if (bodyError) return sendError(res, bodyError);
  if (isDatabaseUnavailable(err)) {
    req.log.warn({ err }, 'database unavailable');
    return sendError(
      res,
      new HttpError(503, ErrorCode.Unavailable, 'The service is temporarily unavailable; try again shortly.', undefined, {
        'Retry-After': '5',
      }),
    );
  }
  req.log.error({ err }, 'unhandled error');
  sendError(res, new HttpError(500, ErrorCode.Internal, `Something went wrong on our side (request ${String(req.id)}).`));
};

const STATUS: Record<RefusalKind, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  invalid: 400,
  unavailable: 503,
};

/** A service's refusal as the HTTP answer (the services know no HTTP). */
export function fromServiceError(err: ServiceError): HttpError {
  const headers: Record<string, string> = err.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(err.retryAfterSeconds) };
  return new HttpError(STATUS[err.kind], err.code, err.message, undefined, headers);
}

/** body-parser (express.json) marks its errors with a `type`. */
function bodyParserError(err: unknown): HttpError | null {
  if (typeof err !== 'object' || err === null || !('type' in err)) return null;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new HttpError(400, ErrorCode.BadRequest, 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new HttpError(413, ErrorCode.PayloadTooLarge, `The request body is larger than ${JSON_LIMIT}.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpError(400, ErrorCode.BadRequest, 'The request body could not be read.');
    default:
      return null;
  }
}

/** Request bodies are small JSON objects; anything bigger is refused before parsing. */
export const JSON_LIMIT = '64kb';

/**
 * Connection-level failures of either driver (refused, timed out, closed, server shutting
 * down). drizzle wraps driver errors, so the whole `cause` chain is searched.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /PGlite is clos(ed|ing)/.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
