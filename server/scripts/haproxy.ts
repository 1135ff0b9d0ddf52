/**
 * HAProxy in front of the nodes, from the repo's template (deploy/haproxy.cfg): both members
 * of a room on one node by a consistent hash of the room id, /readyz health checks, drain on
 * shutdown. Used by `npm run cluster` when the `haproxy` binary is installed, and by the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HAPROXY_TEMPLATE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/haproxy.cfg');

export interface HaproxyBackend {
  name: string;
  host: string;
  port: number;
}

/** The template with its two placeholders filled in. */
export function renderHaproxyConfig(template: string, bind: string, backends: HaproxyBackend[]): string {
  const servers = backends.map((b) => `    server ${b.name} ${b.host}:${b.port} check`).join('\n');
  return template.replaceAll('{{BIND}}', bind).replaceAll('{{SERVERS}}', servers);
}

/** The haproxy binary: on PATH, or Debian's /usr/sbin (not on every user's PATH); null when absent. */
export function findHaproxy(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, 'haproxy');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

export interface HaproxyProcess {
  port: number;
  child: ChildProcess;
  configFile: string;
  /** Log lines (stdout and stderr) so far. */
  logs: string[];
  stop(): Promise<void>;
}

export interface StartHaproxyOptions {
  /** Public port (HAProxy cannot bind port 0: pick a free one first). */
  port: number;
  host?: string;
  backends: HaproxyBackend[];
  binary?: string;
  /** Each log line as it comes (npm run cluster prints them). */
  onLine?: (line: string) => void;
}

/** Renders the config into a temp file, runs `haproxy -f <file> -db`, and resolves once it listens. */
export async function startHaproxy(opts: StartHaproxyOptions): Promise<HaproxyProcess> {
  const binary = opts.binary ?? findHaproxy();
  if (!binary) throw new Error('haproxy is not installed (apt-get install haproxy)');
  const host = opts.host ?? '127.0.0.1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-haproxy-'));
  const configFile = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configFile, renderHaproxyConfig(fs.readFileSync(HAPROXY_TEMPLATE, 'utf8'), `${host}:${opts.port}`, opts.backends));

  // -db: stay in the foreground, logs to stdout (the template logs there).
  const child = spawn(binary, ['-f', configFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        opts.onLine?.(line);
      }
    });
  }
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await exit;
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await canConnect(host, opts.port))) {
    if (exited) {
      await stop();
      throw new Error(`haproxy exited at start: ${logs.join('\n')}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not listen on ${host}:${opts.port} within 10 s: ${logs.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port: opts.port, child, configFile, logs, stop };
}

/** A free TCP port on the host (HAProxy needs a number up front). */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, host);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
