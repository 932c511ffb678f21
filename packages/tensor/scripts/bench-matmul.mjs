// GFLOP/s of float32 matmul per backend: square 128/512/1024 as A·B, Aᵀ·B and A·Bᵀ (the transposes are
// views, as in a backward pass), plus the MLP and LeNet training shapes. Not a test and not the benchmark
// suite (bench/): a quick check for kernel work. Needs `pnpm build` first.
//   node scripts/bench-matmul.mjs [--dtype float64] [--backends js,wasm] [--quick]
import { getBackend, listBackends, manualSeed, matmul, randn, setBackend, transpose } from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dtype = opt('dtype', 'float32');
const backends = opt('backends', listBackends().join(',')).split(',');
const quick = args.includes('--quick');

/** Median (and best) milliseconds of `fn` over timed batches of calls after warm-up. */
function time(fn, flops) {
  const reps = Math.max(1, Math.min(1000, Math.round(2e8 / flops)));
  const per = [];
  for (let w = 0; w < 3; w++) fn();
  for (let r = 0; r < (quick ? 5 : 11); r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    per.push((performance.now() - t0) / reps);
  }
  per.sort((x, y) => x - y);
  return { median: per[per.length >> 1], best: per[0] };
}

const cases = [];
for (const n of [128, 512, 1024]) {
  cases.push({ name: `${n}² A·B`, m: n, k: n, n, ta: false, tb: false });
  cases.push({ name: `${n}² Aᵀ·B`, m: n, k: n, n, ta: true, tb: false });
  cases.push({ name: `${n}² A·Bᵀ`, m: n, k: n, n, ta: false, tb: true });
}
// MLP 784-128-10 at batch 64: forward x·Wᵀ, grad wrt input g·W, grad wrt weight gᵀ·x (nn.Linear's layout).
cases.push({ name: 'mlp fwd 64×784·(128×784)ᵀ', m: 64, k: 784, n: 128, ta: false, tb: true });
cases.push({ name: 'mlp dX 64×128·128×784', m: 64, k: 128, n: 784, ta: false, tb: false });
cases.push({ name: 'mlp dW (64×128)ᵀ·64×784', m: 128, k: 64, n: 784, ta: true, tb: false });

manualSeed(0);
const header = `| ${dtype} | ${backends.map((b) => `${b} GFLOP/s (best)`).join(' | ')} |${backends.length > 1 ? ` ${backends.at(-1)} / ${backends[0]} |` : ''}`;
console.log(header);
console.log(`|${'---|'.repeat(backends.length + 1 + (backends.length > 1 ? 1 : 0))}`);
for (const c of cases) {
  const a = c.ta ? transpose(randn([c.k, c.m], { dtype }), 0, 1) : randn([c.m, c.k], { dtype });
  const b = c.tb ? transpose(randn([c.n, c.k], { dtype }), 0, 1) : randn([c.k, c.n], { dtype });
  const flops = 2 * c.m * c.n * c.k;
  const row = [];
  for (const name of backends) {
    if (name === 'js' && flops > 5e8 && quick) {
      row.push(null);
      continue;
    }
    setBackend(name);
    const t = time(() => matmul(a, b), flops);
    row.push({ median: flops / t.median / 1e6, best: flops / t.best / 1e6 });
  }
  const cells = row.map((r) => (r ? `${r.median.toFixed(1)} (${r.best.toFixed(1)})` : '—'));
  const ratio = row.length > 1 && row[0] && row.at(-1) ? ` ${(row.at(-1).median / row[0].median).toFixed(1)}× |` : row.length > 1 ? ' — |' : '';
  console.log(`| ${c.name} | ${cells.join(' | ')} |${ratio}`);
}
console.log(`\nbackend at exit: ${getBackend().name}`);
