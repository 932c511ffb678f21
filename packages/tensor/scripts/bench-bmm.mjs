// Batched products at attention's shapes: a JS loop of per-matrix `matmul` kernel calls (what the matmul op
// did before `Backend.bmm`) against one `bmm` call, per backend; then the pieces of one attention step
// (scores, causal mask, softmax, weights·v) to show where its time goes. A quick check for kernel work, not
// the benchmark suite (bench/). Needs `pnpm build` first.
//   node scripts/bench-bmm.mjs [--batch 128] [--len 16] [--dim 32]
import { getBackend, listBackends, manualSeed, matmul, maskedFill, ones, randn, setBackend, softmax, triu } from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const [BH, T, D] = [opt('batch', 128), opt('len', 16), opt('dim', 32)];

/** Median milliseconds of `fn` over 11 timed batches of `reps` calls after warm-up. */
function time(fn, reps = 20) {
  for (let w = 0; w < 3; w++) fn();
  const per = [];
  for (let r = 0; r < 11; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    per.push((performance.now() - t0) / reps);
  }
  per.sort((x, y) => x - y);
  return per[5];
}

const rows = [];
for (const backend of listBackends()) {
  setBackend(backend);
  manualSeed(0);
  const a = randn([BH, T, D]);
  const b = randn([BH, D, T]);
  const out = new Float32Array(BH * T * T);
  const k = getBackend();
  const loop = time(() => {
    for (let i = 0; i < BH; i++) {
      k.matmul({ data: a.data, shape: [T, D], strides: [D, 1], offset: i * T * D },
        { data: b.data, shape: [D, T], strides: [T, 1], offset: i * D * T }, out.subarray(i * T * T, (i + 1) * T * T));
    }
  });
  const one = time(() => k.bmm({ data: a.data, shape: [BH, T, D], strides: [T * D, D, 1], offset: 0 },
    { data: b.data, shape: [BH, D, T], strides: [D * T, T, 1], offset: 0 }, out));
  const q = randn([BH / 4, 4, T, D]);
  const kk = randn([BH / 4, 4, T, D]);
  const v = randn([BH / 4, 4, T, D]);
  const blocked = triu(ones([T, T], { dtype: 'bool' }), 1);
  const s = matmul(q, kk.transpose(-2, -1)).mul(1 / Math.sqrt(D));
  const m = maskedFill(s, blocked, -Infinity);
  const w = softmax(m, -1);
  rows.push({
    backend,
    [`loop of ${BH} matmul calls`]: loop,
    'one bmm call': one,
    'scores q·kᵀ·scale': time(() => matmul(q, kk.transpose(-2, -1)).mul(1 / Math.sqrt(D))),
    'causal maskedFill': time(() => maskedFill(s, blocked, -Infinity)),
    softmax: time(() => softmax(m, -1)),
    'weights·v': time(() => matmul(w, v)),
  });
}
console.log(`[${BH}, ${T}, ${D}]·[${BH}, ${D}, ${T}] float32, median ms per call`);
console.table(rows.map((r) => Object.fromEntries(Object.entries(r).map(([key, val]) => [key, typeof val === 'number' ? Number(val.toFixed(3)) : val]))));
