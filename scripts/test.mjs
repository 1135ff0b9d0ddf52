#!/usr/bin/env node
// `npm test`: typecheck and lint every workspace, then run every suite (unit, integration
// against the real Postgres and Redis, end-to-end in Chromium) one workspace at a time,
// and close with one plain "N passed, N failed" line summed from vitest's JSON reports.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const workspaces = ['packages/protocol', 'packages/db', 'packages/room-doc', 'server', 'client'];
const reports = workspaces.map((w) => path.join(root, w, '.vitest-report.json'));
for (const r of reports) fs.rmSync(r, { force: true });

const run = (args) => spawnSync('npx', ['turbo', ...args], { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

let failedStep = null;
if (run(['run', 'typecheck', 'lint', '--output-logs=errors-only']) !== 0) failedStep = 'typecheck/lint';
// --concurrency=1: integration and browser suites each need the machine's two cores.
const testStatus = run(['run', 'test', '--concurrency=1', '--continue']);
if (testStatus !== 0 && !failedStep) failedStep = 'tests';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const r of reports) {
  if (!fs.existsSync(r)) continue;
  const report = JSON.parse(fs.readFileSync(r, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
if (failedStep && failed === 0) failed = 1; // a step failed outside any test: never report all green
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedStep ? 1 : 0);
