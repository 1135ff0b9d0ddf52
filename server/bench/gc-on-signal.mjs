// Benchmark-only preload (`node --expose-gc --import ./bench/gc-on-signal.mjs`). Never loaded
// by `npm start`.
//
// - A full GC on SIGUSR2, so the benchmark reads a node's live heap, not whatever garbage it
//   carries at that moment.
// - With BENCH_GC_FILE set: every GC pause the node took, written to that file four times a
//   second as running totals per kind plus the pauses of 5 ms or more with their wall-clock
//   time, so the benchmark can tell how much of a window the node spent stopped (load.ts).
//   prom-client's GC histogram counts only the first entry of each observer batch.
import fs from 'node:fs';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
});

const file = process.env.BENCH_GC_FILE;
if (file) {
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const totals = {};
  /** [wall-clock ms at the start, duration ms, kind] of each pause of 5 ms or more, newest last. */
  const long = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kinds[entry.detail?.kind] ?? 'other';
      const t = (totals[kind] ??= { count: 0, ms: 0 });
      t.count++;
      t.ms += entry.duration;
      if (entry.duration >= 5) {
        long.push([performance.timeOrigin + entry.startTime, entry.duration, kind]);
        if (long.length > 2000) long.splice(0, 1000);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => {
    // Written aside and renamed, so the benchmark never reads half a file.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), totals, long }));
    fs.renameSync(`${file}.tmp`, file);
  }, 250).unref();
}
