// Timing on benchmark.js: warm-up, then benchmark.js cycles (each cycle runs the case `count` times and gives one
// sample, seconds per call). We report the median sample and the min/max as throughput (units per second).
import Benchmark from 'benchmark';

/** How long to measure each case. */
export interface TimingOptions {
  /** Warm-up: call the case at least this many times… */
  warmupCalls: number;
  /** …and for at least this many seconds. */
  warmupSeconds: number;
  /** benchmark.js: at least this many samples (cycles). */
  minSamples: number;
  /** benchmark.js: stop sampling after this many seconds (once minSamples is reached). */
  maxTime: number;
  /** benchmark.js: a cycle lasts at least this long (calls are repeated to reach it). */
  minTime: number;
  /** A case whose first call takes longer than this is slow: one warm-up call and `slowMinSamples` samples. */
  slowCallSeconds: number;
  slowMinSamples: number;
  /** Seconds of a case's paired measurement (W1-guard's guard-off/guard-on rounds). */
  pairedSeconds: number;
}

export const FULL_TIMING: TimingOptions = {
  warmupCalls: 3, warmupSeconds: 2, minSamples: 7, maxTime: 2, minTime: 0.1, slowCallSeconds: 0.8, slowMinSamples: 4, pairedSeconds: 30,
};
export const QUICK_TIMING: TimingOptions = {
  warmupCalls: 2, warmupSeconds: 0.15, minSamples: 3, maxTime: 0.5, minTime: 0.05, slowCallSeconds: 0.3, slowMinSamples: 3, pairedSeconds: 10,
};

/** Throughput statistics over benchmark.js samples, in units per second. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  /** benchmark.js samples (cycles). */
  samples: number;
  /** Calls per sample in the last benchmark.js cycle (benchmark.js grows it until a cycle lasts minTime). */
  callsPerSample: number;
  /** Relative margin of error of the mean period, % (benchmark.js `rme`). */
  rme: number;
  /** The first call took longer than slowCallSeconds: one warm-up call, slowMinSamples samples. */
  slow?: boolean;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Collects garbage when node runs with --expose-gc, so one case's garbage is not collected on the next one's clock. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * `gc()`, then one turn of the event loop: finalizers (FinalizationRegistry callbacks, which return Tensile's
 * tensors' blocks of wasm memory) run only between tasks, so without the turn a case would start with the
 * wasm memory still held by the previous case's dead tensors, and how it ran would depend on what ran before.
 */
export async function settle(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Times `fn` (one call = `unitsPerCall` units: samples, FLOPs, ops) with benchmark.js after a warm-up.
 * Throws what `fn` throws.
 */
export function measure(name: string, fn: () => void, unitsPerCall: number, opts: TimingOptions): Stats {
  const t0 = performance.now();
  fn();
  const slow = performance.now() - t0 > opts.slowCallSeconds * 1000;
  for (let i = 1; !slow && (i < opts.warmupCalls || performance.now() - t0 < opts.warmupSeconds * 1000); i++) fn();
  gc();
  const bench = new Benchmark(name, fn, {
    minSamples: slow ? opts.slowMinSamples : opts.minSamples,
    maxTime: opts.maxTime,
    minTime: opts.minTime,
    initCount: 1,
  });
  bench.run({ async: false });
  const error = (bench as unknown as { error?: unknown }).error;
  if (error) throw error;
  const periods = bench.stats.sample; // seconds per call, one per cycle
  if (periods.length === 0) throw new Error(`${name}: benchmark.js took no samples`);
  const rates = periods.map((p) => unitsPerCall / p);
  return {
    median: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    samples: periods.length,
    callsPerSample: bench.count,
    rme: bench.stats.rme,
    ...(slow ? { slow: true } : {}),
  };
}

/** A paired comparison of two variants of one call (`off`, `on`), interleaved in the same process. */
export interface PairedStats {
  /** Median over rounds of (time of `on`) ÷ (time of `off`); 1.05 means `on` costs 5% more. */
  ratio: number;
  /** The 25th and 75th percentiles of the per-round ratios. */
  q1: number;
  q3: number;
  /** Rounds measured (each times one call of each, in alternating order). */
  rounds: number;
  /** Median milliseconds per call of each. */
  offMs: number;
  onMs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

/**
 * Times `off` and `on` interleaved: each round times `callsPerRound` calls of one, then as many of the
 * other (the order alternates between rounds, so neither always runs second), for `seconds` after a
 * warm-up of both. Load from other processes falls on both halves of a round alike, so the median of the
 * per-round ratios is steadier than the ratio of two separately timed figures on a shared machine.
 */
export function measurePaired(off: () => void, on: () => void, opts: { seconds: number; warmupSeconds: number; callsPerRound?: number; minRounds?: number }): PairedStats {
  const k = opts.callsPerRound ?? 1;
  const minRounds = opts.minRounds ?? 50;
  const t0 = performance.now();
  while (performance.now() - t0 < opts.warmupSeconds * 1000) {
    off();
    on();
  }
  gc();
  const ratios: number[] = [];
  const offs: number[] = [];
  const ons: number[] = [];
  const timeK = (fn: () => void): number => {
    const s = performance.now();
    for (let i = 0; i < k; i++) fn();
    return (performance.now() - s) / k;
  };
  const start = performance.now();
  for (let r = 0; r < minRounds || performance.now() - start < opts.seconds * 1000; r++) {
    let a: number;
    let b: number;
    if (r % 2 === 0) {
      a = timeK(off);
      b = timeK(on);
    } else {
      b = timeK(on);
      a = timeK(off);
    }
    offs.push(a);
    ons.push(b);
    ratios.push(b / a);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  return { ratio: median(ratios), q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75), rounds: ratios.length, offMs: median(offs), onMs: median(ons) };
}
