// Worker threads for the wasm kernels: the matmul split covers C exactly once, threaded products and
// convolutions are bit-identical to single-threaded ones (each element is summed in the same order), the
// workers really take jobs, a kernel failing on any thread is reported and leaves the pool usable, and the
// thread count is validated.
import { afterAll, describe, expect, it } from 'vitest';
import '../../node.js'; // installs the worker_threads host, as Node's resolution of @tensile/tensor does
import { cat, conv2d, getNumThreads, grad, manualSeed, matmul, randn, setBackend, setNumThreads } from '../../index.js';
import { kernels } from './instance.js';
import { splitMatmul } from './matmul.js';
import { threadPool } from './threads.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('splitMatmul', () => {
  it('covers every element of C exactly once, by batch, rows or columns', () => {
    for (const [batch, m, n, parts] of [[8, 3, 5, 3], [1, 37, 9, 4], [1, 9, 37, 4], [2, 5, 5, 7], [1, 1, 1, 2]] as const) {
      const cover = new Int32Array(batch * m * n);
      const ldc = n;
      const sc = m * n;
      for (const [nb, mm, nn, , , , , , , , , , c] of splitMatmul([batch, m, n, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, sc, ldc], parts, 1)) {
        for (let b = 0; b < nb!; b++) for (let i = 0; i < mm!; i++) for (let j = 0; j < nn!; j++) cover[c! + b * sc + i * ldc + j]!++;
      }
      expect(Array.from(cover).every((v) => v === 1), `${batch}×${m}×${n} in ${parts}`).toBe(true);
    }
  });
});

describe.runIf(kernels?.shared === true)('wasm kernels on worker threads', () => {
  afterAll(() => setNumThreads(1));

  it('validates the thread count', () => {
    expect(() => setNumThreads(0)).toThrow('setNumThreads: the thread count must be a positive integer, got 0');
    expect(() => setNumThreads(1.5)).toThrow(RangeError);
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
  });

  it('gives bit-identical products and convolutions, with the workers taking part', async () => {
    setBackend('wasm');
    manualSeed(1);
    const cases = [
      () => matmul(randn([600, 400]), randn([400, 300])),
      () => matmul(randn([256, 600]).t(), randn([256, 400])),
      () => matmul(randn([7, 200, 300]), randn([300, 200])),
      () => matmul(randn([2, 300, 240], { dtype: 'float64' }), randn([2, 240, 180], { dtype: 'float64' })),
      () => conv2d(randn([32, 8, 32, 32]), randn([16, 8, 3, 3]), null, { padding: 1 }),
      () => conv2d(randn([32, 16, 32, 32]), randn([16, 16, 3, 3]), null, { padding: 1 }), // im2col + GEMM
      // the direct kernels for few channels (conv-direct.ts): forward, input and weight gradients
      () => conv2d(randn([64, 3, 32, 32]), randn([16, 3, 5, 5]), null, { stride: [1, 2], padding: 2 }),
      () => {
        const x = randn([64, 4, 32, 32], { requiresGrad: true });
        const w = randn([8, 4, 3, 3], { requiresGrad: true });
        const [gx, gw] = grad(conv2d(x, w, null, { padding: 1 }).square().sum(), [x, w]);
        return cat([gx!.reshape([-1]), gw!.reshape([-1])]);
      },
    ];
    const reference = cases.map((make) => {
      setNumThreads(1);
      manualSeed(7);
      return make().toTypedArray();
    });
    setNumThreads(2);
    const pool = threadPool(kernels!)!;
    expect(pool).not.toBeNull();
    for (let round = 0; round < 20 && pool.jobsOnWorkers === 0; round++) {
      cases.forEach((make, i) => {
        manualSeed(7);
        expect(Array.from(make().toTypedArray()), `case ${i}`).toEqual(Array.from(reference[i]!));
      });
      await sleep(50); // a new worker needs a moment to start
    }
    expect(pool.jobsOnWorkers).toBeGreaterThan(0);
  });

  it('reports a kernel that fails on any thread and stays usable', async () => {
    setNumThreads(2);
    const pool = threadPool(kernels!)!;
    await sleep(100);
    const bad = [1, 4, 4, 4, 0x7ffffff0, 0, 4, 1, 0x7ffffff0, 0, 4, 1, 0x7ffffff0, 16, 4, kernels!.base, kernels!.base + 65536];
    expect(() => pool.run([['matmulF32', bad], ['matmulF32', bad], ['matmulF32', bad], ['matmulF32', bad]])).toThrow();
    const a = randn([320, 256]);
    const b = randn([256, 256]);
    setNumThreads(1);
    const want = matmul(a, b).toTypedArray();
    setNumThreads(2);
    expect(Array.from(matmul(a, b).toTypedArray())).toEqual(Array.from(want));
  });
});
