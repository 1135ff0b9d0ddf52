import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../scripts/haproxy.ts';
import { createDb, type Db } from '@menteo/db';
import { createTestDatabase } from '../postgres.ts';
import { startRedisInstance } from '../redis-instance.ts';
import { connectClient, createTestRoom, waitFor, waitSynced, type TestClient } from '../realtime/clients.ts';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process, which is what we hope for after Ctrl-C.
    return false;
  }
};

/**
 * After a failed test: Ctrl-C first, so the script stops its nodes; SIGKILL on the script
 * alone would leave them running, orphaned.
 */
/** A new room's mentor and mentee connect through the proxy at `port`, each adds an agenda point, and both see both. */
async function bothMembersEdit(db: Db, port: number, clients: TestClient[]): Promise<void> {
  const { roomId, mentor, mentee } = await createTestRoom(db);
  const a = connectClient(`ws://127.0.0.1:${port}`, roomId, { cookie: mentor.cookie });
  const b = connectClient(`ws://127.0.0.1:${port}`, roomId, { cookie: mentee.cookie });
  clients.push(a, b);
  await Promise.all([waitSynced(a), waitSynced(b)]);
  a.doc.getArray<string>('agenda').push(['from a']);
  b.doc.getArray<string>('agenda').push(['from b']);
  await waitFor(() => a.doc.getArray('agenda').length === 2 && b.doc.getArray('agenda').length === 2, 'both edits on both sides');
}

async function stopCluster(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const done = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 20_000))]);
  if (!done) child.kill('SIGKILL');
}

describe('npm run cluster', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  }, 60_000);

  /** Runs scripts/cluster.ts with two nodes on free ports and the built-in proxy (HAProxy: haproxy.int.test.ts), plus `args`, on its own Redis and database, until it is ready. */
  const startCluster = async (args: string[]) => {
    const redis = await startRedisInstance();
    cleanup.push(() => redis.destroy());
    const pg = await createTestDatabase();
    cleanup.push(() => pg.drop());
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', '--nodes', '2', '--port', '0', '--proxy', 'builtin', ...args], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: pg.url, REDIS_URL: redis.url, CLIENT_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanup.push(() => stopCluster(child, exited));
    const lines: string[] = [];
    readline.createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    readline.createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
    await waitFor(() => lines.some((l) => l.includes('node pids')) || child.exitCode !== null, 'the cluster to start', 120_000);
    return { pg, child, exited, lines, ready: lines.find((l) => l.includes('cluster: ready')) };
  };

  it('starts two nodes behind the proxy, serves one room across them, and stops everything on Ctrl-C', async () => {
    const { pg, child, exited, lines, ready } = await startCluster([]);
    expect(ready, lines.join('\n')).toBeDefined();
    const port = Number(/localhost:(\d+)/.exec(ready!)![1]);
    const pids = [...lines.join('\n').matchAll(/node-\d+=(\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(2);

    for (let i = 0; i < 4; i++) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const db = await createDb({ kind: 'postgres', url: pg.url, poolSize: 1 });
    const clients: TestClient[] = [];
    try {
      // Round robin per connection: the two members land on different nodes.
      await bothMembersEdit(db.db, port, clients);
    } finally {
      for (const c of clients) c.destroy();
      await db.close();
    }

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 180_000);

  it.skipIf(!findHaproxy())('with --proxy haproxy, runs HAProxy from deploy/haproxy.cfg in front and stops it on Ctrl-C', async () => {
    const { pg, child, exited, lines, ready } = await startCluster(['--proxy', 'haproxy']);
    expect(ready, lines.join('\n')).toContain('room-affine (HAProxy) over 2 nodes');
    const port = Number(/localhost:(\d+)/.exec(ready!)![1]);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const db = await createDb({ kind: 'postgres', url: pg.url, poolSize: 1 });
    const clients: TestClient[] = [];
    try {
      await bothMembersEdit(db.db, port, clients);
    } finally {
      for (const c of clients) c.destroy();
      await db.close();
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // HAProxy went with the cluster: nothing listens on the public port any more.
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'open', () => 'closed')).toBe('closed');
  }, 180_000);

  it('with --affinity room, puts both members of a room on one node, where their edits meet', async () => {
    const { pg, child, exited, lines, ready } = await startCluster(['--affinity', 'room']);
    expect(ready, lines.join('\n')).toContain('room-affine over 2 nodes');
    const port = Number(/localhost:(\d+)/.exec(ready!)![1]);
    const nodePorts = /ports ([\d, ]+)\)/.exec(ready!)![1]!.split(', ').map(Number);
    const yjsConnections = async (p: number) =>
      Number(/^menteo_yjs_connections(?:\{[^}]*\})? (\S+)/m.exec(await (await fetch(`http://127.0.0.1:${p}/metrics`)).text())?.[1] ?? NaN);

    const db = await createDb({ kind: 'postgres', url: pg.url, poolSize: 1 });
    const clients: TestClient[] = [];
    try {
      for (let room = 0; room < 3; room++) {
        await bothMembersEdit(db.db, port, clients);
      }
      // Each room's two sockets are on one node: every node holds an even number of them.
      const counts = await Promise.all(nodePorts.map(yjsConnections));
      expect(counts.reduce((x, y) => x + y, 0)).toBe(6);
      for (const n of counts) expect(n % 2).toBe(0);
    } finally {
      for (const c of clients) c.destroy();
      await db.close();
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 180_000);
});
