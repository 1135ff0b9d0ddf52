// Benchmark-only preload (`node --expose-gc --import ./bench/gc-on-signal.mjs`): a full GC on
// SIGUSR2, so the benchmark reads a node's live heap, not whatever garbage it carries at
// that moment. Never loaded by `npm start`.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
});
