// PyTorch as an optional peer: bench/peers/torch_bench.py run with /usr/bin/python3 when `import torch` works.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TimingOptions, Stats } from '../harness.js';
import { parseResult, runChild } from '../child.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'peers', 'torch_bench.py');

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
  results: { variant: string; framework: string; stats?: Stats; error?: string }[];
}

/** Times `variants` with each thread count in `threads` (columns torch-1t, torch-2t, …). */
export async function torchTimings(variants: readonly string[], threads: readonly number[], timing: TimingOptions): Promise<TorchTimings> {
  const config = JSON.stringify({ variants, threads, timing });
  const out = await runChild(PYTHON, [SCRIPT, 'timings', config], 'torch');
  const r = parseResult<TorchTimings>(out.stdout);
  if (!r) throw new Error(`torch_bench.py exited ${out.code}: ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r;
}
