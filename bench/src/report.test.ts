// The targets table: which column each target judges, against what, and the floors of issue 17.
import { describe, expect, it } from 'vitest';
import { judgeTargets } from './report.js';
import type { Result } from './workload.js';

const r = (variant: string, framework: string, median: number, unit = 'samples/s'): Result =>
  ({ variant, workload: variant.split('-')[0]!, label: variant, unit, framework, stats: { median, min: median, max: median, samples: 7, callsPerSample: 1, rme: 1 } });

const pick = (targets: ReturnType<typeof judgeTargets>, id: string, tensile: string) => targets.find((t) => t.id === id && t.tensile === tensile);

describe('judgeTargets', () => {
  const ids = ['tensile-wasm', 'tensile-wasm-1t', 'tensile-wasm-1t-fma'];
  const results: Result[] = [
    r('W1', 'tensile-wasm-1t', 80), r('W1', 'torch-1t', 13), r('W1', 'torch-1t-malloc', 90),
    r('W2', 'tensile-wasm-1t', 96), r('W2', 'torch-1t', 129), r('W2', 'torch-1t-malloc', 190),
    ...['tensile-wasm', 'tensile-wasm-1t', 'tensile-wasm-1t-fma'].map((f, i) => r('W5-512-AB', f, [60, 46, 49][i]!, 'GFLOP/s')),
    r('W6-tracked', 'tensile-wasm-1t', 4.9e6, 'ops/s'), r('W6-tracked', 'tensile-wasm', 6e6, 'ops/s'),
  ];
  const targets = judgeTargets(results, [], ids, 10_000);

  it('judges a ratio against the faster PyTorch one-thread column', () => {
    const w1 = pick(targets, 'W1-torch', 'tensile-wasm-1t')!;
    expect(w1.peer).toBe('torch-1t-malloc');
    expect(w1.measured).toBeCloseTo(80 / 90, 12);
    expect(w1.pass).toBe(true); // ≥ 0.8×
    const w2 = pick(targets, 'W2-torch', 'tensile-wasm-1t')!;
    expect(w2.pass).toBe(false); // 0.51× < 0.8×
    expect(w2.detail).toContain('190');
  });

  it('holds matmul 512 to 45 GFLOP/s on one thread without FMA and 50 with it, and skips the threaded column', () => {
    const plain = pick(targets, 'W5-512-AB-floor', 'tensile-wasm-1t')!;
    expect([plain.measured, plain.pass, plain.absolute]).toEqual([46, true, true]);
    const fma = pick(targets, 'W5-512-AB-floor-fma', 'tensile-wasm-1t-fma')!;
    expect([fma.measured, fma.pass]).toEqual([49, false]);
    expect(targets.some((t) => t.id.startsWith('W5-512-AB-floor') && t.tensile === 'tensile-wasm')).toBe(false);
    // No W5 results for the other forms: nothing judged, rather than a failure.
    expect(targets.some((t) => t.id.startsWith('W5-512-AtB'))).toBe(false);
  });

  it('holds W6 to 5 M tracked ops/s on every column that ran it', () => {
    expect(pick(targets, 'W6-floor', 'tensile-wasm-1t')!.pass).toBe(false);
    expect(pick(targets, 'W6-floor', 'tensile-wasm')!.pass).toBe(true);
    expect(pick(targets, 'W6-floor', 'tensile-wasm-1t-fma')).toBeUndefined();
  });

  it('judges the single wasm column when no one-thread column was added (its default is one thread)', () => {
    const t = judgeTargets([r('W5-512-AB', 'tensile-wasm', 47, 'GFLOP/s')], [], ['tensile-js', 'tensile-wasm'], 10_000);
    expect(pick(t, 'W5-512-AB-floor', 'tensile-wasm')!.pass).toBe(true);
    expect(pick(t, 'W5-512-AB-floor', 'tensile-js')).toBeUndefined();
  });

  it('judges the tensile-blas columns against PyTorch, but not by the wasm GEMM kernel\'s matmul floors', () => {
    const t = judgeTargets([
      r('W5-512-AB', 'tensile-blas-1t', 190, 'GFLOP/s'), r('W5-512-AB', 'tensile-wasm-1t', 46, 'GFLOP/s'),
      r('W8', 'tensile-blas-1t', 700), r('W8', 'torch-1t', 600), r('W8', 'torch-1t-malloc', 650),
    ], [], ['tensile-wasm-1t', 'tensile-blas-1t'], 10_000);
    expect(pick(t, 'W5-512-AB-floor', 'tensile-blas-1t')).toBeUndefined();
    expect(pick(t, 'W5-512-AB-floor', 'tensile-wasm-1t')!.pass).toBe(true);
    const w8 = pick(t, 'W8-torch', 'tensile-blas-1t')!;
    expect([w8.peer, w8.pass]).toEqual(['torch-1t-malloc', true]);
    expect(w8.measured).toBeCloseTo(700 / 650, 12);
  });
});
