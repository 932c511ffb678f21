// Tensile's benchmark suite against TF.js (cpu, wasm) and PyTorch (when installed). `pnpm bench [--quick] [--only W1,W5]`.
// Writes bench/results/<date>-<commit>[-quick][-W1-W5].md and .json and prints the tables. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getBackend, wasmBuild } from '@tensile/tensor';
import { BENCH_DIR, parseResult, runChild } from './child.js';
import { allFrameworks, blasStatus, setTensileThreads, tensileDefaultThreads, type Framework } from './frameworks.js';
import { FULL_TIMING, QUICK_TIMING, type TimingOptions } from './harness.js';
import { describeMachine, loadNow } from './machine.js';
import { tf, tfjsWasmInfo } from './peers/tfjs.js';
import { detectTorch, torchColumn, torchTimings, MALLOC_ENV, PYTHON, TORCH_MODES, TORCH_TRAIN_WARMUP } from './peers/torch.js';
import { judgeTargets, renderMarkdown, type RunReport } from './report.js';
import { WORKLOADS, logResult, runCase, selected } from './suite.js';
import { runMemory, type MemoryPlan, type MemoryResult } from './w7-memory.bench.js';
import type { Result, Variant } from './workload.js';

const HELP = `pnpm bench [options]   (from bench/, or pnpm --filter @tensile/bench bench)
  --quick               shorter timings and 1,000 instead of 10,000 W7 steps (~3 min instead of ~15)
  --only W1,W5          workloads (W1…W9) or variants (e.g. W5-512-AtB) to run
  --frameworks a,b      only these in-process columns (tensile-js, tensile-wasm, tensile-wasm-1t, tensile-blas,
                        tensile-blas-1t, tfjs-cpu, tfjs-wasm)
  --no-other-build      skip the column of the other wasm build (tensile-wasm-1t-fma: relaxed SIMD in a child node
                        run with --experimental-wasm-relaxed-simd; or tensile-wasm-1t-nofma where this node runs it)
  --no-torch            skip the PyTorch columns (torch-Nt: default environment; torch-Nt-malloc: glibc malloc tuned)
  --threads N           run tensile-wasm on N threads instead of its default (tensile-wasm-1t is added when N > 1)
  --keep-openblas-env   keep OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (by default the bench unsets them, so that
                        OpenBLAS, in tensile-blas and in PyTorch, picks its kernel for this CPU)
  --note "text"         add a note to the results file (repeatable)
  --out DIR             results directory (default bench/results)
  --render FILE.json    measure nothing: judge a stored run's figures by today's targets, rewrite its .md and .json
                        (and the README's latest table, when FILE is the run it comes from)`;

interface Args {
  quick: boolean;
  only: string[] | null;
  frameworks: string[] | null;
  torch: boolean;
  otherBuild: boolean;
  threads: number | null;
  notes: string[];
  keepOpenblasEnv: boolean;
  out: string;
  render: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: null, frameworks: null, torch: true, otherBuild: true, threads: null, notes: [], keepOpenblasEnv: false, out: path.join(BENCH_DIR, 'results'), render: null };
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
      case '--no-other-build': a.otherBuild = false; break;
      case '--threads': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new Error(`--threads needs a positive integer, got ${n}`);
        a.threads = n;
        break;
      }
      case '--note': a.notes.push(value()); break;
      case '--keep-openblas-env': a.keepOpenblasEnv = true; break;
      case '--out': a.out = path.resolve(value()); break;
      case '--render': a.render = path.resolve(value()); break;
      case '--': break;
      case '-h': case '--help': console.log(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${arg}\n${HELP}`);
    }
  }
  return a;
}

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
// A module whose one function is f32x4.relaxed_madd: valid exactly where the engine runs relaxed SIMD.
const RELAXED_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11];

interface OtherBuild {
  column: string;
  build: 'simd' | 'relaxed-simd';
  flags: string[];
  /** Why it cannot be measured here. */
  missing?: string;
  skip?: boolean;
}

/**
 * The Tensile column of the wasm build this process does not run: where it runs plain SIMD (Node 20 without
 * flags), the relaxed-SIMD build with fused multiply-add in a child node run with --experimental-wasm-relaxed-simd
 * (tensile-wasm-1t-fma); where it runs relaxed SIMD, the plain build pinned with TENSILE_WASM_BUILD=simd
 * (tensile-wasm-1t-nofma). Null without wasm kernels.
 */
function otherBuildColumn(build: 'simd' | 'relaxed-simd' | null): OtherBuild | null {
  if (build === 'relaxed-simd') return { column: 'tensile-wasm-1t-nofma', build: 'simd', flags: [] };
  if (build !== 'simd') return null;
  const fma: OtherBuild = { column: 'tensile-wasm-1t-fma', build: 'relaxed-simd', flags: [RELAXED_FLAG] };
  const probe = spawnSync(process.execPath, [RELAXED_FLAG, '-e', `process.exit(WebAssembly.validate(new Uint8Array(${JSON.stringify(RELAXED_PROBE)})) ? 0 : 3)`]);
  if (probe.status !== 0) fma.missing = `this node does not run relaxed SIMD even with ${RELAXED_FLAG}`;
  return fma;
}

/** Measures `variants` for the other build's column in a child process; a failed child is one error per variant. */
async function otherBuild(o: OtherBuild, variants: readonly Variant[], timing: TimingOptions): Promise<Result[]> {
  const cell = (v: Variant) => ({ variant: v.id, workload: v.workload, label: v.label, unit: v.unit, framework: o.column });
  if (o.missing) return variants.map((v) => ({ ...cell(v), error: o.missing }));
  const config = JSON.stringify({ column: o.column, build: o.build, variants: variants.map((v) => v.id), timing });
  const out = await runChild(process.execPath, ['--expose-gc', ...o.flags, '--import', 'tsx', path.join(BENCH_DIR, 'src', 'build-child.ts'), config], o.column,
    { ...process.env, TENSILE_WASM_BUILD: o.build });
  process.stdout.write(out.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('@@RESULT ')).map((l) => `${l}\n`).join(''));
  const r = parseResult<{ build: string; results: Result[] }>(out.stdout);
  if (out.code !== 0 || !r) {
    const why = `child failed (exit ${out.code}): ${out.stderr.trim().split('\n').filter(Boolean).at(-1) ?? 'no output'}`.slice(0, 300);
    return variants.map((v) => ({ ...cell(v), error: why }));
  }
  return r.results;
}

function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const README = path.join(BENCH_DIR, 'README.md');
const LATEST_START = '<!-- latest-results:start -->';
const LATEST_END = '<!-- latest-results:end -->';

/** Writes `md` (the results file `name`) into the README's latest-results section. */
function writeLatest(md: string, name: string): void {
  if (!existsSync(README)) return;
  const text = readFileSync(README, 'utf8');
  const i = text.indexOf(LATEST_START);
  const j = text.indexOf(LATEST_END);
  if (i < 0 || j <= i) return;
  const body = md.replace(/^(#+) /gm, '$1## ').replace(/^### Tensile benchmarks, /, `### Latest full run: `);
  writeFileSync(README, `${text.slice(0, i + LATEST_START.length)}\n\nFrom [results/${name}.md](results/${name}.md).\n\n${body}\n${text.slice(j)}`);
  console.log('Updated the latest table in bench/README.md');
}

/**
 * `--render`: a stored run judged again by the targets as they are now (targets change with the issues, the
 * measured figures do not), its .md and .json rewritten in place, and the README's table when it shows this run.
 */
function render(file: string): void {
  if (!file.endsWith('.json') || !existsSync(file)) throw new Error(`--render needs a results .json file, got ${file}`);
  const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
  const tensileIds = report.frameworks.filter((f) => f.startsWith('tensile-'));
  const steps = report.memory.find((m) => m.framework.startsWith('tensile'))?.stepsRequested ?? (report.mode === 'quick' ? 1000 : 10_000);
  report.targets = judgeTargets(report.results, report.memory, tensileIds, steps);
  const md = renderMarkdown(report);
  const name = path.basename(file, '.json');
  writeFileSync(file.replace(/\.json$/, '.md'), md + '\n');
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(md);
  console.log(`Rewrote ${name}.md and .json`);
  if (existsSync(README) && readFileSync(README, 'utf8').includes(`From [results/${name}.md]`)) writeLatest(md, name);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render !== null) {
    render(args.render);
    return;
  }
  const started = new Date();
  const timing = args.quick ? QUICK_TIMING : FULL_TIMING;
  const machine = describeMachine();
  // OpenBLAS picks its CPU kernel when it loads, from the CPU or from OPENBLAS_CORETYPE. Some machines here pin
  // an older kernel in the environment (with OPENBLAS_L2_SIZE), a precaution for older builds; the bench unsets
  // both before @tensile/blas loads, for its columns and the PyTorch children alike, so that each library runs
  // the kernel it would choose itself, and checks the library's products before timing them (frameworks.ts).
  const openblasUnset = args.keepOpenblasEnv ? [] : OPENBLAS_ENV.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);
  if (!args.keepOpenblasEnv) for (const k of OPENBLAS_ENV) delete process.env[k];
  if (args.threads !== null) setTensileThreads(args.threads);
  const frameworks = await allFrameworks(args.frameworks ?? undefined);
  const tensileIds = frameworks.filter((f) => f.kind === 'tensile').map((f) => f.id);
  const tensileBackends = [...new Set(frameworks.filter((f) => f.kind === 'tensile').map((f) => f.backend))];
  const defaultBackend = getBackend().name;
  const torch = args.torch ? detectTorch() : null;
  const torchThreads = torch ? [...new Set([1, torch.defaultThreads > 1 ? torch.defaultThreads : os.cpus().length])] : [];
  const wasmInfo = await tfjsWasmInfo();
  const torchColumns = torchThreads.flatMap((t) => TORCH_MODES.map((m) => torchColumn(t, m)));
  const build = wasmBuild();
  const other = args.otherBuild ? otherBuildColumn(build) : null;
  const skipOther = other !== null && args.frameworks !== null && !args.frameworks.includes(other.column);
  if (skipOther) other.skip = true;

  console.log(`Tensile bench (${args.quick ? 'quick' : 'full'}) on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`);
  console.log(`  columns: ${frameworks.map((f) => f.id).join(', ')}${other && !other.skip ? `, ${other.column}` : ''}${torch ? `, ${torchColumns.join(', ')}` : ' (PyTorch not found)'}`);
  console.log(`  load average: ${machine.loadStart.join(' / ')}`);

  const results: Result[] = [];
  for (const w of WORKLOADS) {
    const variants = w.variants.filter((v) => selected(args.only, w.id, v, args.quick));
    for (const v of variants) {
      for (const fw of frameworks) {
        const r = await runCase(w, fw, v, timing);
        results.push(r);
        logResult(v, fw.id, r);
      }
    }
  }

  // The other wasm build (Node 20 runs relaxed SIMD only behind a flag), one thread, in a child process.
  const otherVariants = WORKLOADS.flatMap((w) => w.variants.filter((v) => selected(args.only, w.id, v, args.quick)));
  if (other && !other.skip && otherVariants.length) {
    console.log(`  ${other.column}: the ${other.build} wasm build in a child process${other.flags.length ? ` (node ${other.flags.join(' ')})` : ''}…`);
    const out = await otherBuild(other, otherVariants, timing);
    results.push(...out);
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
      // tensile-blas differs from tensile-wasm only in its products' library: its memory is the wasm backend's.
      ...frameworks.filter((f) => f.backend !== 'blas').map((f) => ({ framework: f.id, steps: memSteps, baseline: 100, maxSeconds: f.kind === 'tensile' ? (args.quick ? 120 : 900) : args.quick ? 20 : 60 })),
      ...(torch ? TORCH_MODES.map((m) => ({ framework: torchColumn(1, m), steps: memSteps, baseline: 100, maxSeconds: args.quick ? 20 : 60 })) : []),
    ];
    memory = await runMemory(plans, torch ? PYTHON : null);
  }

  const finished = new Date();
  machine.loadEnd = loadNow();
  const otherIds = other && !other.skip && results.some((r) => r.framework === other.column) ? [other.column] : [];
  const columns = [...frameworks.map((f) => f.id), ...otherIds, ...(torch && torchVariants.length ? torchColumns : [])];
  const notes = [
    `The machine is shared with other sessions running builds and tests while this ran, so the figures are noisy (load average ${machine.loadStart.join('/')} at the start, ${machine.loadEnd.join('/')} at the end on ${machine.cores} cores); compare ratios from the same run, and see min–max.`,
    `${wasmInfo} (tfjs-backend-wasm disables threads in Node).`,
    ...(build ? [`Tensile's in-process columns run the ${build} wasm build${build === 'relaxed-simd' ? ' (fused multiply-add)' : ' (separate multiply and add)'}${other ? other.missing ? `; ${other.column} is missing: ${other.missing}` : other.skip ? '' : `; ${other.column} is the ${other.build} build on one thread, measured in a child process (${other.flags.length ? `node ${other.flags.join(' ')}, ` : ''}TENSILE_WASM_BUILD=${other.build})` : ''}.`] : []),
    'W1–W4 train on one fixed random batch (no data loading): zero grads, forward, softmax cross-entropy, backward, Adam (lr 1e-3). tfjs uses its layers API with optimizer.minimize; PyTorch nn + torch.optim.Adam.',
    'W4 is LeNet-5 on 28×28×1 inputs with ReLU and max-pooling (16·4·4 = 256 features into the 120-unit layer); Tensile and PyTorch are NCHW, tfjs NHWC (its native layout).',
    'W5 times one matmul call, result discarded (and disposed in tfjs); Tensile takes Aᵀ and Bᵀ as views, tfjs uses transposeA/transposeB, PyTorch .t() views.',
    'W6 tracked = one input requires grad, so each add records a graph node; tfjs records only inside tf.grad scopes, so it has no tracked figure.',
    'W1-guard is W1 with the NaN guard on (nanGuard: each op output, gradient and updated parameter checked, by the kernel that made it where it can, else by the backend’s allFinite kernel). Its cost is judged on the paired figure: the same step timed with the guard off and on, one step each in alternating order, in one process, median of the per-round time ratios (load from other processes then falls on both halves alike); the separately timed W1 and W1-guard figures are listed too. W6 runs with the profiler off, where an op pays one flag check for it.',
    'W8 is examples/char-lm’s transformer (token and learned position embeddings, 4 pre-norm blocks of causal 4-head self-attention and a GELU (erf) feed-forward, width 128, feed-forward 512, final LayerNorm, vocab 27) at batch 32, context 16; W9 an embedding 27→64, one LSTM layer of hidden 256 and a Linear to 27 logits at batch 32, sequence 32. Both train on one fixed batch of token ids with cross-entropy over every position and Adam (lr 1e-3). tfjs: W8 is written in tf ops on tf.variables (tf.layers has no transformer block) and W9 uses tf.layers.lstm; token ids enter as one-hot rows times the embedding matrix, since tfjs-backend-wasm lacks the gather gradient (UnsortedSegmentSum). PyTorch: nn.TransformerEncoderLayer(norm_first, gelu) with a −∞ causal mask, and nn.LSTM.',
    ...(torch ? [`PyTorch runs twice, each time in its own process: torch-Nt in the default environment (glibc's malloc thresholds, which here hand a training step's freed buffers back to the kernel and fault them in again every step) and torch-Nt-malloc with ${Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} set in its environment (glibc keeps its memory, as a user tuning PyTorch on CPU would set, like preloading jemalloc). Targets against PyTorch use, per workload, the faster of torch-1t and torch-1t-malloc, named in the targets table. Training workloads (W1–W4, W8, W9) are warmed up for ${(args.quick ? TORCH_TRAIN_WARMUP.quick : TORCH_TRAIN_WARMUP.full).steps} steps (at most ${(args.quick ? TORCH_TRAIN_WARMUP.quick : TORCH_TRAIN_WARMUP.full).seconds} s) before the usual warm-up and timing: PyTorch's step keeps speeding up over its first hundreds of steps.`] : []),
    `W7 runs ${memSteps.toLocaleString('en-US')} W1 steps per framework in its own process (two at a time); heap/external/RSS are read after a forced gc at step 100 and at the last step; peers are time-capped, Tensile is not (up to ${args.quick ? 120 : 900} s). PyTorch has no JS heap: only RSS, in both environments (torch-1t, torch-1t-malloc).`,
    ...('blas' in torchMeta && torchMeta.blas && /libblas\.so/.test(torchMeta.blas) && !/openblas|mkl/i.test(torchMeta.blas) ? [`PyTorch here is Debian's python3-torch linked against the reference BLAS (libblas3), not OpenBLAS or MKL, so its matmul-bound figures are far below the issue's (~130 GFLOP/s for matmul 512 on one thread with OpenBLAS); the PyTorch ratios are against this weaker build.`] : []),
    ...('blasThreadsSet' in torchMeta && Array.isArray(torchMeta.blasThreadsSet) && torchMeta.blasThreadsSet.length ? [`PyTorch's columns set OpenBLAS's own thread count as well as torch.set_num_threads (in ${torchMeta.blasThreadsSet.join(', ')}): this build's BLAS is OpenBLAS behind a generic libblas, which torch.set_num_threads does not reach, so until 2026-12-03 its one-thread columns multiplied matrices on every core.`] : []),
    ...(torch && torch.defaultThreads === 1 ? [`PyTorch's default thread count here is 1, so its multi-thread column sets torch.set_num_threads(${os.cpus().length}) (the core count).`] : []),
    ...blasNote(openblasUnset),
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
    tensile: { backends: tensileBackends, default: defaultBackend, wasmThreads: tensileDefaultThreads(), wasmBuild: build, blas: blasInfo(), ...(other ? { otherBuild: { column: other.column, build: other.build, flags: other.flags, ...(other.missing ? { missing: other.missing } : {}) } } : {}) },
    tfjs: { version: tf.version.tfjs, wasm: wasmInfo },
    torch: torchMeta,
    timing,
    frameworks: columns,
    results,
    memory,
    targets: judgeTargets(results, memory, [...tensileIds, ...otherIds], memSteps),
    notes,
  };
  const md = renderMarkdown(report);
  mkdirSync(args.out, { recursive: true });
  // One file per run: the date and the commit (with -dirty for uncommitted changes) name it.
  const commit = machine.git ? `-${machine.git.commit}${machine.git.dirty ? '-dirty' : ''}` : '';
  const name = `${report.date}${commit}${args.quick ? '-quick' : ''}${args.threads !== null ? `-threads${args.threads}` : ''}${args.only ? `-${args.only.join('-')}` : ''}${args.frameworks ? `-${args.frameworks.join('-')}` : ''}`;
  writeFileSync(path.join(args.out, `${name}.md`), md + '\n');
  writeFileSync(path.join(args.out, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  console.log('\n' + md);
  console.log(`Wrote ${path.relative(process.cwd(), path.join(args.out, name))}.md and .json`);

  // A full run of everything becomes the README's latest table.
  if (!args.quick && !args.only && !args.frameworks && args.threads === null) writeLatest(md, name);
}

/** The variables through which an environment pins OpenBLAS's kernel choice. */
const OPENBLAS_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** The report's record of @tensile/blas: the library and kernel, or why its columns are missing. */
function blasInfo(): { library: string; coreName: string | null } | { missing: string } {
  const s = blasStatus();
  return s.available ? { library: s.library, coreName: s.coreName } : { missing: s.reason };
}

function blasNote(unset: readonly string[]): string[] {
  const s = blasStatus();
  if (!s.available) return [];
  return [`tensile-blas and tensile-blas-1t are the wasm backend with matmul, bmm and the convolutions' GEMMs in ${s.library}${s.coreName ? ` (OpenBLAS kernel ${s.coreName})` : ''}, called in place on wasm memory by @tensile/blas; everything else is the wasm backend's.${unset.length ? ` This run unset ${unset.join(' and ')} from its environment (and so from the PyTorch children's), so OpenBLAS chose its kernel for this CPU itself.` : ''}`];
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
