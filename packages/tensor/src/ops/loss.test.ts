// crossEntropyIndices on hand-computed values, on every backend: the loss, its gradient softmax − one-hot,
// the second derivative (the softmax Jacobian diag(p) − ppᵀ), and agreement with the composed
// −gather(logSoftmax) at a size where the wasm backend runs its own kernels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  crossEntropyIndices, gather, grad, listBackends, logSoftmax, neg, randn, setBackend, squeeze, sum, tensor, unsqueeze,
  Generator, type AnyBackend, type Tensor,
} from '../index.js';

const f64 = (v: number[][]): Tensor => tensor(v, { dtype: 'float64', requiresGrad: true });
const idx = (v: number[]): Tensor => tensor(v, { dtype: 'int32' });

function close(actual: Tensor | null, expected: number[] | number[][], tol = 1e-15): void {
  const a = Array.from(actual!.toTypedArray());
  const e = expected.flat();
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i]!), `element ${i}: ${v} vs ${e[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e[i]!))));
}

describe.each(listBackends())('crossEntropyIndices (backend %s)', (backend) => {
  let prev: AnyBackend;
  beforeAll(() => {
    prev = setBackend(backend);
  });
  afterAll(() => {
    setBackend(prev);
  });

  it('is log Σ exp(x) − x[target] per row', () => {
    // uniform logits: ln C; [1, 2, 3] with target 2: log(e + e² + e³) − 3 = log(1 + e⁻¹ + e⁻²)
    close(crossEntropyIndices(f64([[0, 0, 0, 0], [1, 2, 3, 0]]).narrow(1, 0, 3), idx([1, 2])), [Math.log(3), Math.log(1 + Math.exp(-1) + Math.exp(-2))]);
    // logits of 1000 stay finite: the row max is subtracted first
    close(crossEntropyIndices(f64([[1000, 999]]), idx([1])), [1 + Math.log1p(Math.exp(-1))], 1e-12);
  });

  it('has gradient g·(softmax(x) − one-hot(target))', () => {
    // x = [0, ln 3]: softmax [1/4, 3/4]; target 0 → [−3/4, 3/4], scaled by g = 2
    const x = f64([[0, Math.log(3)], [0, 0]]);
    const [gx] = grad(crossEntropyIndices(x, idx([0, 1])), [x], { gradOutputs: [tensor([2, -1], { dtype: 'float64' })] });
    close(gx!, [[-1.5, 1.5], [-0.5, 0.5]]);
  });

  it('differentiates twice: the Hessian of a row is diag(p) − ppᵀ (the target drops out)', () => {
    const x = f64([[0, Math.log(3)]]);
    const [gx] = grad(crossEntropyIndices(x, idx([1])), [x], { createGraph: true });
    // d/dx Σ gx·v with v = [1, 0]: (diag(p) − ppᵀ)·v = [p₀ − p₀², −p₀p₁] = [3/16, −3/16]
    const [h] = grad(sum(gx!.mul(tensor([[1, 0]], { dtype: 'float64' }))), [x]);
    close(h!, [[3 / 16, -3 / 16]]);
  });

  it('equals −gather(logSoftmax(x)) in value and gradient at [48, 37] (wasm-sized), float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const g = new Generator(5);
      const x = randn([48, 37], { dtype, generator: g }).mul(4);
      x.requiresGrad = true;
      const t = idx(Array.from({ length: 48 }, (_, i) => (i * 13) % 37));
      const gy = randn([48], { dtype, generator: g });
      const fused = crossEntropyIndices(x, t);
      const composed = neg(squeeze(gather(logSoftmax(x, 1), 1, unsqueeze(t, 1)), 1));
      const tol = dtype === 'float32' ? 3e-6 : 1e-14;
      close(fused, Array.from(composed.toTypedArray()), tol);
      const [a] = grad(fused, [x], { gradOutputs: [gy] });
      const [b] = grad(composed, [x], { gradOutputs: [gy] });
      close(a!, Array.from(b!.toTypedArray()), tol);
    }
  });
});
