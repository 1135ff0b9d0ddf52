/** Percentiles and small formatting helpers for the benchmark report. */

export interface Summary {
  n: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) return { n: 0, min: NaN, p10: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  // Nearest-rank percentile: the smallest sample with at least p% of samples at or below it.
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n: sorted.length, min: sorted[0]!, p10: at(10), p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1]!, mean: sum / sorted.length };
}

export const round = (v: number, digits = 1): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
export const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);
export const kb = (bytes: number): number => round(bytes / 1024, 1);

/** A two-column table: metric | value (and an optional target). */
export function printTable(title: string, rows: Array<[string, string | number, string?]>): void {
  const w0 = Math.max(...rows.map((r) => r[0].length), 6);
  const w1 = Math.max(...rows.map((r) => String(r[1]).length), 5);
  const line = `+${'-'.repeat(w0 + 2)}+${'-'.repeat(w1 + 2)}+${'-'.repeat(14)}+`;
  console.log(`\n${title}`);
  console.log(line);
  console.log(`| ${'metric'.padEnd(w0)} | ${'value'.padStart(w1)} | ${'target'.padEnd(12)} |`);
  console.log(line);
  for (const [k, v, t] of rows) console.log(`| ${k.padEnd(w0)} | ${String(v).padStart(w1)} | ${(t ?? '').padEnd(12)} |`);
  console.log(line);
}
