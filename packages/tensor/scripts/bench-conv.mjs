// GFLOP/s of the wasm convolution kernels (forward and both adjoints) at LeNet-5's layer shapes, batch 64:
// the direct kernels for few channels (conv-direct.ts) against im2col + GEMM, interleaved in one process, and
// optionally the JS backend. A quick check for kernel work, not the benchmark suite (bench/). It imports the
// TypeScript sources (to reach the @internal kernel switch), so it runs under tsx, from bench/:
//   cd bench && node --import tsx ../packages/tensor/scripts/bench-conv.mjs [--threads 1] [--batch 64] [--js]
import { getBackend, manualSeed, randn, setBackend, setNumThreads } from '../src/index.js';
import { setDirectConv } from '../src/backend/wasm/conv-direct.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (args.includes('--threads')) setNumThreads(opt('threads', 1));
const N = opt('batch', 64);

/**
 * Milliseconds per call of `fn`: the fastest of 21 timed batches of `reps` calls after warm-up (on a machine
 * shared with other work, the least disturbed batch is the best estimate of the kernel's own speed).
 */
function time(fn, reps = 5) {
  for (let w = 0; w < 5; w++) fn();
  let best = Infinity;
  for (let r = 0; r < 21; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return best;
}

const view = (t) => ({ data: t.data, shape: t.shape, strides: t.strides, offset: t.offset });
// name, C, H(=W), M, kernel, padding
const layers = [
  ['conv1 1→6 5×5 28²', 1, 28, 6, 5, 0],
  ['conv1 1→6 5×5 28² pad 2', 1, 28, 6, 5, 2],
  ['conv2 6→16 5×5 12²', 6, 12, 16, 5, 0],
  ...(args.includes('--more') ? [
    ['3→16 3×3 32² pad 1', 3, 32, 16, 3, 1],
    ['4→4 3×3 28² pad 1', 4, 28, 4, 3, 1],
    ['8→16 3×3 16² pad 1', 8, 16, 16, 3, 1],
    ['16→32 3×3 14² pad 1', 16, 14, 32, 3, 1],
  ] : []),
];
const rows = [];
const runs = [['wasm', 'never'], ['wasm', 'always'], ['wasm', 'never'], ['wasm', 'always']];
if (!args.includes('--more')) runs.push(['wasm', 'rule']);
if (args.includes('--js')) runs.unshift(['js', 'rule']);
for (const [backend, direct] of runs) {
  setBackend(backend);
  setDirectConv(direct);
  const k = getBackend();
  for (const [name, C, H, M, KS, P] of layers) {
    manualSeed(0);
    const OH = H + 2 * P - KS + 1;
    const g = { n: N, c: C, h: H, w: H, kh: KS, kw: KS, sh: 1, sw: 1, ph: P, pw: P, dh: 1, dw: 1, oh: OH, ow: OH };
    const K = C * KS * KS, L = OH * OH;
    const x = randn([N, C, H, H]);
    const w = randn([M, K]);
    const gOut = randn([N, M, L]);
    const out = new Float32Array(N * M * L);
    const gx = new Float32Array(N * C * H * H);
    const gw = new Float32Array(M * K);
    const outV = { data: out, shape: [N, M, L], strides: [M * L, L, 1], offset: 0 };
    const flop = 2 * N * M * K * L / 1e6; // per ms → GFLOP/s
    rows.push({
      backend: backend === 'js' ? 'js' : { never: 'im2col+GEMM', always: 'direct', rule: 'by rule' }[direct], layer: name,
      'forward GFLOP/s': +(flop / time(() => k.conv2d(view(x), view(w), g, outV))).toFixed(2),
      'input grad GFLOP/s': +(flop / time(() => k.conv2dInputGrad(view(gOut), view(w), g, gx))).toFixed(2),
      'weight grad GFLOP/s': +(flop / time(() => k.conv2dWeightGrad(view(x), view(gOut), g, gw))).toFixed(2),
    });
  }
}
console.table(rows);
process.exit(0);
