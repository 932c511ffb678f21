// The 'blas' backend against the JS reference kernels: every operand layout the wasm backend stages (row-
// and column-major, slices with a wider leading dimension, batches with a stride-0 broadcast, layouts BLAS
// cannot take), conv2d and both its gradients, and a training run; plus the package's errors and the native
// module's own checks.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Tensor, bmm, conv2d, grad, listBackends, manualSeed, matmul, mul, randn, setBackend, sum, tensor, type AnyBackend } from '@tensile/tensor';
import { Linear, ReLU, Sequential, crossEntropy } from '@tensile/nn';
import { BLAS_BACKEND, BlasUnavailableError, blasAvailable, blasStats, loadBlas, useBlas, usingBlas } from '../src/index.js';

const status = blasAvailable();
const run = status.available ? describe : describe.skip;

function on<T>(backend: string, f: () => T): T {
  const prev = setBackend(backend) as AnyBackend;
  try {
    return f();
  } finally {
    setBackend(prev);
  }
}

function expectClose(a: Tensor, b: Tensor, rtol: number): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  let scale = 0;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]!));
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]! - y[i]!) > rtol * Math.max(1, scale)) throw new Error(`element ${i}: ${x[i]} vs ${y[i]} (rtol ${rtol})`);
  }
}

run('the blas backend', () => {
  it('is registered beside js and wasm and names the library it opened', () => {
    expect(listBackends()).toContain(BLAS_BACKEND);
    if (!status.available) return;
    expect(status.info.library).toMatch(/blas/);
    expect(usingBlas()).toBe(false);
    on(BLAS_BACKEND, () => expect(usingBlas()).toBe(true));
  });

  // [name, A (m×k) maker, B (k×n) maker]: each operand either plain, transposed storage, or a slice.
  const m = 37;
  const k = 53;
  const n = 29;
  const forms: [string, (dtype: 'float32' | 'float64') => [Tensor, Tensor]][] = [
    ['A·B', (d) => [randn([m, k], { dtype: d }), randn([k, n], { dtype: d })]],
    ['Aᵀ·B', (d) => [randn([k, m], { dtype: d }).t(), randn([k, n], { dtype: d })]],
    ['A·Bᵀ', (d) => [randn([m, k], { dtype: d }), randn([n, k], { dtype: d }).t()]],
    ['Aᵀ·Bᵀ', (d) => [randn([k, m], { dtype: d }).t(), randn([n, k], { dtype: d }).t()]],
    ['slices of wider rows', (d) => [randn([m, k + 9], { dtype: d }).narrow(1, 4, k), randn([k + 3, n + 5], { dtype: d }).narrow(0, 1, k).narrow(1, 2, n)]],
  ];
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [name, make] of forms) {
      it(`${dtype} matmul ${name} equals the JS kernel and runs in the library`, () => {
        manualSeed(1);
        const [a, b] = make(dtype);
        const before = blasStats().calls;
        const got = on(BLAS_BACKEND, () => matmul(a, b));
        expect(blasStats().calls).toBe(before + 1);
        expectClose(got, on('js', () => matmul(a, b)), dtype === 'float64' ? 1e-13 : 1e-5);
      });
    }
  }

  it('batched products, with a stride-0 (broadcast) batch operand, equal the JS kernel', () => {
    manualSeed(2);
    const a = randn([6, 20, 24], { dtype: 'float64' });
    const b = randn([24, 18], { dtype: 'float64' }).unsqueeze(0).expand([6, 24, 18]);
    const got = on(BLAS_BACKEND, () => bmm(a, b));
    expectClose(got, on('js', () => bmm(a, b)), 1e-13);
    const q = randn([4, 16, 32]);
    const kT = randn([4, 16, 32]).transpose(1, 2);
    expectClose(on(BLAS_BACKEND, () => bmm(q, kT)), on('js', () => bmm(q, kT)), 1e-5);
  });

  it('a layout BLAS cannot address (a row broadcast inside the matrix) runs in the wasm kernel instead, with the same result', () => {
    manualSeed(3);
    const a = randn([1, 40], { dtype: 'float64' }).expand([30, 40]);
    const b = randn([40, 50], { dtype: 'float64' });
    const before = blasStats();
    const got = on(BLAS_BACKEND, () => matmul(a, b));
    // Offered as it is, then as the wasm backend stages it (still a stride-0 row): declined both times.
    expect(blasStats().declined).toBe(before.declined + 2);
    expect(blasStats().calls).toBe(before.calls);
    expectClose(got, on('js', () => matmul(a, b)), 1e-13);
  });

  it('gradients of a product flow through the library and match the JS backend in float64', () => {
    manualSeed(4);
    const a = randn([33, 41], { dtype: 'float64', requiresGrad: true });
    const b = randn([41, 27], { dtype: 'float64', requiresGrad: true });
    const w = randn([33, 27], { dtype: 'float64' });
    const f = () => grad(sum(mul(matmul(a, b), w)), [a, b]);
    const [ga, gb] = on(BLAS_BACKEND, f);
    const [ra, rb] = on('js', f);
    expectClose(ga!, ra!, 1e-13);
    expectClose(gb!, rb!, 1e-13);
  });

  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype} conv2d and both its gradients equal the JS kernels`, () => {
      manualSeed(5);
      const x = randn([4, 3, 14, 14], { dtype, requiresGrad: true });
      const w = randn([8, 3, 3, 3], { dtype, requiresGrad: true });
      const g = randn([4, 8, 7, 7], { dtype });
      const f = () => {
        const y = conv2d(x, w, null, { stride: 2, padding: 1 });
        return [y, ...grad(sum(mul(y, g)), [x, w])] as Tensor[];
      };
      const before = blasStats().calls;
      const got = on(BLAS_BACKEND, f);
      expect(blasStats().calls).toBeGreaterThan(before);
      const want = on('js', f);
      for (let i = 0; i < 3; i++) expectClose(got[i]!, want[i]!, dtype === 'float64' ? 1e-12 : 1e-4);
    });
  }

  it('trains the mission MLP in float64 to the JS backend losses (1e-10)', () => {
    const train = () => {
      manualSeed(6);
      const model = new Sequential(new Linear(64, 48), new ReLU(), new Linear(48, 10)).to('float64');
      const x = randn([96, 64], { dtype: 'float64' });
      const y = tensor(Array.from({ length: 96 }, (_, i) => (i * 7) % 10), { dtype: 'int32' });
      const losses: number[] = [];
      for (let step = 0; step < 20; step++) {
        const loss = crossEntropy(model.forward(x), y);
        const gs = grad(loss, model.parameters());
        model.parameters().forEach((p, i) => p.data.set(p.sub(gs[i]!.mul(0.5)).data));
        losses.push(loss.item());
      }
      return losses;
    };
    const got = on(BLAS_BACKEND, train);
    const want = on('js', train);
    expect(got[19]!).toBeLessThan(got[0]! * 0.9);
    got.forEach((l, i) => expect(Math.abs(l - want[i]!)).toBeLessThan(1e-10 * Math.abs(want[i]!)));
  });
});

run('@tensile/blas: errors', () => {
  it('rejects unknown options and bad values, naming them', () => {
    expect(() => useBlas({ librar: 'x' } as never)).toThrow('useBlas: unknown option "librar"; known: "library", "activate"');
    expect(() => useBlas({ activate: 'yes' } as never)).toThrow('useBlas: activate must be a boolean, got "yes"');
    expect(() => loadBlas('')).toThrow('loadBlas: library must be a non-empty string, got ""');
  });

  it('refuses to switch to another library once one is loaded', () => {
    expect(() => loadBlas('/nonexistent/libother.so')).toThrow(/is already loaded; cannot switch to \/nonexistent\/libother.so/);
  });

  it('names every library tried when none opens (a fresh process)', () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `import(${JSON.stringify(dist)}).then((b) => { try { b.useBlas(); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); } })`;
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TENSILE_BLAS_LIBRARY: '/nonexistent/libnope.so' }, encoding: 'utf8' });
    expect(out).toContain('BlasUnavailableError: @tensile/blas: no CBLAS library could be opened');
    expect(out).toContain('/nonexistent/libnope.so:');
  });

  it('the native module checks each operand\'s array type, that it lies inside its array, and its leading dimension', () => {
    const native = createRequire(import.meta.url)(fileURLToPath(new URL('../dist/tensile_blas.node', import.meta.url))) as {
      gemm: (...args: unknown[]) => void;
    };
    const A = Float32Array.from({ length: 16 }, (_, i) => i);
    const B = Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2);
    const C = new Float32Array(20);
    // 4×4 · 4×4 into C at element 4: fits, and is the product.
    const ok: unknown[] = [true, 1, 4, 4, 4, A, 0, 0, false, 4, B, 0, 0, false, 4, C, 4, 0, 4, 1];
    native.gemm(...ok);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let q = 0; q < 4; q++) s += A[i * 4 + q]! * B[q * 4 + j]!;
        expect(C[4 + i * 4 + j]).toBe(s);
      }
    }
    const bad = (i: number, v: unknown) => { const args = [...ok]; args[i] = v; return () => native.gemm(...args); };
    expect(bad(16, 5)).toThrow(/does not lie inside its array/); // C runs past the end
    expect(bad(6, 1)).toThrow(/does not lie inside its array/); // so does A
    expect(bad(9, 3)).toThrow(/leading dimension too small/);
    expect(bad(1, 2)).not.toThrow(); // a batch of 2 with batch stride 0 stays inside
    const batchPastEnd = [...ok];
    batchPastEnd[1] = 2;
    batchPastEnd[7] = 16; // A's second matrix would start at its end
    expect(() => native.gemm(...batchPastEnd)).toThrow(/does not lie inside its array/);
    expect(bad(5, new Float64Array(16))).toThrow('tensile_blas.gemm: A must be a Float32Array');
    expect(bad(15, [1, 2])).toThrow('tensile_blas.gemm: C must be a Float32Array');
    expect(bad(8, 1)).toThrow('tensile_blas.gemm: the transpose flags must be booleans');
    expect(bad(3, -1)).toThrow(/non-negative/);
    expect(bad(19, 0)).toThrow(/threads at least 1/);
    expect(() => native.gemm(true)).toThrow('tensile_blas.gemm: expected 20 arguments');
  });
});

describe('@tensile/blas: availability', () => {
  it('answers whether the library loads, with a reason when it does not', () => {
    if (status.available) expect(status.info.library.length).toBeGreaterThan(0);
    else expect(status.reason).toMatch(/@tensile\/blas/);
    expect(BlasUnavailableError.name).toBe('BlasUnavailableError');
  });
});
