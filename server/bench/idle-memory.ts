/**
 * Where an idle node's memory goes, on the embedded PGlite database (README, Performance:
 * "Idle memory"). Does in one process what `npm start` does, step by step, and prints the
 * resident set after each step with V8's heap, memory outside the heap, and the WebAssembly
 * memory of PGlite's Postgres:
 *
 *   node --expose-gc --max-semi-space-size=32 --import tsx server/bench/idle-memory.ts [--data-dir DIR] [--json]
 *
 * Without --data-dir, a new database in the OS temp dir (a first start, initdb included);
 * run it twice with the same --data-dir to see a usual restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '@menteo/db';
import { createApp } from '../src/app.ts';
import { createBus } from '../src/bus/create-bus.ts';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

interface Row {
  step: string;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  wasmMb: number | null;
}
const rows: Row[] = [];
let wasmBytes: () => number | null = () => null;

function sample(step: string): void {
  gc?.();
  const m = process.memoryUsage();
  const wasm = wasmBytes();
  rows.push({
    step,
    rssMb: Math.round(m.rss / MB),
    heapUsedMb: Math.round(m.heapUsed / MB),
    heapTotalMb: Math.round(m.heapTotal / MB),
    externalMb: Math.round(m.external / MB),
    wasmMb: wasm === null ? null : Math.round(wasm / MB),
  });
}

const dirArg = process.argv.indexOf('--data-dir');
const given = dirArg > 0 ? process.argv[dirArg + 1] : undefined;
const dataDir = given ?? fs.mkdtempSync(path.join(os.tmpdir(), 'menteo-idle-'));
sample('node + tsx + imports');
const config = parseConfig({ PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir, CLIENT_DIR: '' }, { clientDir: '', nodeId: 'idle' });
if (config.database.kind !== 'pglite') throw new Error('expected PGlite');
const db = await createDb({ kind: 'pglite', dataDir: config.database.dataDir });
wasmBytes = () => db.memoryBytes?.() ?? null;
sample('PGlite started + migrations');
const logger = createLogger('warn');
const bus = await createBus(config, logger);
const app = await createApp({ config, db, bus, logger });
await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', () => resolve()));
sample('app built, listening');
await new Promise((r) => setTimeout(r, 5000));
sample('idle 5 s');

if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
else console.table(rows);
await app.close();
await bus.close();
await db.close();
if (!given) fs.rmSync(dataDir, { recursive: true, force: true });
