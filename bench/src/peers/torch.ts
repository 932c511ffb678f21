// PyTorch as an optional peer: bench/peers/torch_bench.py run with /usr/bin/python3 when `import torch` works.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TimingOptions, Stats } from '../harness.js';
import { parseResult, runChild } from '../child.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'peers', 'torch_bench.py');

/**
 * glibc malloc settings that keep PyTorch's freed memory in the process. With glibc's defaults, the buffers of a
 * training step (above the dynamic mmap threshold, or trimmed from the heap top) go back to the kernel when freed
 * and are faulted in again next step, which dominates small CPU steps (W1 ~20k samples/s here, ~95k with these).
 * Setting them is what a user tuning PyTorch on CPU does, like preloading jemalloc.
 */
export const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '67108864', MALLOC_TRIM_THRESHOLD_: '268435456' } as const;

/** The two ways the PyTorch columns run: `torch-<n>t` in the default environment, `torch-<n>t-malloc` with MALLOC_ENV. */
export type TorchMode = 'default' | 'malloc';
export const TORCH_MODES: readonly TorchMode[] = ['default', 'malloc'];

/** Column name of PyTorch on `threads` threads in `mode`. */
export function torchColumn(threads: number, mode: TorchMode): string {
  return `torch-${threads}t${mode === 'malloc' ? '-malloc' : ''}`;
}

/**
 * The child environment for `mode`: the default column gets this process's environment without glibc's MALLOC_*
 * tunables (so an inherited setting cannot turn it into the tuned one), the malloc column the same plus MALLOC_ENV.
 */
export function torchEnv(mode: TorchMode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^MALLOC_\w+_$/.test(k) && !k.startsWith('GLIBC_TUNABLES')) env[k] = v;
  return mode === 'malloc' ? { ...env, ...MALLOC_ENV } : env;
}

/** Warm-up of the training workloads (W1–W4, W8, W9) before timing: PyTorch's step speeds up over its first hundreds of steps. */
export const TORCH_TRAIN_WARMUP = { full: { steps: 1000, seconds: 10 }, quick: { steps: 300, seconds: 3 } } as const;

export interface TorchInfo {
  python: string;
  version: string;
  defaultThreads: number;
}

/** PyTorch's version and default thread count, or null when /usr/bin/python3 cannot import torch. */
export function detectTorch(): TorchInfo | null {
  if (!existsSync(PYTHON)) return null;
  try {
    const out = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const [version = '?', threads = '1'] = out.trim().split(/\s+/);
    return { python: PYTHON, version, defaultThreads: Number(threads) };
  } catch {
    return null;
  }
}

export interface TorchTimings {
  torch: string;
  python: string;
  defaultThreads: number;
  parallel: string;
  /** The BLAS library torch loaded (the reference libblas is ~20× slower than OpenBLAS). */
  blas: string;
  /** The glibc MALLOC_*_ variables the child saw (empty in the default column). */
  malloc?: Record<string, string>;
  results: { variant: string; framework: string; stats?: Stats; error?: string }[];
}

/**
 * Times `variants` with each thread count in `threads`, in one child process whose environment is `mode`'s
 * (columns torch-1t, torch-2t, … or torch-1t-malloc, torch-2t-malloc, …). Training workloads are warmed up for at
 * least `trainWarmup.steps` steps (or `trainWarmup.seconds`, whichever ends first) besides the usual warm-up.
 */
export async function torchTimings(
  variants: readonly string[],
  threads: readonly number[],
  timing: TimingOptions,
  mode: TorchMode = 'default',
  trainWarmup: { steps: number; seconds: number } = TORCH_TRAIN_WARMUP.full,
): Promise<TorchTimings> {
  const config = JSON.stringify({ variants, threads, timing, suffix: mode === 'malloc' ? '-malloc' : '', trainWarmup });
  const out = await runChild(PYTHON, [SCRIPT, 'timings', config], mode === 'malloc' ? 'torch-malloc' : 'torch', torchEnv(mode));
  const r = parseResult<TorchTimings>(out.stdout);
  if (!r) throw new Error(`torch_bench.py exited ${out.code}: ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r;
}
