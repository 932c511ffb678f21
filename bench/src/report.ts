// Tables (markdown, printed and written to bench/results/) and the issue's targets as pass/fail.
import type { PairedStats, TimingOptions } from './harness.js';
import type { Machine } from './machine.js';
import type { Result } from './workload.js';
import { dataHeap, memoryEnds, type MemoryResult } from './w7-memory.bench.js';

export interface RunReport {
  date: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  mode: 'full' | 'quick';
  only: string[] | null;
  machine: Machine;
  tensile: {
    backends: string[]; default: string; wasmThreads?: number;
    /** The wasm build the in-process columns ran, and the column measuring the other one in a child process. */
    wasmBuild?: 'simd' | 'relaxed-simd' | null;
    otherBuild?: { column: string; build: string; flags: string[]; missing?: string };
    /** @tensile/blas: the library the tensile-blas columns ran (their products in it), or why there are none. */
    blas?: { library: string; coreName: string | null } | { missing: string };
  };
  tfjs: { version: string; wasm: string };
  torch:
    | {
        version: string; python: string; defaultThreads: number; threads: number[]; parallel?: string; blas?: string;
        /** The OpenBLAS libraries whose own thread count the PyTorch child set to each column's (torch_bench.py set_threads). */
        blasThreadsSet?: string[];
        /** The glibc MALLOC_*_ variables the torch-Nt-malloc child saw. */
        mallocEnv?: Record<string, string>;
        /** One of the two PyTorch children failed (the other's columns are in the results). */
        failures?: string[];
      }
    | { missing: string };
  timing: TimingOptions;
  /** Column order of the tables. */
  frameworks: string[];
  results: Result[];
  memory: MemoryResult[];
  targets: TargetResult[];
  notes: string[];
}

export interface TargetResult {
  id: string;
  text: string;
  /** The Tensile column judged, e.g. tensile-js. */
  tensile: string;
  /** The peer column judged against; for PyTorch, the faster of torch-1t and torch-1t-malloc on this workload. */
  peer?: string;
  /** Tensile ÷ peer (or the measured quantity for W7), null when it cannot be computed. */
  measured: number | null;
  required: string;
  /** null: not measurable in this run (peer missing, workload not run). */
  pass: boolean | null;
  /** `measured` is the column's own median (an absolute floor), not a ratio. */
  absolute?: true;
  detail: string;
}

const MiB = 2 ** 20;

/** 3 significant figures with k/M suffixes. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)} M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)} k`;
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toPrecision(3);
}

/** `+3.1% (IQR +1.0…+5.2%, 4,012 rounds; 1.29 → 1.33 ms)`: a paired measurement's cost. */
export function fmtPaired(p: PairedStats): string {
  const pct = (r: number) => `${r >= 1 ? '+' : '−'}${(Math.abs(r - 1) * 100).toFixed(1)}%`;
  return `${pct(p.ratio)} (IQR ${pct(p.q1)}…${pct(p.q3)}, ${p.rounds.toLocaleString('en-US')} rounds; ${p.offMs.toFixed(3)} → ${p.onMs.toFixed(3)} ms per step)`;
}

function ratio(x: number): string {
  return x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`;
}

function cell(r: Result | undefined): string {
  if (!r) return '–';
  if (r.na) return 'n/a';
  if (r.error) return '**fails**';
  const s = r.stats!;
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

function find(results: readonly Result[], variant: string, fw: string): Result | undefined {
  return results.find((r) => r.variant === variant && r.framework === fw);
}

function med(results: readonly Result[], variant: string, fw: string): number | null {
  return find(results, variant, fw)?.stats?.median ?? null;
}

function variantsOf(results: readonly Result[]): Result[] {
  const seen = new Map<string, Result>();
  for (const r of results) if (!seen.has(r.variant)) seen.set(r.variant, r);
  return [...seen.values()];
}

function mdTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The PyTorch one-thread columns: default environment and glibc malloc tuned (see peers/torch.ts). */
export const TORCH_1T = ['torch-1t', 'torch-1t-malloc'] as const;

/**
 * The column a target against PyTorch one thread is judged against on `variant`: the faster of the measured
 * TORCH_1T columns (higher median), else the first one present in the results (so a failure is still reported).
 */
export function fasterTorch1t(results: readonly Result[], variant: string): string {
  let best: string | null = null;
  let bestMedian = -Infinity;
  for (const c of TORCH_1T) {
    const m = med(results, variant, c);
    if (m !== null && m > bestMedian) [best, bestMedian] = [c, m];
  }
  return best ?? TORCH_1T.find((c) => find(results, variant, c)) ?? TORCH_1T[0];
}

/** The issue's targets, judged for every Tensile column. */
export function judgeTargets(results: readonly Result[], memory: readonly MemoryResult[], tensileIds: readonly string[], memorySteps: number): TargetResult[] {
  const out: TargetResult[] = [];
  const vs = (id: string, text: string, variant: string, peerId: string, min: number, strict = false) => {
    if (!results.some((r) => r.variant === variant)) return;
    const peer = peerId === 'torch-1t' ? fasterTorch1t(results, variant) : peerId;
    for (const t of tensileIds) {
      const a = med(results, variant, t);
      const b = med(results, variant, peer);
      const tr = find(results, variant, t);
      if (a === null || b === null) {
        const why = !find(results, variant, peer) ? `${peer} not measured` : find(results, variant, peer)?.error ? `${peer} fails` : tr?.error ? `${t} fails: ${tr.error}` : `${t} not measured`;
        out.push({ id, text, tensile: t, peer, measured: null, required: `${strict ? '>' : '≥'} ${min}×`, pass: tr?.error ? false : null, detail: why });
        continue;
      }
      const r = a / b;
      out.push({ id, text, tensile: t, peer, measured: r, required: `${strict ? '>' : '≥'} ${min}×`, pass: strict ? r > min : r >= min, detail: `${fmt(a)} vs ${fmt(b)} ${find(results, variant, t)?.unit ?? ''}` });
    }
  };
  // An absolute floor on one column's median (no peer).
  const atLeast = (id: string, text: string, variant: string, t: string, min: number) => {
    const r = find(results, variant, t);
    if (!r) return;
    const m = r.stats?.median ?? null;
    out.push({
      id, text, tensile: t, measured: m, absolute: true, required: `≥ ${fmt(min)}`, pass: r.error ? false : m === null ? null : m >= min,
      detail: r.error ? `fails: ${r.error}` : m === null ? 'not measured' : r.unit,
    });
  };
  for (const w of ['W1', 'W2', 'W3']) {
    vs(`${w}-wasm`, `${w} ≥ 3× tfjs-wasm`, w, 'tfjs-wasm', 3);
    vs(`${w}-cpu`, `${w} ≥ 30× tfjs-cpu`, w, 'tfjs-cpu', 30);
  }
  // Against PyTorch: the faster of its two one-thread columns (default environment, malloc tuned), per workload.
  // Issue 17 raised W1 from 0.7× (issue 7) to 0.8× and W4 from 0.5× to 0.8×, and added W2 and W3.
  vs('W1-torch', 'W1 ≥ 0.8× PyTorch 1 thread', 'W1', 'torch-1t', 0.8);
  vs('W2-torch', 'W2 ≥ 0.8× PyTorch 1 thread', 'W2', 'torch-1t', 0.8);
  vs('W3-torch', 'W3 ≥ 0.7× PyTorch 1 thread', 'W3', 'torch-1t', 0.7);
  // The NaN guard's cost: the paired measurement (guard off and on interleaved in one process) when there is
  // one, else W1-guard against W1 timed separately, same backend, same run.
  for (const t of tensileIds) {
    const paired = find(results, 'W1-guard', t)?.paired;
    const text = 'W1 with the NaN guard on costs under 5% (paired: median time ratio on/off < 1.05×; else W1-guard ≥ 0.95× W1)';
    if (paired) {
      out.push({ id: 'W1-guard', text, tensile: t, measured: paired.ratio, required: '< 1.05×', pass: paired.ratio < 1.05, detail: `paired ${fmtPaired(paired)}` });
      continue;
    }
    const on = med(results, 'W1-guard', t);
    const off = med(results, 'W1', t);
    if (on === null || off === null) continue;
    out.push({ id: 'W1-guard', text, tensile: t, measured: on / off, required: '≥ 0.95×', pass: on / off >= 0.95, detail: `${fmt(on)} vs ${fmt(off)} samples/s` });
  }
  for (const t of tensileIds) {
    const r = find(results, 'W4', t);
    if (r) out.push({ id: 'W4-trains', text: 'W4 LeNet trains', tensile: t, measured: null, required: 'runs', pass: !!r.stats, detail: r.stats ? 'trains' : `fails: ${r.error}` });
  }
  vs('W4-cpu', 'W4 ≥ 100× tfjs-cpu', 'W4', 'tfjs-cpu', 100);
  vs('W4-torch', 'W4 ≥ 0.8× PyTorch 1 thread', 'W4', 'torch-1t', 0.8);
  const forms = { AB: 'A·B', AtB: 'Aᵀ·B', ABt: 'A·Bᵀ' } as const;
  for (const f of ['AB', 'AtB', 'ABt'] as const) vs(`W5-512-${f}`, `W5 matmul 512 ${forms[f]} ≥ 1.2× tfjs-wasm`, `W5-512-${f}`, 'tfjs-wasm', 1.2);
  // Issue 17's absolute floors: matmul 512 on one thread, 45 GFLOP/s without FMA and 50 with it (the -fma column
  // runs the relaxed-SIMD build; a column running on more threads is not judged); W6 ≥ 5 M tracked ops/s.
  // The floors are the wasm GEMM kernel's: the tensile-blas columns' products run in a native library.
  const oneThread = tensileIds.filter((t) => !t.startsWith('tensile-blas') && (t.includes('-1t') || (t === 'tensile-wasm' && !tensileIds.includes('tensile-wasm-1t'))));
  for (const f of ['AB', 'AtB', 'ABt'] as const) {
    for (const t of oneThread) {
      const fma = t.endsWith('-fma');
      atLeast(`W5-512-${f}-floor${fma ? '-fma' : ''}`, `W5 matmul 512 ${forms[f]} ≥ ${fma ? 50 : 45} GFLOP/s on one thread (${fma ? 'FMA' : 'no FMA'})`, `W5-512-${f}`, t, fma ? 50 : 45);
    }
  }
  for (const t of tensileIds) atLeast('W6-floor', 'W6 ≥ 5 M tracked ops/s', 'W6-tracked', t, 5e6);
  for (const w of ['W8', 'W9']) {
    vs(`${w}-torch`, `${w} ≥ 0.7× PyTorch 1 thread`, w, 'torch-1t', 0.7);
    vs(`${w}-wasm`, `${w} ≥ 5× tfjs-wasm`, w, 'tfjs-wasm', 5);
  }
  vs('W6-torch', 'W6 tracked ops/s > PyTorch', 'W6-tracked', 'torch-1t', 1, true);
  for (const t of tensileIds) {
    const m = memory.find((x) => x.framework === t);
    if (!m) continue;
    const { first, last } = memoryEnds(m);
    const text = `W7 no heap growth over ${memorySteps.toLocaleString('en-US')} steps (V8 heap without JIT code)`;
    if (m.error || !first || !last || first.heapUsed === null || last.heapUsed === null) {
      out.push({ id: 'W7-heap', text, tensile: t, measured: null, required: '≤ +1 MiB', pass: m.error ? false : null, detail: m.error ?? 'no checkpoints' });
      continue;
    }
    // Wasm memory (issue 17): no growth over the second half of the run (it grows to the working set, or to
    // the heap limit in a loop that never yields, then stays), and peak RSS no more than PyTorch's.
    const mid = m.checkpoints.filter((c) => c.step >= m.stepsRequested / 2)[0];
    if (mid?.wasmMemory !== undefined && last.wasmMemory !== undefined) {
      const grew = last.wasmMemory - mid.wasmMemory;
      out.push({
        id: 'W7-wasm', text: `W7 wasm memory flat from step ${mid.step.toLocaleString('en-US')} to ${last.step.toLocaleString('en-US')}`, tensile: t,
        measured: grew / MiB, required: '+0 MiB', pass: m.stepsDone >= m.stepsRequested ? grew <= 0 : null,
        detail: `${mib(first.wasmMemory)} MiB at step ${first.step}, ${mib(mid.wasmMemory)} at ${mid.step}, ${mib(last.wasmMemory)} at ${last.step}; most live ${mib(last.wasmHighWater)} MiB`,
      });
    }
    const torchPeaks = memory.filter((x) => x.framework.startsWith('torch-1t') && !x.error).map((x) => x.peakRss);
    if (torchPeaks.length > 0) {
      const peer = Math.min(...torchPeaks);
      out.push({
        id: 'W7-rss', text: 'W7 peak RSS ≤ PyTorch 1 thread (the lower of its columns)', tensile: t, measured: m.peakRss / peer, required: '≤ 1×',
        pass: m.peakRss <= peer, detail: `${mib(m.peakRss)} MiB against ${mib(peer)} MiB`,
      });
    }
    const growth = dataHeap(last)! - dataHeap(first)!;
    const code = (last.codeSpace ?? 0) - (first.codeSpace ?? 0);
    const complete = m.stepsDone >= m.stepsRequested;
    out.push({
      id: 'W7-heap', text, tensile: t, measured: growth / MiB, required: '≤ +1 MiB',
      pass: complete ? growth <= MiB : null,
      detail: `V8 heap without code ${signedMib(growth)} MiB (code spaces ${signedMib(code)} MiB) from step ${first.step} to ${last.step}${complete ? '' : ' (time cap hit before the last step)'}`,
    });
  }
  return out;
}

function mib(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : (x / MiB).toFixed(1);
}

function signedMib(x: number | null): string {
  if (x === null) return 'n/a';
  const v = x / MiB;
  return `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
}

export function renderMarkdown(rep: RunReport): string {
  const L: string[] = [];
  const m = rep.machine;
  L.push(`# Tensile benchmarks, ${rep.date} (${rep.mode}${rep.only ? `, only ${rep.only.join(',')}` : ''})`, '');
  L.push('## Machine', '');
  L.push(`- CPU: ${m.cpuModel}, ${m.cores} logical cores, SIMD: ${m.simd.join(' ') || 'n/a'}; RAM ${m.memTotalGiB} GiB; ${m.os}`);
  L.push(`- Node ${m.node} (V8 ${m.v8})`);
  L.push(`- Tensile backends: ${rep.tensile.backends.join(', ')} (default: ${rep.tensile.default})${rep.tensile.wasmThreads ? `; the wasm kernels run on ${rep.tensile.wasmThreads} thread(s) by default${rep.tensile.wasmThreads > 1 ? ' (tensile-wasm-1t: held to one)' : ''}` : ''}${rep.tensile.wasmBuild ? `; wasm build ${rep.tensile.wasmBuild}` : ''}${rep.tensile.otherBuild ? `; ${rep.tensile.otherBuild.column}: the ${rep.tensile.otherBuild.build} build on one thread in a child process${rep.tensile.otherBuild.flags.length ? ` (node ${rep.tensile.otherBuild.flags.join(' ')})` : ''}${rep.tensile.otherBuild.missing ? ` — not measured: ${rep.tensile.otherBuild.missing}` : ''}` : ''}`);
  const blas = rep.tensile.blas;
  if (blas) L.push('missing' in blas ? `- tensile-blas: not measured (${blas.missing.split('\n')[0]})` : `- tensile-blas: the wasm backend with its matrix products in ${blas.library}${blas.coreName ? ` (OpenBLAS core ${blas.coreName})` : ''} through @tensile/blas`);
  L.push(`- TF.js ${rep.tfjs.version}; ${rep.tfjs.wasm}`);
  L.push('version' in rep.torch
    ? `- PyTorch ${rep.torch.version} (Python ${rep.torch.python}), default threads ${rep.torch.defaultThreads}, measured with ${rep.torch.threads.join(' and ')} thread(s)${rep.torch.parallel ? `; ${rep.torch.parallel}` : ''}${rep.torch.blas ? `; ${rep.torch.blas}` : ''}`
    : `- PyTorch: not measured (${rep.torch.missing})`);
  if ('version' in rep.torch) {
    const env = rep.torch.mallocEnv;
    L.push(`- PyTorch columns: torch-Nt in the default environment (no MALLOC_* tunables); torch-Nt-malloc with ${env && Object.keys(env).length ? Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ') : 'glibc malloc tuned'}${rep.torch.failures?.length ? `; **${rep.torch.failures.join('; ')}**` : ''}`);
  }
  L.push(`- Load average (1/5/15 min): ${m.loadStart.join(' / ')} at the start, ${m.loadEnd?.join(' / ') ?? '?'} at the end`);
  if (m.git) L.push(`- Source: git ${m.git.commit}${m.git.dirty ? ' with uncommitted changes' : ''}`);
  L.push(`- Run: ${rep.startedAt} → ${rep.finishedAt} (${Math.round(rep.durationSeconds)} s); timing: warm-up ≥${rep.timing.warmupCalls} calls and ≥${rep.timing.warmupSeconds} s, then benchmark.js with ≥${rep.timing.minSamples} samples, maxTime ${rep.timing.maxTime} s, minTime ${rep.timing.minTime} s per sample`);
  L.push('');

  const fws = rep.frameworks;
  const tensileIds = fws.filter((f) => f.startsWith('tensile-'));
  const peers = fws.filter((f) => !f.startsWith('tensile-'));
  const variants = variantsOf(rep.results);
  if (variants.length) {
    L.push('## Throughput', '', 'Median over benchmark.js samples (min–max); higher is better.', '');
    L.push(mdTable(['Workload', 'Unit', ...fws], variants.map((v) => [`${v.variant} ${v.label}`, v.unit, ...fws.map((f) => cell(find(rep.results, v.variant, f)))])));
    L.push('');
    if (tensileIds.length && peers.length) {
      L.push('## Tensile ÷ peer', '', 'Ratio of medians; > 1× means Tensile is faster.', '');
      const rows: string[][] = [];
      for (const v of variants) {
        for (const t of tensileIds) {
          const a = med(rep.results, v.variant, t);
          rows.push([`${v.variant} ${v.label}`, t, ...peers.map((p) => {
            const b = med(rep.results, v.variant, p);
            const pr = find(rep.results, v.variant, p);
            if (a === null) return find(rep.results, v.variant, t)?.error ? 'Tensile fails' : '–';
            if (b === null) return pr?.error ? 'peer fails' : pr?.na ? 'n/a' : '–';
            return ratio(a / b);
          })]);
        }
      }
      L.push(mdTable(['Workload', 'Tensile', ...peers.map((p) => `÷ ${p}`)], rows));
      L.push('');
    }
    const paired = rep.results.filter((r) => r.paired);
    if (paired.length) {
      L.push('Paired measurements (the variant against its baseline, interleaved in one process; median of the per-round time ratios):', '');
      for (const r of paired) L.push(`- ${r.variant} ${r.framework}: ${fmtPaired(r.paired!)}`);
      L.push('');
    }
    const failures = rep.results.filter((r) => r.error || r.na);
    if (failures.length) {
      L.push('Failures and n/a:', '');
      for (const r of failures) L.push(`- ${r.variant} ${r.framework}: ${r.error ? `fails: ${r.error}` : `n/a: ${r.na}`}`);
      L.push('');
    }
  }

  if (rep.memory.length) {
    L.push('## W7 memory over W1 training steps', '');
    L.push('One child process per framework; figures after a forced gc, in MiB. Heap = V8 heapUsed, split in its growth into data and the code spaces (JIT-compiled code, which grows while V8 optimises and then plateaus); external = typed-array and wasm stores outside the V8 heap; wasm memory = the size of Tensile’s wasm memory, where its tensors live, and the most bytes ever live in its heap (it never shrinks: setWasmHeapLimit bounds it).', '');
    const rows = rep.memory.map((r) => {
      if (r.error) return [r.framework, `**fails**: ${r.error}`, '', '', '', '', '', '', '', ''];
      const { first, last } = memoryEnds(r);
      const heapA = first?.heapUsed ?? null;
      const heapB = last?.heapUsed ?? null;
      const dataA = first ? dataHeap(first) : null;
      const dataB = last ? dataHeap(last) : null;
      const codeGrowth = first?.codeSpace != null && last?.codeSpace != null ? last.codeSpace - first.codeSpace : null;
      const extA = first?.external ?? null;
      const extB = last?.external ?? null;
      return [
        r.framework,
        `${r.stepsDone.toLocaleString('en-US')}${r.stoppedEarly ? ` of ${r.stepsRequested.toLocaleString('en-US')} (time cap)` : ''} in ${r.seconds.toFixed(0)} s`,
        heapA === null ? 'n/a' : `${mib(heapA)} → ${mib(heapB)} (${signedMib(heapB! - heapA)})`,
        dataA === null || codeGrowth === null ? 'n/a' : `${signedMib(dataB! - dataA)} / ${signedMib(codeGrowth)}`,
        extA === null ? 'n/a' : `${mib(extA)} → ${mib(extB)} (${signedMib(extB! - extA)})`,
        `${mib(first?.rss)} → ${mib(last?.rss)} (${first && last ? signedMib(last.rss - first.rss) : 'n/a'})`,
        mib(r.peakRss),
        first?.wasmMemory !== undefined ? `${mib(first.wasmMemory)} → ${mib(last?.wasmMemory)} (most live ${mib(last?.wasmHighWater)})` : '',
        first?.tfTensors !== undefined ? `${first.tfTensors} → ${last?.tfTensors}` : '',
        `${first?.step ?? '?'} → ${last?.step ?? '?'}`,
      ];
    });
    L.push(mdTable(['Framework', 'Steps', 'Heap', 'Δ heap: data / JIT code', 'External', 'RSS', 'Peak RSS', 'Wasm memory (tensor storage)', 'tf tensors', 'Steps compared'], rows));
    L.push('');
  }

  if (rep.targets.length) {
    L.push('## Targets (issues 7, 13 and 17)', '');
    if (rep.targets.some((t) => t.peer?.startsWith('torch-'))) L.push('Targets against PyTorch one thread are judged against the faster of torch-1t (default environment) and torch-1t-malloc (glibc malloc tuned) on that workload; each cell names the column used.', '');
    const ids = [...new Set(rep.targets.map((t) => t.id))];
    const cols = [...new Set(rep.targets.map((t) => t.tensile))];
    L.push(mdTable(['Target', 'Required', ...cols], ids.map((id) => {
      const first = rep.targets.find((t) => t.id === id)!;
      return [first.text, first.required, ...cols.map((c) => {
        const t = rep.targets.find((x) => x.id === id && x.tensile === c);
        if (!t) return '–';
        const verdict = t.pass === null ? 'n/a' : t.pass ? 'pass' : '**FAIL**';
        const value = t.measured === null ? '' : t.id === 'W7-heap' || t.id === 'W7-wasm' ? ` ${signedMib(t.measured * MiB)} MiB` : t.absolute ? ` ${fmt(t.measured)} ${t.detail}` : ` ${ratio(t.measured)}`;
        const against = t.peer?.startsWith('torch-') ? ` vs ${t.peer}` : '';
        return `${verdict}${value}${against}${(t.pass === null || t.pass === false) && !(t.absolute && t.measured !== null) ? ` (${t.detail})` : ''}`;
      })];
    })));
    L.push('');
  }

  if (rep.notes.length) {
    L.push('## Notes', '');
    for (const n of rep.notes) L.push(`- ${n}`);
    L.push('');
  }
  return L.join('\n');
}
