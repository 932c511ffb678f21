// crossEntropy's fused path (crossEntropyIndices for [N, C] logits and plain class indices) against its
// composed path (logSoftmax → gather, taken here by passing the default ignoreIndex −100 explicitly): the
// same values, first and second derivatives, for every reduction, on every backend, at a size where the
// wasm backend runs its own kernels; plus the cases that must keep the composed path.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Generator, grad, listBackends, randn, setBackend, sum, tensor, type AnyBackend, type Tensor } from '@tensile/tensor';
import { crossEntropy, type Reduction } from './losses.js';

const idx = (v: number[]) => tensor(v, { dtype: 'int32' });

/** The op names in the graph that produced `t`. */
function opsOf(t: Tensor): Set<string> {
  const ops = new Set<string>();
  const stack = [t];
  while (stack.length) {
    const node = stack.pop()!.gradFn;
    if (node) {
      ops.add(node.op);
      stack.push(...node.inputs);
    }
  }
  return ops;
}

function expectClose(a: Tensor | null, b: Tensor | null, tol: number, label: string): void {
  const x = Array.from(a!.toTypedArray());
  const y = Array.from(b!.toTypedArray());
  expect(x.length, label).toBe(y.length);
  x.forEach((v, i) => expect(Math.abs(v - y[i]!), `${label}, element ${i}: ${v} vs ${y[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y[i]!))));
}

describe.each(listBackends())('crossEntropy, fused and composed (backend %s)', (backend) => {
  let prev: AnyBackend;
  beforeAll(() => {
    prev = setBackend(backend);
  });
  afterAll(() => {
    setBackend(prev);
  });

  for (const dtype of ['float64', 'float32'] as const) {
    const tol = dtype === 'float64' ? 1e-13 : 2e-6;
    test.each<Reduction>(['mean', 'sum', 'none'])(`${dtype}, reduction %s: values and gradients agree`, (reduction) => {
      const g = new Generator(3);
      const x = randn([40, 30], { dtype, generator: g }).mul(3);
      x.requiresGrad = true;
      const t = idx(Array.from({ length: 40 }, (_, i) => (i * 7) % 30));
      const fused = crossEntropy(x, t, { reduction });
      const composed = crossEntropy(x, t, { reduction, ignoreIndex: -100 });
      expect(opsOf(fused).has('crossEntropyIndices'), 'the fused op ran').toBe(true);
      expect(opsOf(composed).has('crossEntropyIndices'), 'the composed path ran').toBe(false);
      expectClose(fused, composed, tol, 'value');
      const seed = randn([...fused.shape], { dtype, generator: g });
      const [a] = grad(fused, [x], { gradOutputs: [seed], createGraph: true });
      const [b] = grad(composed, [x], { gradOutputs: [seed], createGraph: true });
      expectClose(a!, b!, tol, 'gradient');
      if (dtype === 'float64') {
        const v = randn([40, 30], { dtype, generator: g });
        const [ha] = grad(sum(a!.mul(v)), [x]);
        const [hb] = grad(sum(b!.mul(v)), [x]);
        expectClose(ha!, hb!, tol, 'Hessian-vector product');
      }
    });
  }

  test('a target equal to the default ignoreIndex −100 still drops out of the mean', () => {
    const x = tensor([[1, 2, 3], [0, 0, 5], [2, 1, 0]], { dtype: 'float64' });
    const all = crossEntropy(x, idx([0, -100, 2]));
    const kept = crossEntropy(tensor([[1, 2, 3], [2, 1, 0]], { dtype: 'float64' }), idx([0, 2]));
    expect(all.item()).toBeCloseTo(kept.item(), 15);
  });

  test('bad class indices are reported as before', () => {
    const x = tensor([[1, 2, 3], [0, 0, 5]], { dtype: 'float64' });
    expect(() => crossEntropy(x, idx([0, 3]))).toThrow(/^crossEntropy: target 3 \(element 1 of the target\) is out of range for 3 classes \(ignoreIndex is -100\)/);
    expect(() => crossEntropy(x, idx([-1, 0]))).toThrow(/^crossEntropy: target -1 \(element 0 of the target\) is out of range for 3 classes/);
    expect(() => crossEntropy(x, idx([0, 1]), { reduction: 'avg' as never })).toThrow(/^crossEntropy: reduction must be 'mean', 'sum', 'none', got "avg"/);
  });
});
