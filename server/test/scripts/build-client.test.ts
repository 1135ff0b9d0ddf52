import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureClientBuilt, STAMP_FILE } from '../../../scripts/build-client.mjs';

/** A tiny repo with the files the client build reads, and a stand-in for vite build. */
describe('build-client: build only when the client sources changed', () => {
  let root: string;
  let builds: number;
  const build = (at: string) => {
    builds += 1;
    // Like vite: empties dist, writes index.html.
    const dist = path.join(at, 'client', 'dist');
    fs.rmSync(dist, { recursive: true, force: true });
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
  };
  const run = () => ensureClientBuilt({ root, build, log: () => {} });
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-stamp-'));
    builds = 0;
    write('client/src/main.ts', 'console.log(1);');
    write('client/src/lib/a.svelte', '<p>a</p>');
    write('client/vite.config.ts', 'export default {};');
    write('packages/protocol/src/index.ts', 'export const v = 1;');
    write('package-lock.json', '{}');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('builds the first time and writes the stamp into client/dist', () => {
    expect(run().built).toBe(true);
    expect(builds).toBe(1);
    expect(fs.existsSync(path.join(root, 'client', 'dist', STAMP_FILE))).toBe(true);
  });

  it('skips the build when nothing changed, even if files were touched', () => {
    run();
    const now = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(root, 'client/src/main.ts'), now, now);
    expect(run().built).toBe(false);
    expect(builds).toBe(1);
  });

  it.each([
    ['a client source', 'client/src/lib/a.svelte', '<p>b</p>'],
    ['a new client file', 'client/src/lib/new.ts', 'export {};'],
    ['the Vite config', 'client/vite.config.ts', 'export default { build: {} };'],
    ['a shared package the client bundles', 'packages/protocol/src/index.ts', 'export const v = 2;'],
    ['the lockfile', 'package-lock.json', '{"v":2}'],
  ])('rebuilds when %s changes', (_what, rel, text) => {
    run();
    write(rel, text);
    expect(run().built).toBe(true);
    expect(builds).toBe(2);
  });

  it('does not rebuild for a changed test file', () => {
    write('client/src/lib/a.test.ts', 'it()');
    run();
    write('client/src/lib/a.test.ts', 'it(2)');
    expect(run().built).toBe(false);
  });

  it('rebuilds when the built client is gone or the stamp is missing', () => {
    run();
    fs.rmSync(path.join(root, 'client', 'dist', 'index.html'));
    expect(run().built).toBe(true);
    fs.rmSync(path.join(root, 'client', 'dist', STAMP_FILE));
    expect(run().built).toBe(true);
    expect(builds).toBe(3);
  });

  it('leaves no stamp when the build fails, so the next start tries again', () => {
    expect(() =>
      ensureClientBuilt({
        root,
        log: () => {},
        build: () => {
          throw new Error('vite build failed');
        },
      }),
    ).toThrow('vite build failed');
    expect(fs.existsSync(path.join(root, 'client', 'dist', STAMP_FILE))).toBe(false);
  });
});
