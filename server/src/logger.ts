import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** 'pretty' for a person at a terminal, 'json' (one object per line) for anything that parses logs. */
  format?: LogFormat;
  /** Where lines go; stdout when not given (tests pass a stream to read them). */
  destination?: NodeJS.WritableStream;
}

/**
 * pino logs. JSON lines for machines; for a terminal, pino-pretty in-process (a stream, not a
 * worker-thread transport: no extra thread, and lines are not lost when the process exits).
 */
export function createLogger(level: string, base: Record<string, unknown> = {}, opts: LoggerOptions = {}): Logger {
  const options = { level, base: { ...base }, timestamp: pino.stdTimeFunctions.isoTime };
  if (opts.format === 'pretty') return pino(options, prettyStream(opts.destination));
  return opts.destination ? pino(options, opts.destination as DestinationStream) : pino(options);
}

/** The one line per request of pino-http, as a person reads it: `GET /api/me 200 3 ms`. */
interface RequestLine {
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

function prettyStream(destination: NodeJS.WritableStream | undefined): DestinationStream {
  return pretty({
    colorize: destination === undefined,
    translateTime: 'SYS:HH:MM:ss',
    // The node name is always this process at a terminal; request ids stay in JSON logs.
    ignore: 'pid,hostname,node,req,res,responseTime,reqId',
    singleLine: true,
    sync: true,
    ...(destination ? { destination } : {}),
    messageFormat: (log) => {
      const line = log as RequestLine;
      if (line.req?.method && line.res) return `${line.req.method} ${line.req.url ?? ''} ${line.res.statusCode ?? ''} ${line.responseTime ?? '?'} ms`;
      return line.msg ?? '';
    },
  });
}
