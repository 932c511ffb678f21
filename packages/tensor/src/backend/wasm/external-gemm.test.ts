// The seam for a GEMM from outside the wasm module (wasmBackendWithGemm, used by @tensile/blas): a JS
// ExternalGemm that follows the documented contract literally (each operand an array, an offset and element
// strides; C overwritten) must reproduce the wasm backend's products, conv2d included, whether it takes a
// call or declines it; and the factory refuses bad arguments.
import { describe, expect, it } from 'vitest';
import type { ExternalGemm, GemmOperand } from './matmul.js';
import { wasmBackendWithGemm } from './index.js';
import { bmm, conv2d, grad, manualSeed, matmul, randn, registerBackend, setBackend, sum, mul, listBackends, type Tensor } from '../../index.js';

/** C = A·B read and written through views of the whole memory, exactly as ExternalGemm.run documents. */
function naiveGemm(declineEvery = 0): ExternalGemm & { taken: number; declined: number; threads: number[] } {
  let n = 0;
  const g = {
    taken: 0,
    declined: 0,
    threads: [] as number[],
    run(f32: boolean, batch: number, m: number, nn: number, k: number, a: GemmOperand, b: GemmOperand, c: GemmOperand, threads: number): boolean {
      if (declineEvery > 0 && ++n % declineEvery === 0) {
        g.declined++;
        return false;
      }
      g.taken++;
      g.threads.push(threads);
      expect(a.array instanceof (f32 ? Float32Array : Float64Array)).toBe(true);
      expect(c.strides[2]).toBe(1);
      for (let p = 0; p < batch; p++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < nn; j++) {
            let s = 0;
            for (let q = 0; q < k; q++) {
              s += a.array[a.offset + p * a.strides[0] + i * a.strides[1] + q * a.strides[2]]! * b.array[b.offset + p * b.strides[0] + q * b.strides[1] + j * b.strides[2]]!;
            }
            c.array[c.offset + p * c.strides[0] + i * c.strides[1] + j] = s;
          }
        }
      }
      return true;
    },
  };
  return g;
}

function on<T>(name: string, f: () => T): T {
  const prev = setBackend(name);
  try {
    return f();
  } finally {
    setBackend(prev);
  }
}

function close(a: Tensor, b: Tensor, tol: number): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y[i]!)));
}

const gemm = naiveGemm(3);
const backend = wasmBackendWithGemm('wasm-external-test', gemm);
const run = backend === null ? describe.skip : describe;

run('wasmBackendWithGemm: a GEMM from outside the wasm module', () => {
  if (backend && !listBackends().includes(backend.name)) registerBackend(backend);

  it('takes the products (and the wasm kernel runs those it declines) with the wasm backend results', () => {
    manualSeed(11);
    const cases: [Tensor, Tensor][] = [
      [randn([40, 70], { dtype: 'float64' }), randn([70, 30], { dtype: 'float64' })],
      [randn([70, 40], { dtype: 'float64' }).t(), randn([30, 70], { dtype: 'float64' }).t()],
      [randn([40, 80]).narrow(1, 5, 70), randn([70, 30])],
      [randn([6, 20, 30]), randn([30, 25]).unsqueeze(0).expand([6, 30, 25])],
    ];
    const before = gemm.taken + gemm.declined;
    for (const [a, b] of cases) {
      const f = () => (a.ndim === 3 ? bmm(a, b) : matmul(a, b));
      close(on('wasm-external-test', f), on('wasm', f), a.dtype === 'float64' ? 1e-12 : 1e-5);
    }
    // Each product is offered once as it is and, if declined, once more as the wasm kernel's staged call.
    expect(gemm.taken + gemm.declined).toBeGreaterThanOrEqual(before + cases.length);
    expect(gemm.declined).toBeGreaterThan(0);
    expect(gemm.threads.every((t) => Number.isInteger(t) && t >= 1)).toBe(true);
  });

  it('conv2d and its gradients go through it too', () => {
    manualSeed(12);
    const x = randn([3, 2, 12, 12], { dtype: 'float64', requiresGrad: true });
    const w = randn([5, 2, 3, 3], { dtype: 'float64', requiresGrad: true });
    const g = randn([3, 5, 12, 12], { dtype: 'float64' });
    const f = () => {
      const y = conv2d(x, w, null, { padding: 1 });
      return [y, ...grad(sum(mul(y, g)), [x, w])] as Tensor[];
    };
    const before = gemm.taken;
    const got = on('wasm-external-test', f);
    expect(gemm.taken).toBeGreaterThan(before);
    const want = on('wasm', f);
    for (let i = 0; i < 3; i++) close(got[i]!, want[i]!, 1e-12);
  });

  it('refuses a name already taken by the built-in backends, and a gemm without run', () => {
    expect(() => wasmBackendWithGemm('wasm', gemm)).toThrow('wasmBackendWithGemm: the name must be a new backend name (not "wasm" or "js"), got "wasm"');
    expect(() => wasmBackendWithGemm('', gemm)).toThrow(/the name must be a new backend name/);
    expect(() => wasmBackendWithGemm('x', {} as never)).toThrow('wasmBackendWithGemm: gemm must be an object with a run(f32, batch, m, n, k, a, b, c, threads) method');
  });
});
