// Benchmark-only preload for our node in `npm run bench -- --peers` (never loaded by `npm start`):
// the bytes its JS heap has allocated so far, written to BENCH_ALLOC_FILE four times a second.
// Allocated = heap used now − heap used at start + everything each GC freed (v8.GCProfiler's
// used-heap size before and after every GC; the profiler is restarted to read it out).
import fs from 'node:fs';
import v8 from 'node:v8';

const file = process.env.BENCH_ALLOC_FILE;
if (file) {
  const startUsed = v8.getHeapStatistics().used_heap_size;
  let freed = 0;
  let profiler = new v8.GCProfiler();
  profiler.start();
  setInterval(() => {
    const { statistics } = profiler.stop();
    profiler = new v8.GCProfiler();
    profiler.start();
    for (const s of statistics) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    const allocated = v8.getHeapStatistics().used_heap_size - startUsed + freed;
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), allocated }));
    fs.renameSync(`${file}.tmp`, file);
  }, 250).unref();
}
