#!/usr/bin/env node
// `npm start` calls this before starting the server: it builds the client only when what the
// build reads has changed since the last build. A stamp (a SHA-256 over the client's sources,
// its build config, the shared packages it bundles and the lockfile) is written into
// client/dist after a successful build; a start with the same hash and a built index.html
// skips Vite (about 10 s of two busy cores) entirely.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAMP_FILE = '.build-stamp';

/** What the client build reads, relative to the repo root: directories are walked, missing entries skipped. */
export const BUILD_INPUTS = [
  'client/src',
  'client/index.html',
  'client/vite.config.ts',
  'client/svelte.config.js',
  'client/tsconfig.json',
  'client/package.json',
  // Bundled into the client from their TypeScript sources.
  'packages/protocol/src',
  'packages/protocol/package.json',
  'packages/room-doc/src',
  'packages/room-doc/package.json',
  'tsconfig.base.json',
  'package-lock.json',
];

/** Tests beside the code do not reach the bundle; changing one should not cost a build. */
const IGNORED = /\.test\.ts$|(^|\/)\.DS_Store$/;

function listFiles(root, rel) {
  const full = path.join(root, rel);
  let stat;
  try {
    stat = fs.statSync(full);
  } catch {
    return [];
  }
  if (stat.isFile()) return IGNORED.test(rel) ? [] : [rel];
  if (!stat.isDirectory()) return [];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => listFiles(root, `${rel}/${name}`));
}

/** SHA-256 over every input file's path and bytes, in a fixed order (mtimes play no part). */
export function clientSourceHash(root) {
  const hash = createHash('sha256');
  for (const rel of BUILD_INPUTS.flatMap((input) => listFiles(root, input))) {
    hash.update(`${rel}\0`);
    hash.update(fs.readFileSync(path.join(root, rel)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function readStamp(distDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(distDir, STAMP_FILE), 'utf8')).hash ?? null;
  } catch {
    return null;
  }
}

function viteBuild(root) {
  const res = spawnSync('npx', ['vite', 'build'], { cwd: path.join(root, 'client'), stdio: 'inherit', env: process.env });
  if (res.status !== 0) throw new Error(`vite build failed with exit code ${res.status}`);
}

/**
 * Builds client/dist unless its stamp matches the sources. Returns what it did and the hash.
 * `build` is injectable for tests; it must leave client/dist/index.html behind.
 */
export function ensureClientBuilt({ root, build = viteBuild, force = false, log = console.log }) {
  const distDir = path.join(root, 'client', 'dist');
  const hash = clientSourceHash(root);
  if (!force && fs.existsSync(path.join(distDir, 'index.html')) && readStamp(distDir) === hash) {
    log(`client is up to date (client/dist, sources ${hash.slice(0, 12)}); not rebuilding`);
    return { built: false, hash };
  }
  build(root);
  // Vite empties dist first, so the stamp is written after it; a failed build leaves no stamp.
  fs.mkdirSync(distDir, { recursive: true });
  fs.writeFileSync(path.join(distDir, STAMP_FILE), `${JSON.stringify({ hash, builtAt: new Date().toISOString() })}\n`);
  return { built: true, hash };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureClientBuilt({ root: path.resolve(import.meta.dirname, '..'), force: process.argv.includes('--force') });
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
