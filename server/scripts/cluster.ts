/**
 * `npm run cluster` — several server nodes on one machine behind a balancer, so multi-node
 * behaviour can be tried in a browser. The balancer is HAProxy with the repo's config
 * (deploy/haproxy.cfg: a room's sockets on one node) when `haproxy` is installed, else the
 * tiny built-in proxy (scripts/proxy.ts), round robin per connection.
 *
 *   npm run cluster                       3 nodes on 3001..3003, balancer on 3000
 *   npm run cluster -- --nodes 5          5 nodes
 *   npm run cluster -- --port 8080        balancer on 8080, nodes on 8081..
 *   npm run cluster -- --port 0           every port chosen by the OS (tests)
 *   npm run cluster -- --proxy builtin    the built-in proxy even when HAProxy is installed
 *   npm run cluster -- --proxy builtin --affinity room
 *                                         built-in proxy, a room's y-websockets on one node
 *
 * Postgres and Redis are required (an embedded PGlite cannot be shared by processes).
 * DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/menteo (created if missing),
 * REDIS_URL to redis://127.0.0.1:6379 (REDIS_CLUSTER_NODES instead: a Redis Cluster). Every
 * other variable is passed to the nodes as is.
 * Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { findHaproxy, freeTcpPort, startHaproxy, type HaproxyProcess } from './haproxy.ts';
import { createRoundRobinProxy, type RoundRobinProxy } from './proxy.ts';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/menteo';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

interface Node {
  id: string;
  port: number;
  child: ChildProcess;
  alive: boolean;
}

function fail(message: string): never {
  console.error(`cluster: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '3' },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      affinity: { type: 'string', default: 'none' },
      proxy: { type: 'string', default: 'auto' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run cluster -- [--nodes N] [--port PROXY_PORT] [--proxy auto|haproxy|builtin] [--affinity none|room (builtin only)]   (nodes listen on PROXY_PORT+1..PROXY_PORT+N; 0: any free ports)',
    );
    return;
  }
  const count = Number(values.nodes);
  const proxyPort = Number(values.port);
  if (!Number.isInteger(count) || count < 1 || count > 32) fail('--nodes must be an integer from 1 to 32');
  if (!Number.isInteger(proxyPort) || proxyPort < 0 || proxyPort + count > 65535) fail('--port must be a valid port');
  const affinity = values.affinity;
  if (affinity !== 'none' && affinity !== 'room') fail('--affinity must be none or room');
  const proxyKind = values.proxy;
  if (proxyKind !== 'auto' && proxyKind !== 'haproxy' && proxyKind !== 'builtin') fail('--proxy must be auto, haproxy or builtin');
  const haproxyBin = proxyKind === 'builtin' ? null : findHaproxy();
  if (proxyKind === 'haproxy' && !haproxyBin) fail('--proxy haproxy: haproxy is not installed (apt-get install haproxy)');
  const useHaproxy = haproxyBin !== null;
  if (useHaproxy && affinity !== 'none') fail('--affinity is for --proxy builtin; HAProxy is always room-affine');

  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  // REDIS_CLUSTER_NODES (a Redis Cluster) replaces REDIS_URL; the nodes refuse both at once.
  const clusterNodes = process.env.REDIS_CLUSTER_NODES || null;
  const redisUrl = clusterNodes ? null : process.env.REDIS_URL || DEFAULT_REDIS_URL;
  await ensureDatabase(databaseUrl);
  await ensureRedis(redisUrl ?? `redis://${clusterNodes!.split(',')[0]!.trim()}`);

  const nodes: Node[] = [];
  let stopping = false;
  const start = (i: number): Promise<Node> => {
    // With --port 0 each node takes a free port and logs it; waitForHealth waits for that line.
    const port = proxyPort === 0 ? 0 : proxyPort + 1 + i;
    const id = `node-${i + 1}`;
    // The same V8 flag as `npm start`: a larger young generation halves the latency tail (README, Performance).
    const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', 'src/main.ts'], {
      cwd: SERVER_DIR,
      env: {
        // Behind HAProxy: on SIGTERM answer /readyz "draining" for 1.5 s (three 500 ms checks) before closing.
        ...(useHaproxy ? { SHUTDOWN_DRAIN_MS: '1500' } : {}),
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ID: id,
        DATABASE_URL: databaseUrl,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node: Node = { id, port, child, alive: true };
    const onLine = (line: string) => {
      const listening = printLine(id, line);
      if (listening !== null && node.port === 0) node.port = listening;
    };
    for (const stream of [child.stdout!, child.stderr!]) readline.createInterface({ input: stream }).on('line', onLine);
    child.once('exit', (code, signal) => {
      node.alive = false;
      if (!stopping) console.log(`[${id}] exited (${signal ?? `code ${code}`}); the balancer now skips it`);
    });
    return waitForHealth(node).then(() => node);
  };

  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\ncluster: stopping…');
    void proxy?.close();
    const exits = nodes.filter((n) => n.alive).map((n) => new Promise((r) => n.child.once('exit', r)));
    for (const n of nodes) if (n.alive) n.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const n of nodes) if (n.alive) n.child.kill('SIGKILL');
    }, 14_000);
    await Promise.all(exits);
    clearTimeout(timer);
    // HAProxy last: it drained each node while the nodes shut down.
    await haproxy?.stop();
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // Built-in fallback: round robin per TCP connection (an L4 balancer): an HTTP request, a
  // y-websocket and a socket.io WebSocket each pick the next live node, so one tab's sockets
  // may be on different nodes — which is what a cluster must handle. --affinity room sends a
  // room's y-websockets to one node instead.
  const proxy: RoundRobinProxy | null = useHaproxy ? null : createRoundRobinProxy(() => nodes.filter((n) => n.alive).map((n) => n.port), { affinity });
  let haproxy: HaproxyProcess | null = null;

  console.log(`cluster: ${count} nodes${proxyPort === 0 ? '' : ` on ports ${proxyPort + 1}..${proxyPort + count}`}`);
  console.log(`cluster: Postgres ${redact(databaseUrl)}, ${redisUrl ? `Redis ${redact(redisUrl)}` : `Redis Cluster ${clusterNodes}`}`);
  console.log(
    useHaproxy
      ? `cluster: balancer HAProxy (${haproxyBin}, deploy/haproxy.cfg): both members of a room meet on the node its id hashes to`
      : `cluster: balancer: the built-in proxy${proxyKind === 'auto' ? ' (haproxy is not installed)' : ''}${affinity === 'room' ? ', room affinity on' : ', round robin'}`,
  );
  try {
    // The first node alone applies the migrations; the others then start together.
    nodes.push(await start(0));
    nodes.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)))));
  } catch (err) {
    console.error(`cluster: ${(err as Error).message}`);
    return stopAll(1);
  }
  const ready = (port: number, mode: string) => {
    console.log(`\ncluster: ready — open http://localhost:${port}  (${mode} over ${count} nodes: ports ${nodes.map((n) => n.port).join(', ')})`);
    console.log(`cluster: node pids ${nodes.map((n) => `${n.id}=${n.child.pid}`).join(' ')} — try kill -9 on one`);
    console.log('cluster: Ctrl-C stops everything');
  };
  if (haproxyBin) {
    try {
      haproxy = await startHaproxy({
        binary: haproxyBin,
        port: proxyPort === 0 ? await freeTcpPort() : proxyPort,
        backends: nodes.map((n) => ({ name: n.id, host: '127.0.0.1', port: n.port })),
        onLine: (line) => console.log(`[haproxy] ${line}`),
      });
    } catch (err) {
      console.error(`cluster: ${(err as Error).message}`);
      return stopAll(1);
    }
    haproxy.child.once('exit', () => {
      if (!stopping) {
        console.error('cluster: haproxy exited');
        void stopAll(1);
      }
    });
    ready(haproxy.port, 'room-affine (HAProxy)');
    return;
  }
  const builtin = proxy!;
  builtin.server.listen(proxyPort, '127.0.0.1', () => {
    const { port } = builtin.server.address() as net.AddressInfo;
    ready(port, affinity === 'room' ? 'room-affine' : 'round robin');
  });
  builtin.server.on('error', (err) => {
    console.error(`cluster: proxy cannot listen on ${proxyPort}: ${err.message}`);
    void stopAll(1);
  });
}

/** Creates the database when it does not exist, so a first run needs no setup. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
      console.log(`cluster: created database ${name}`);
    }
  } catch (err) {
    fail(`cannot reach Postgres at ${redact(url)} (${(err as Error).message}). Start Postgres or set DATABASE_URL.`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A TCP probe (no Redis client here: only bus/Redis* owns one). */
async function ensureRedis(url: string): Promise<void> {
  const u = new URL(url);
  const ok = await new Promise<boolean>((resolve) => {
    const sock = net.connect(Number(u.port || 6379), u.hostname);
    sock.setTimeout(3000, () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
  if (!ok) fail(`cannot reach Redis at ${redact(url)}. Start redis-server or set REDIS_URL.`);
}

async function waitForHealth(node: Node): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!node.alive) throw new Error(`${node.id} exited during start (see its log above)`);
    if (node.port === 0) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const ok = await fetch(`http://127.0.0.1:${node.port}/healthz`).then(
      (r) => r.ok,
      () => false, // not listening yet
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${node.id} did not answer /healthz on port ${node.port} within 60 s`);
}

/** pino JSON → one readable line per entry, prefixed by the node. Returns the port of a "listening" line. */
function printLine(id: string, line: string): number | null {
  let e: { level?: number; msg?: string; port?: unknown; err?: { message?: string } };
  try {
    e = JSON.parse(line) as typeof e;
  } catch {
    // Not JSON (node's own stack traces): print as is.
    console.log(`[${id}] ${line}`);
    return null;
  }
  const level = ({ 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' } as Record<number, string>)[e.level ?? 30] ?? '';
  console.log(`[${id}] ${level} ${e.msg ?? ''}${e.err?.message ? ` — ${e.err.message}` : ''}`);
  return typeof e.port === 'number' && e.msg?.includes('listening') ? e.port : null;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

main().catch((err: unknown) => fail(String(err)));
