// Tensile's benchmark suite against TF.js (cpu, wasm) and PyTorch (when installed). `pnpm bench [--quick] [--only W1,W5]`.
// Writes bench/results/<date>[-quick][-W1-W5].md and .json and prints the tables. See bench/README.md.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getBackend } from '@tensile/tensor';
import { BENCH_DIR } from './child.js';
import { allFrameworks, setTensileThreads, tensileDefaultThreads, type Framework } from './frameworks.js';
import { FULL_TIMING, QUICK_TIMING, gc, measure } from './harness.js';
import { describeMachine, loadNow } from './machine.js';
import { tf, tfjsWasmInfo } from './peers/tfjs.js';
import { detectTorch, torchColumn, torchTimings, MALLOC_ENV, PYTHON, TORCH_MODES, TORCH_TRAIN_WARMUP } from './peers/torch.js';
import { fmtPaired, judgeTargets, renderMarkdown, type RunReport } from './report.js';
import { runMemory, type MemoryPlan, type MemoryResult } from './w7-memory.bench.js';
import type { Result, Variant, Workload } from './workload.js';
import w1 from './w1-mlp.bench.js';
import w2 from './w2-mlp-b256.bench.js';
import w3 from './w3-mlp-wide.bench.js';
import w4 from './w4-lenet.bench.js';
import w5 from './w5-matmul.bench.js';
import w6 from './w6-overhead.bench.js';
import w8 from './w8-transformer.bench.js';
import w9 from './w9-lstm.bench.js';

const WORKLOADS: Workload[] = [w1, w2, w3, w4, w5, w6, w8, w9];

const HELP = `pnpm bench [options]   (from bench/, or pnpm --filter @tensile/bench bench)
  --quick               shorter timings and 1,000 instead of 10,000 W7 steps (~3 min instead of ~15)
  --only W1,W5          workloads (W1…W9) or variants (e.g. W5-512-AtB) to run
  --frameworks a,b      only these in-process columns (tensile-js, tensile-wasm, tensile-wasm-1t, tfjs-cpu, tfjs-wasm)
  --no-torch            skip the PyTorch columns (torch-Nt: default environment; torch-Nt-malloc: glibc malloc tuned)
  --threads N           run tensile-wasm on N threads instead of its default (tensile-wasm-1t is added when N > 1)
  --note "text"         add a note to the results file (repeatable)
  --out DIR             results directory (default bench/results)`;

interface Args {
  quick: boolean;
  only: string[] | null;
  frameworks: string[] | null;
  torch: boolean;
  threads: number | null;
  notes: string[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: null, frameworks: null, torch: true, threads: null, notes: [], out: path.join(BENCH_DIR, 'results') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const list = () => value().split(',').map((s) => s.trim()).filter(Boolean);
    switch (flag) {
      case '--quick': a.quick = true; break;
      case '--only': a.only = list(); break;
      case '--frameworks': a.frameworks = list(); break;
      case '--no-torch': a.torch = false; break;
      case '--threads': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new Error(`--threads needs a positive integer, got ${n}`);
        a.threads = n;
        break;
      }
      case '--note': a.notes.push(value()); break;
      case '--out': a.out = path.resolve(value()); break;
      case '--': break;
      case '-h': case '--help': console.log(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${arg}\n${HELP}`);
    }
  }
  return a;
}

function selected(only: string[] | null, workload: string, variant?: Variant, quick = false): boolean {
  const named = (id: string) => !!only && only.some((o) => o.toLowerCase() === id.toLowerCase());
  if (variant && named(variant.id)) return true;
  if (quick && variant?.heavy) return false;
  return !only || named(workload);
}

function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function runCase(w: Workload, fw: Framework, v: Variant, timing: typeof FULL_TIMING): Promise<Result> {
  const base = { variant: v.id, workload: w.id, label: v.label, unit: v.unit, framework: fw.id };
  const na = w.notApplicable?.(fw, v);
  if (na) return { ...base, na };
  let c;
  try {
    await fw.activate();
    c = await w.build(fw, v);
    const stats = measure(`${v.id} ${fw.id}`, c.fn, c.unitsPerCall, timing);
    gc();
    const paired = c.paired?.(timing.pairedSeconds);
    return { ...base, stats, ...(paired ? { paired } : {}) };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
    return { ...base, error: msg };
  } finally {
    try {
      c?.dispose?.();
    } catch {
      /* a failed case may not dispose cleanly */
    }
    gc();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = new Date();
  const timing = args.quick ? QUICK_TIMING : FULL_TIMING;
  const machine = describeMachine();
  if (args.threads !== null) setTensileThreads(args.threads);
  const frameworks = await allFrameworks(args.frameworks ?? undefined);
  const tensileIds = frameworks.filter((f) => f.kind === 'tensile').map((f) => f.id);
  const tensileBackends = [...new Set(frameworks.filter((f) => f.kind === 'tensile').map((f) => f.backend))];
  const defaultBackend = getBackend().name;
  const torch = args.torch ? detectTorch() : null;
  const torchThreads = torch ? [...new Set([1, torch.defaultThreads > 1 ? torch.defaultThreads : os.cpus().length])] : [];
  const wasmInfo = await tfjsWasmInfo();
  const torchColumns = torchThreads.flatMap((t) => TORCH_MODES.map((m) => torchColumn(t, m)));

  console.log(`Tensile bench (${args.quick ? 'quick' : 'full'}) on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`);
  console.log(`  columns: ${frameworks.map((f) => f.id).join(', ')}${torch ? `, ${torchColumns.join(', ')}` : ' (PyTorch not found)'}`);
  console.log(`  load average: ${machine.loadStart.join(' / ')}`);

  const results: Result[] = [];
  for (const w of WORKLOADS) {
    const variants = w.variants.filter((v) => selected(args.only, w.id, v, args.quick));
    for (const v of variants) {
      for (const fw of frameworks) {
        const r = await runCase(w, fw, v, timing);
        results.push(r);
        const s = r.stats;
        console.log(`  ${v.id.padEnd(13)} ${fw.id.padEnd(13)} ${s ? `${s.median.toPrecision(4)} ${v.unit} (min ${s.min.toPrecision(4)}, max ${s.max.toPrecision(4)}, ${s.samples} samples)` : r.na ? `n/a: ${r.na}` : `FAILS: ${r.error}`}`);
        if (r.paired) console.log(`  ${''.padEnd(13)} ${''.padEnd(13)} paired: ${fmtPaired(r.paired)}`);
      }
    }
  }

  // PyTorch, in its own process, after the in-process columns.
  let torchMeta: RunReport['torch'] = { missing: args.torch ? `${PYTHON} cannot import torch` : '--no-torch' };
  const torchVariants = WORKLOADS.flatMap((w) => w.variants.filter((v) => !v.tensileOnly && selected(args.only, w.id, v, args.quick)));
  if (torch && torchVariants.length) {
    // Twice: in the default environment (torch-Nt) and with glibc's malloc tuned (torch-Nt-malloc), each in its own process.
    const meta: Partial<Extract<RunReport['torch'], { version: string }>> = {};
    const failures: string[] = [];
    for (const mode of TORCH_MODES) {
      console.log(`  PyTorch ${torch.version} (${mode === 'malloc' ? 'malloc tuned' : 'default environment'}), threads ${torchThreads.join(', ')}…`);
      try {
        const t = await torchTimings(torchVariants.map((v) => v.id), torchThreads, timing, mode, args.quick ? TORCH_TRAIN_WARMUP.quick : TORCH_TRAIN_WARMUP.full);
        Object.assign(meta, { version: t.torch, python: t.python, defaultThreads: t.defaultThreads, threads: torchThreads, parallel: t.parallel, blas: t.blas });
        if (mode === 'malloc') meta.mallocEnv = t.malloc ?? {};
        for (const r of t.results) {
          const v = torchVariants.find((x) => x.id === r.variant)!;
          results.push({ variant: v.id, workload: v.workload, label: v.label, unit: v.unit, framework: r.framework, stats: r.stats, error: r.error });
        }
      } catch (e) {
        failures.push(`torch_bench.py (${mode}) failed: ${String(e)}`);
      }
    }
    torchMeta = meta.version ? { ...(meta as Extract<RunReport['torch'], { version: string }>), ...(failures.length ? { failures } : {}) } : { missing: failures.join('; ') };
  } else if (torch) {
    torchMeta = { version: torch.version, python: PYTHON, defaultThreads: torch.defaultThreads, threads: torchThreads };
  }

  // W7: memory, one child process per framework.
  const memSteps = args.quick ? 1000 : 10_000;
  let memory: MemoryResult[] = [];
  if (selected(args.only, 'W7')) {
    console.log(`  W7 memory: ${memSteps} W1 steps per framework, in child processes…`);
    const plans: MemoryPlan[] = [
      ...frameworks.map((f) => ({ framework: f.id, steps: memSteps, baseline: 100, maxSeconds: f.kind === 'tensile' ? (args.quick ? 120 : 900) : args.quick ? 20 : 60 })),
      ...(torch ? TORCH_MODES.map((m) => ({ framework: torchColumn(1, m), steps: memSteps, baseline: 100, maxSeconds: args.quick ? 20 : 60 })) : []),
    ];
    memory = await runMemory(plans, torch ? PYTHON : null);
  }

  const finished = new Date();
  machine.loadEnd = loadNow();
  const columns = [...frameworks.map((f) => f.id), ...(torch && torchVariants.length ? torchColumns : [])];
  const notes = [
    `The machine is shared with other sessions running builds and tests while this ran, so the figures are noisy (load average ${machine.loadStart.join('/')} at the start, ${machine.loadEnd.join('/')} at the end on ${machine.cores} cores); compare ratios from the same run, and see min–max.`,
    `${wasmInfo} (tfjs-backend-wasm disables threads in Node).`,
    'W1–W4 train on one fixed random batch (no data loading): zero grads, forward, softmax cross-entropy, backward, Adam (lr 1e-3). tfjs uses its layers API with optimizer.minimize; PyTorch nn + torch.optim.Adam.',
    'W4 is LeNet-5 on 28×28×1 inputs with ReLU and max-pooling (16·4·4 = 256 features into the 120-unit layer); Tensile and PyTorch are NCHW, tfjs NHWC (its native layout).',
    'W5 times one matmul call, result discarded (and disposed in tfjs); Tensile takes Aᵀ and Bᵀ as views, tfjs uses transposeA/transposeB, PyTorch .t() views.',
    'W6 tracked = one input requires grad, so each add records a graph node; tfjs records only inside tf.grad scopes, so it has no tracked figure.',
    'W1-guard is W1 with the NaN guard on (nanGuard: each op output, gradient and updated parameter checked, by the kernel that made it where it can, else by the backend’s allFinite kernel). Its cost is judged on the paired figure: the same step timed with the guard off and on, one step each in alternating order, in one process, median of the per-round time ratios (load from other processes then falls on both halves alike); the separately timed W1 and W1-guard figures are listed too. W6 runs with the profiler off, where an op pays one flag check for it.',
    'W8 is examples/char-lm’s transformer (token and learned position embeddings, 4 pre-norm blocks of causal 4-head self-attention and a GELU (erf) feed-forward, width 128, feed-forward 512, final LayerNorm, vocab 27) at batch 32, context 16; W9 an embedding 27→64, one LSTM layer of hidden 256 and a Linear to 27 logits at batch 32, sequence 32. Both train on one fixed batch of token ids with cross-entropy over every position and Adam (lr 1e-3). tfjs: W8 is written in tf ops on tf.variables (tf.layers has no transformer block) and W9 uses tf.layers.lstm; token ids enter as one-hot rows times the embedding matrix, since tfjs-backend-wasm lacks the gather gradient (UnsortedSegmentSum). PyTorch: nn.TransformerEncoderLayer(norm_first, gelu) with a −∞ causal mask, and nn.LSTM.',
    ...(torch ? [`PyTorch runs twice, each time in its own process: torch-Nt in the default environment (glibc's malloc thresholds, which here hand a training step's freed buffers back to the kernel and fault them in again every step) and torch-Nt-malloc with ${Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} set in its environment (glibc keeps its memory, as a user tuning PyTorch on CPU would set, like preloading jemalloc). Targets against PyTorch use, per workload, the faster of torch-1t and torch-1t-malloc, named in the targets table. Training workloads (W1–W4, W8, W9) are warmed up for ${(args.quick ? TORCH_TRAIN_WARMUP.quick : TORCH_TRAIN_WARMUP.full).steps} steps (at most ${(args.quick ? TORCH_TRAIN_WARMUP.quick : TORCH_TRAIN_WARMUP.full).seconds} s) before the usual warm-up and timing: PyTorch's step keeps speeding up over its first hundreds of steps.`] : []),
    `W7 runs ${memSteps.toLocaleString('en-US')} W1 steps per framework in its own process (two at a time); heap/external/RSS are read after a forced gc at step 100 and at the last step; peers are time-capped, Tensile is not (up to ${args.quick ? 120 : 900} s). PyTorch has no JS heap: only RSS, in both environments (torch-1t, torch-1t-malloc).`,
    ...('blas' in torchMeta && torchMeta.blas && /libblas\.so/.test(torchMeta.blas) && !/openblas|mkl/i.test(torchMeta.blas) ? [`PyTorch here is Debian's python3-torch linked against the reference BLAS (libblas3), not OpenBLAS or MKL, so its matmul-bound figures are far below the issue's (~130 GFLOP/s for matmul 512 on one thread with OpenBLAS); the PyTorch ratios are against this weaker build.`] : []),
    ...(torch && torch.defaultThreads === 1 ? [`PyTorch's default thread count here is 1, so its multi-thread column sets torch.set_num_threads(${os.cpus().length}) (the core count).`] : []),
    ...args.notes,
  ];
  const report: RunReport = {
    date: localDate(started),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
    mode: args.quick ? 'quick' : 'full',
    only: args.only,
    machine,
    tensile: { backends: tensileBackends, default: defaultBackend, wasmThreads: tensileDefaultThreads() },
    tfjs: { version: tf.version.tfjs, wasm: wasmInfo },
    torch: torchMeta,
    timing,
    frameworks: columns,
    results,
    memory,
    targets: judgeTargets(results, memory, tensileIds, memSteps),
    notes,
  };
  const md = renderMarkdown(report);
  mkdirSync(args.out, { recursive: true });
  const name = `${report.date}${args.quick ? '-quick' : ''}${args.threads !== null ? `-threads${args.threads}` : ''}${args.only ? `-${args.only.join('-')}` : ''}${args.frameworks ? `-${args.frameworks.join('-')}` : ''}`;
  writeFileSync(path.join(args.out, `${name}.md`), md + '\n');
  writeFileSync(path.join(args.out, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  console.log('\n' + md);
  console.log(`Wrote ${path.relative(process.cwd(), path.join(args.out, name))}.md and .json`);

  // A full run of everything becomes the README's latest table.
  const readme = path.join(BENCH_DIR, 'README.md');
  if (!args.quick && !args.only && !args.frameworks && args.threads === null && existsSync(readme)) {
    const text = readFileSync(readme, 'utf8');
    const start = '<!-- latest-results:start -->';
    const end = '<!-- latest-results:end -->';
    const i = text.indexOf(start);
    const j = text.indexOf(end);
    if (i >= 0 && j > i) {
      const body = md.replace(/^(#+) /gm, '$1## ').replace(/^### Tensile benchmarks, /, `### Latest full run: `);
      writeFileSync(readme, `${text.slice(0, i + start.length)}\n\nFrom [results/${name}.md](results/${name}.md).\n\n${body}\n${text.slice(j)}`);
      console.log('Updated the latest table in bench/README.md');
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
