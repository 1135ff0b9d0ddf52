#!/usr/bin/env node
// `npm run dev`: the server under `tsx watch` (restarts on change) and Vite's dev server
// (hot reload) with /api, /yjs and /socket.io proxied to it (client/vite.config.ts).
// Ctrl-C stops both; if either exits on its own, the other is stopped too.
//
// Environment: API_PORT (default 3000) for the server, VITE_PORT (default 5173); anything
// else (DATABASE_URL, REDIS_URL, …) is passed to the server as usual.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const clientDir = path.join(root, 'client');
const apiPort = process.env.API_PORT ?? '3000';
const vitePort = process.env.VITE_PORT ?? '5173';

// Resolve the CLIs' entry files and run them with this node: no npx in between, so
// signals reach the real processes.
const tsxCli = createRequire(path.join(root, 'server', 'package.json')).resolve('tsx/cli');
const viteCli = path.join(path.dirname(createRequire(path.join(clientDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');

const children = [
  start('server', [tsxCli, 'watch', '--clear-screen=false', 'src/main.ts'], path.join(root, 'server'), {
    PORT: apiPort,
    // The browser talks to Vite's origin; the proxy keeps the Host header, so the Origin
    // check passes already, and this also covers 127.0.0.1 vs localhost.
    ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? `http://localhost:${vitePort},http://127.0.0.1:${vitePort}`,
    // The dev database lives beside the repo, not inside server/.
    DATA_DIR: process.env.DATA_DIR ?? path.join(root, '.data'),
  }),
  start('vite', [viteCli, '--port', vitePort, '--strictPort'], clientDir, { MENTEO_API: `http://127.0.0.1:${apiPort}` }),
];

let stopping = false;
let exitCode = 0;

function start(name, args, cwd, env) {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    child.exited = true;
    if (!stopping) {
      console.error(`[dev] ${name} exited (${signal ?? code}); stopping the rest`);
      exitCode = code || 1;
      stop();
    }
    if (children.every((c) => c.exited)) process.exit(exitCode);
  });
  return child;
}

function stop() {
  stopping = true;
  for (const c of children) if (!c.exited) c.kill('SIGTERM');
  // A child that ignores SIGTERM must not keep the terminal hostage.
  setTimeout(() => {
    for (const c of children) if (!c.exited) c.kill('SIGKILL');
    process.exit(exitCode);
  }, 5000).unref();
}

console.log(`[dev] API on http://127.0.0.1:${apiPort}, app on http://localhost:${vitePort}`);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
