// GFLOP/s of float32 matmul per backend: square 128/512/1024 as A·B, Aᵀ·B and A·Bᵀ (the transposes are
// views, as in a backward pass), the W1 shape 64×784·784×128 in the same three forms, plus the MLP and LeNet
// training shapes. Not a test and not the benchmark suite (bench/): a quick check for kernel work. Needs
// `pnpm build` first. The cases are timed in interleaved rounds (each round times every case once), so a
// burst of load from elsewhere on a shared machine spreads over all of them; `--cpu` times with the
// process's CPU time instead of the wall clock (meaningful with `--threads 1` only).
//   node scripts/bench-matmul.mjs [--dtype float64] [--backends js,wasm] [--threads 1] [--cpu] [--only 512,W1] [--rounds 11] [--quick]
// The relaxed-SIMD (fused multiply-add) build runs in Node 20 with `node --experimental-wasm-relaxed-simd`;
// `TENSILE_WASM_BUILD=simd` pins the plain build.
import { getBackend, listBackends, manualSeed, matmul, randn, setBackend, setNumThreads, transpose, wasmBuild } from '../dist/node.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dtype = opt('dtype', 'float32');
const backends = opt('backends', listBackends().join(',')).split(',');
const quick = args.includes('--quick');
const cpu = args.includes('--cpu');
const rounds = Number(opt('rounds', quick ? 5 : 11));
const only = opt('only', null)?.split(',');
const threads = opt('threads', null);
if (threads !== null) setNumThreads(Number(threads));

const clock = cpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

const cases = [];
for (const n of [128, 512, 1024]) {
  cases.push({ name: `${n}² A·B`, m: n, k: n, n, ta: false, tb: false });
  cases.push({ name: `${n}² Aᵀ·B`, m: n, k: n, n, ta: true, tb: false });
  cases.push({ name: `${n}² A·Bᵀ`, m: n, k: n, n, ta: false, tb: true });
}
// W1's product 64×784 · 784×128 in the three forms the brief names.
cases.push({ name: 'W1 64×784·784×128 A·B', m: 64, k: 784, n: 128, ta: false, tb: false });
cases.push({ name: 'W1 64×784·784×128 Aᵀ·B', m: 64, k: 784, n: 128, ta: true, tb: false });
cases.push({ name: 'W1 64×784·784×128 A·Bᵀ', m: 64, k: 784, n: 128, ta: false, tb: true });
// MLP 784-128-10 at batch 64: forward x·Wᵀ, grad wrt input g·W, grad wrt weight gᵀ·x (nn.Linear's layout).
cases.push({ name: 'mlp fwd 64×784·(128×784)ᵀ', m: 64, k: 784, n: 128, ta: false, tb: true });
cases.push({ name: 'mlp dX 64×128·128×784', m: 64, k: 128, n: 784, ta: false, tb: false });
cases.push({ name: 'mlp dW (64×128)ᵀ·64×784', m: 128, k: 64, n: 784, ta: true, tb: false });
const chosen = only ? cases.filter((c) => only.some((s) => c.name.includes(s))) : cases;

manualSeed(0);
const runs = [];
for (const c of chosen) {
  const a = c.ta ? transpose(randn([c.k, c.m], { dtype }), 0, 1) : randn([c.m, c.k], { dtype });
  const b = c.tb ? transpose(randn([c.n, c.k], { dtype }), 0, 1) : randn([c.k, c.n], { dtype });
  const flops = 2 * c.m * c.n * c.k;
  for (const name of backends) {
    if (name === 'js' && flops > 5e8 && quick) continue;
    const fn = () => matmul(a, b);
    // Enough calls per timing for ~0.1 s of work at 30 GFLOP/s (CPU clocks tick coarsely).
    runs.push({ c, name, fn, flops, reps: Math.max(1, Math.min(2000, Math.round(3e9 / flops))), per: [] });
  }
}
for (const r of runs) {
  setBackend(r.name);
  for (let w = 0; w < 3; w++) r.fn();
}
for (let round = 0; round < rounds; round++) {
  for (const r of runs) {
    setBackend(r.name);
    const t0 = clock();
    for (let i = 0; i < r.reps; i++) r.fn();
    r.per.push((clock() - t0) / r.reps);
  }
}

const build = wasmBuild();
console.log(`wasm build: ${build ?? 'none'}; threads: ${threads ?? 'default'}; ${cpu ? 'CPU' : 'wall'} time, ${rounds} interleaved rounds`);
console.log(`| ${dtype} | ${backends.map((b) => `${b} GFLOP/s median (best)`).join(' | ')} |`);
console.log(`|${'---|'.repeat(backends.length + 1)}`);
for (const c of chosen) {
  const cells = backends.map((name) => {
    const r = runs.find((x) => x.c === c && x.name === name);
    if (!r) return '—';
    const per = [...r.per].sort((x, y) => x - y);
    return `${(r.flops / per[per.length >> 1] / 1e6).toFixed(1)} (${(r.flops / per[0] / 1e6).toFixed(1)})`;
  });
  console.log(`| ${c.name} | ${cells.join(' | ')} |`);
}
console.log(`\nbackend at exit: ${getBackend().name}`);
