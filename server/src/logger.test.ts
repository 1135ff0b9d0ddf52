import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from './logger.ts';

function capture(format: LogFormat) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { logger: createLogger('info', { node: 'n1' }, { format, destination: out }), text: () => text };
}

describe('createLogger', () => {
  it('writes one JSON object per line in json format', () => {
    const { logger, text } = capture('json');
    logger.info({ port: 3000 }, 'listening');
    logger.flush();
    const line = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'listening', port: 3000, node: 'n1', level: 30 });
  });

  it('writes a short human line in pretty format, a request as "METHOD url status ms"', () => {
    const { logger, text } = capture('pretty');
    logger.info({ port: 3000 }, 'listening');
    logger.info({ req: { id: 'r1', method: 'GET', url: '/api/me' }, res: { statusCode: 200 }, responseTime: 3 }, 'request completed');
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(() => JSON.parse(lines[0] ?? '') as unknown).toThrow();
    expect(lines[0]).toMatch(/INFO.*listening.*port.*3000/);
    expect(lines[0]).not.toContain('n1');
    expect(lines[1]).toMatch(/INFO.*GET \/api\/me 200 3 ms/);
    expect(lines[1]).not.toContain('request completed');
  });
});
