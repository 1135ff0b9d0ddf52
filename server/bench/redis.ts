import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../test/pg-instance.ts';

const run = promisify(execFile);

/**
 * A redis-server owned by the benchmark, on its own port: its command counters then count
 * only this run's traffic (the machine's shared Redis on 6379 carries other people's tests).
 */
export interface BenchRedis {
  url: string;
  port: number;
  pid: number | undefined;
  /** Calls per command since start, from INFO commandstats (e.g. { publish: 1234 }). */
  commandCalls(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await cli('ping')).trim() === 'PONG') break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING`, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    async commandCalls() {
      const out = await cli('info', 'commandstats');
      const calls: Record<string, number> = {};
      for (const m of out.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]);
      return calls;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What one Redis Cluster node handled since start (commands from clients, publishes forwarded by the cluster bus). */
export interface ClusterNodeCounters {
  port: number;
  /** The master's port for a replica, its own for a master: the shard it belongs to. */
  shard: number;
  role: 'master' | 'replica';
  calls: Record<string, number>;
  /** Classic PUBLISH messages this node received over the cluster bus (each is delivered to its subscribers). */
  publishReceived: number;
  /** SPUBLISH messages this node received over the cluster bus (a shard's master forwards them to its replicas). */
  publishShardReceived: number;
}

export interface BenchRedisCluster {
  /** REDIS_CLUSTER_NODES for the nodes. */
  env: string;
  /** One node's URL, for classic pub/sub on the cluster (every node must use the same one: PUBSUB NUMSUB is per node). */
  firstNodeUrl: string;
  pids: number[];
  counters(): Promise<ClusterNodeCounters[]>;
  stop(): Promise<void>;
}

/** A benchmark-owned Redis Cluster (3 masters + 3 replicas), as the tests start it. */
export async function startRedisClusterForBench(): Promise<BenchRedisCluster> {
  const { startRedisCluster } = await import('../test/redis-cluster-instance.ts');
  const cluster = await startRedisCluster({ nodeTimeoutMs: 5000 });
  const pids = await Promise.all(cluster.nodes.map(async (n) => Number(/process_id:(\d+)/.exec(await cluster.cli(n.port, 'info', 'server'))?.[1])));
  return {
    env: cluster.env,
    firstNodeUrl: `redis://127.0.0.1:${(await cluster.masters())[0]}`,
    pids,
    async counters() {
      const table = (await cluster.cli(cluster.nodes[0]!.port, 'cluster', 'nodes')).trim().split('\n');
      const idToPort = new Map(table.map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1]!.split('@')[0]!.split(':')[1])]));
      return Promise.all(
        table.map(async (line) => {
          const [, addr, flags, masterId] = line.split(' ');
          const port = Number(addr!.split('@')[0]!.split(':')[1]);
          const replica = flags!.includes('slave');
          const calls: Record<string, number> = {};
          for (const m of (await cluster.cli(port, 'info', 'commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]);
          const info = await cluster.cli(port, 'cluster', 'info');
          const stat = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
          return {
            port,
            shard: replica ? idToPort.get(masterId!)! : port,
            role: replica ? ('replica' as const) : ('master' as const),
            calls,
            publishReceived: stat('cluster_stats_messages_publish_received'),
            publishShardReceived: stat('cluster_stats_messages_publishshard_received'),
          };
        }),
      );
    },
    stop: () => cluster.destroy(),
  };
}
