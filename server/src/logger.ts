import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout (pino). Pretty printing is a pipe away: `npm start | npx pino-pretty`. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...base }, timestamp: pino.stdTimeFunctions.isoTime });
}
