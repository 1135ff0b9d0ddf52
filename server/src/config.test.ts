import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, testConfig } from './config.ts';

const defaults = { clientDir: '/srv/client', nodeId: 'node-1' };
const parse = (env: Record<string, string | undefined>) => parseConfig(env, defaults);

/** The ConfigError message for env, or '' when it parses. */
function failure(env: Record<string, string | undefined>): string {
  try {
    parse(env);
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe('parseConfig', () => {
  it('runs with no environment at all: port 3000, embedded PGlite under ./.data, in-process bus', () => {
    const c = parse({});
    expect(c.port).toBe(3000);
    expect(c.database).toMatchObject({ kind: 'pglite' });
    expect(c.database.kind === 'pglite' && c.database.dataDir).toMatch(/\.data[/\\]pglite$/);
    expect(c.redisUrl).toBeNull();
    expect(c.publicUrl).toBeNull();
    expect(c.clientDir).toBe('/srv/client');
    expect(c.nodeId).toBe('node-1');
    expect(c.sessionTtlMs).toBe(30 * 86_400_000);
    expect(c.inviteTtlMs).toBe(72 * 3_600_000);
    expect(c.heapGrowingPercent).toBe(300);
  });

  it('takes the meeting timers, 60 s and 15 min by default, 0 turning either off', () => {
    expect(parse({}).meetings).toEqual({ autostartMs: 60_000, autoendMs: 900_000 });
    expect(parse({ MEETING_AUTOSTART_S: '0', MEETING_AUTOEND_MIN: '5' }).meetings).toEqual({ autostartMs: 0, autoendMs: 300_000 });
  });

  it('takes HEAP_GROWING_PERCENT, 0 meaning V8 decides', () => {
    expect(parse({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(parse({ HEAP_GROWING_PERCENT: '150' }).heapGrowingPercent).toBe(150);
  });

  it('switches to Postgres and Redis when their URLs are set', () => {
    const c = parse({ DATABASE_URL: 'postgres://u@db:5432/menteo', REDIS_URL: 'redis://cache:6379', DATABASE_POOL_SIZE: '4' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/menteo', poolSize: 4 });
    expect(c.redisUrl).toBe('redis://cache:6379');
  });

  it('takes REDIS_CLUSTER_NODES as a list of host:port seed nodes', () => {
    const c = parse({ REDIS_CLUSTER_NODES: 'r1:7000, 10.0.0.2:7001,[::1]:7002' });
    expect(c.redisUrl).toBeNull();
    expect(c.redisClusterNodes).toEqual([
      { host: 'r1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(parse({}).redisClusterNodes).toBeNull();
  });

  it('refuses REDIS_CLUSTER_NODES together with REDIS_URL, naming both', () => {
    const msg = failure({ REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: 'r1:7000' });
    expect(msg).toContain('REDIS_CLUSTER_NODES');
    expect(msg).toContain('REDIS_URL');
  });

  it.each(['r1', 'redis://r1:7000', 'r1:', ':7000', 'r1:7000,r2', 'r1:99999', ','])('refuses REDIS_CLUSTER_NODES=%s', (v) => {
    expect(failure({ REDIS_CLUSTER_NODES: v })).toContain('REDIS_CLUSTER_NODES');
  });

  it('treats empty variables as unset', () => {
    expect(parse({ PORT: '', DATABASE_URL: '', REDIS_URL: '' })).toMatchObject({ port: 3000, redisUrl: null, database: { kind: 'pglite' } });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['DATABASE_URL', 'localhost:5432'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['REDIS_URL', 'localhost'],
    ['PUBLIC_URL', 'not a url'],
    ['TRUST_PROXY', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['HEAP_GROWING_PERCENT', '-5'],
    ['HEAP_GROWING_PERCENT', 'lots'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    const message = failure({ [name]: value });
    expect(message).toMatch(/^Invalid configuration:/);
    expect(message).toContain(`${name}:`);
  });

  it('names every bad variable at once', () => {
    const message = failure({ PORT: 'x', DATABASE_URL: 'nope', REDIS_URL: 'nope' });
    for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL']) expect(message).toContain(`${name}:`);
  });

  it('normalises PUBLIC_URL and ALLOWED_ORIGINS without trailing slashes', () => {
    const c = parse({ PUBLIC_URL: 'https://rooms.example.com/', ALLOWED_ORIGINS: 'http://localhost:5173/, https://a.example ,' });
    expect(c.publicUrl).toBe('https://rooms.example.com');
    expect(c.allowedOrigins).toEqual(['http://localhost:5173', 'https://a.example']);
  });

  it('gives tests an in-memory PGlite, no client and overridable values', () => {
    const c = testConfig({ inviteTtlMs: 5 });
    expect(c.database).toEqual({ kind: 'pglite', dataDir: '' });
    expect(c.clientDir).toBeNull();
    expect(c.inviteTtlMs).toBe(5);
    expect(c.port).toBe(0);
  });
});
