import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { keySlot } from '../src/bus/RedisClusterConnection.ts';
import { freePort } from './pg-instance.ts';

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.REDIS_CLI_BIN ?? '/usr/bin/redis-cli';
const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  /** SIGKILL'd by the test (a crash). */
  alive: boolean;
}

export interface RedisClusterInstance {
  /** Every node (masters and replicas) as host:port, the form REDIS_CLUSTER_NODES takes. */
  seeds: Array<{ host: string; port: number }>;
  /** `127.0.0.1:p1,127.0.0.1:p2,…` for REDIS_CLUSTER_NODES. */
  env: string;
  nodes: ClusterNode[];
  /** redis-cli against one node; resolves with its stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master that serves this channel's (or key's) hash slot now. */
  masterOf(channel: string): Promise<number>;
  /** Current masters' ports. */
  masters(): Promise<number[]>;
  /** The port of a live replica of that master. */
  replicaOf(masterPort: number): Promise<number>;
  /** SIGKILL one node (no shutdown, no failover handshake: a crash). */
  kill(port: number): Promise<void>;
  /** Resolves once the cluster is "ok" again with a master for every slot that answers. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A real Redis Cluster on free local ports: three masters and three replicas started from
 * the machine's redis-server (7+), joined by `redis-cli --cluster create`. A short node
 * timeout makes a replica take over within a few seconds of its master's death. Nothing is
 * persisted; the config files live in a temporary directory removed by destroy().
 */
export async function startRedisCluster(opts: { nodeTimeoutMs?: number } = {}): Promise<RedisClusterInstance> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'menteo-rcluster-'));
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? 1000;
  const children = new Map<number, ChildProcess>();
  const nodes: ClusterNode[] = [];
  const cleanup = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.once('exit', cleanup);

  try {
    for (let i = 0; i < 6; i++) {
      // The cluster bus port is given explicitly (not port + 10000, which may be taken).
      const [port, busPort] = [await freePort(), await freePort()];
      const child = spawn(
        REDIS_SERVER,
        [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-port', String(busPort),
          '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', String(nodeTimeoutMs),
          '--dir', dir,
          '--save', '',
          '--appendonly', 'no',
          '--daemonize', 'no',
          '--loglevel', 'warning',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      children.set(port, child);
      const node: ClusterNode = { port, alive: true };
      child.once('exit', () => (node.alive = false));
      nodes.push(node);
      const deadline = Date.now() + 10_000;
      while (!(await canConnect(port))) {
        if (!node.alive) throw new Error(`redis-server on port ${port} exited at start: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start in 10 s: ${stderr}`);
        await sleep(20);
      }
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(REDIS_CLI, ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
  } catch (err) {
    cleanup();
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }

  const cli = async (port: number, ...args: string[]) =>
    (await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
  const anyAlive = () => {
    const n = nodes.find((x) => x.alive);
    if (!n) throw new Error('no redis cluster node is alive');
    return n.port;
  };
  /** CLUSTER SHARDS is not parsed here: `CLUSTER NODES` lines are "id addr flags master ping pong epoch state slots…". */
  const nodesTable = async () =>
    (await cli(anyAlive(), 'cluster', 'nodes'))
      .trim()
      .split('\n')
      .map((line) => {
        const [id, addr, flags, masterId, , , , state, ...slots] = line.split(' ');
        return { id, port: Number(addr!.split('@')[0]!.split(':')[1]), flags: flags!.split(','), masterId, state, slots };
      });
  const masters = async () => (await nodesTable()).filter((n) => n.flags.includes('master') && !n.flags.includes('fail')).map((n) => n.port);
  const masterOf = async (channel: string) => {
    const slot = keySlot(channel);
    for (const n of await nodesTable()) {
      if (!n.flags.includes('master') || n.flags.includes('fail')) continue;
      for (const range of n.slots) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= from! && slot <= to!) return n.port;
      }
    }
    throw new Error(`no live master serves slot ${slot}`);
  };
  const waitHealthy = async (timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const live = nodes.filter((n) => n.alive);
        const infos = await Promise.all(live.map((n) => cli(n.port, 'cluster', 'info')));
        const ms = await masters();
        // No dead node may still be counted as a master (it is, until the others flag it failed).
        const allLive = ms.every((port) => live.some((n) => n.port === port));
        if (infos.every((i) => i.includes('cluster_state:ok')) && ms.length === 3 && allLive) {
          // Every master answers, and every replica has finished its first sync.
          const roles = await Promise.all(live.map((n) => cli(n.port, 'info', 'replication')));
          if (roles.every((r) => r.includes('role:master') || r.includes('master_link_status:up'))) return;
        }
      } catch {
        // A node mid-failover may refuse or hang a moment; asked again below.
      }
      if (Date.now() > deadline) throw new Error(`redis cluster not healthy within ${timeoutMs} ms`);
      await sleep(100);
    }
  };
  await waitHealthy(30_000);

  return {
    seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    env: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    nodes,
    cli,
    masterOf,
    masters,
    async replicaOf(masterPort) {
      const table = await nodesTable();
      const master = table.find((n) => n.port === masterPort);
      const replica = table.find((n) => n.masterId === master?.id && !n.flags.includes('fail') && nodes.some((x) => x.alive && x.port === n.port));
      if (!replica) throw new Error(`no live replica of ${masterPort}`);
      return replica.port;
    },
    async kill(port) {
      const child = children.get(port);
      const node = nodes.find((n) => n.port === port);
      if (!child || !node?.alive) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    waitHealthy,
    async destroy() {
      process.off('exit', cleanup);
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export interface CuttableLink {
  port: number;
  /** Drops every connection through the link and refuses new ones (a network partition). */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

/** A TCP forwarder to 127.0.0.1:targetPort that the test can cut: one node's view of one Redis node. */
export async function startCuttableLink(targetPort: number): Promise<CuttableLink> {
  let isCut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (isCut) return void client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      isCut = true;
      for (const s of sockets) s.destroy();
    },
    heal() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
