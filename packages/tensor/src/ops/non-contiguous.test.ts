// Every op must give on a non-contiguous input exactly what it gives on a contiguous copy of it, forward
// and backward. Each case is run with its inputs laid out three ways: transposed (reversed dims, copied
// and permuted back), every other element of a wider buffer (stride 2 in the last dim), and the same at
// offset 1. Index inputs get the same treatment.
import { describe, expect, it } from 'vitest';
import {
  Generator,
  avgPool2d, cat, chunk, conv2d, gather, indexSelect, logSoftmax, logsumexp, matmul, max, maxPool2d, pad, randint, randn,
  scatterAdd, softmax, split, stack, std, tensor, variance, where, zeros, type Tensor,
} from '../index.js';

type Layout = 'transposed' | 'strided' | 'offset';

/** `x`'s values in a non-contiguous layout. The result is a leaf (its base does not require grad). */
function relayout(x: Tensor, layout: Layout): Tensor {
  if (x.ndim === 0) return x;
  if (layout === 'transposed') {
    const rev = x.shape.map((_, i) => x.ndim - 1 - i);
    return x.permute(rev).contiguous().permute(rev);
  }
  const start = layout === 'offset' ? 1 : 0;
  const shape = [...x.shape];
  shape[shape.length - 1] = 2 * shape[shape.length - 1]! + 1;
  const big = zeros(shape, { dtype: x.dtype });
  const v = big.slice(-1, start, undefined, 2).narrow(-1, 0, x.shape[x.ndim - 1]!);
  v.copy_(x);
  return v;
}

interface Case {
  name: string;
  /** Contiguous inputs (float64 values, int32 indices). */
  make: (g: Generator) => Tensor[];
  /** Indices of the inputs to differentiate (default: every float input). */
  diff?: number[];
  fn: (...xs: Tensor[]) => Tensor | Tensor[];
}

const r = (g: Generator, ...shape: number[]): Tensor => randn(shape, { dtype: 'float64', generator: g });
const pos = (g: Generator, ...shape: number[]): Tensor => r(g, ...shape).abs().add(0.5);

const cases: Case[] = [
  // elementwise, one input
  ...(['neg', 'exp', 'abs', 'square', 'erf', 'relu', 'sigmoid', 'tanh', 'gelu', 'softplus', 'sign'] as const).map(
    (op): Case => ({ name: op, make: (g) => [r(g, 3, 4)], fn: (x) => (x[op] as () => Tensor).call(x) }),
  ),
  ...(['log', 'sqrt', 'rsqrt', 'reciprocal'] as const).map(
    (op): Case => ({ name: op, make: (g) => [pos(g, 3, 4)], fn: (x) => (x[op] as () => Tensor).call(x) }),
  ),
  { name: 'leakyRelu', make: (g) => [r(g, 3, 4)], fn: (x) => x.leakyRelu(0.2) },
  { name: 'elu', make: (g) => [r(g, 3, 4)], fn: (x) => x.elu(0.7) },
  { name: 'clamp', make: (g) => [r(g, 3, 4)], fn: (x) => x.clamp(-0.5, 0.5) },
  { name: 'pow scalar', make: (g) => [pos(g, 3, 4)], fn: (x) => x.pow(2.5) },
  // elementwise, two inputs (both non-contiguous, and one broadcast)
  { name: 'add', make: (g) => [r(g, 3, 4), r(g, 3, 4)], fn: (a, b) => a.add(b, 0.5) },
  { name: 'sub', make: (g) => [r(g, 3, 4), r(g, 3, 4)], fn: (a, b) => a.sub(b) },
  { name: 'mul broadcast', make: (g) => [r(g, 3, 4), r(g, 1, 4)], fn: (a, b) => a.mul(b) },
  { name: 'div', make: (g) => [r(g, 3, 4), pos(g, 3, 4)], fn: (a, b) => a.div(b) },
  { name: 'pow tensor', make: (g) => [pos(g, 3, 4), r(g, 3, 4)], fn: (a, b) => a.pow(b) },
  { name: 'maximum', make: (g) => [r(g, 3, 4), r(g, 3, 4)], fn: (a, b) => a.maximum(b) },
  { name: 'minimum', make: (g) => [r(g, 3, 4), r(g, 3, 4)], fn: (a, b) => a.minimum(b) },
  { name: 'lt / ge (no grad)', make: (g) => [r(g, 3, 4), r(g, 3, 4)], diff: [], fn: (a, b) => [a.lt(b), a.ge(b), a.eq(a)] },
  { name: 'where', make: (g) => [r(g, 3, 4), r(g, 3, 4), r(g, 3, 4)], fn: (c, a, b) => where(c.gt(0), a, b), diff: [1, 2] },
  // reductions
  { name: 'sum all', make: (g) => [r(g, 3, 4, 5)], fn: (x) => x.sum() },
  { name: 'sum dims keepdim', make: (g) => [r(g, 3, 4, 5)], fn: (x) => x.sum([0, 2], true) },
  { name: 'mean dim', make: (g) => [r(g, 3, 4, 5)], fn: (x) => x.mean(1) },
  { name: 'var / std', make: (g) => [r(g, 3, 4, 5)], fn: (x) => [variance(x, 2), std(x, [0, 1], { correction: 0 })] },
  { name: 'max dim', make: (g) => [r(g, 3, 4, 5)], fn: (x) => { const m = max(x, 1); return [m.values, m.indices]; } },
  { name: 'amax / amin', make: (g) => [r(g, 3, 4, 5)], fn: (x) => [x.amax(2), x.amin([0, 1])] },
  { name: 'argmax / argmin', make: (g) => [r(g, 3, 4, 5)], diff: [], fn: (x) => [x.argmax(0), x.argmin(2, true), x.argmax()] },
  { name: 'logsumexp', make: (g) => [r(g, 3, 4, 5)], fn: (x) => logsumexp(x, [1, 2]) },
  { name: 'softmax', make: (g) => [r(g, 3, 4, 5)], fn: (x) => softmax(x, 1) },
  { name: 'logSoftmax', make: (g) => [r(g, 3, 4, 5)], fn: (x) => logSoftmax(x, -1) },
  // matmul
  { name: 'matmul 2-d', make: (g) => [r(g, 3, 4), r(g, 4, 5)], fn: (a, b) => matmul(a, b) },
  { name: 'matmul batched broadcast', make: (g) => [r(g, 2, 3, 4), r(g, 4, 2)], fn: (a, b) => matmul(a, b) },
  { name: 'matmul vector', make: (g) => [r(g, 3, 4), r(g, 4)], fn: (a, b) => matmul(a, b) },
  // indexing and joining
  { name: 'indexSelect', make: (g) => [r(g, 4, 5), tensor([3, 0, 3, 1], { dtype: 'int32' })], fn: (x, i) => indexSelect(x, 1, i) },
  { name: 'gather', make: (g) => [r(g, 4, 5), randint(0, 4, [3, 5], { generator: g })], fn: (x, i) => gather(x, 0, i) },
  {
    name: 'scatterAdd',
    make: (g) => [r(g, 4, 5), randint(0, 5, [4, 3], { generator: g }), r(g, 4, 3)],
    fn: (x, i, s) => scatterAdd(x, 1, i, s),
  },
  { name: 'cat / stack', make: (g) => [r(g, 3, 4), r(g, 3, 4)], fn: (a, b) => [cat([a, b], 1), stack([a, b], 0)] },
  { name: 'split / chunk', make: (g) => [r(g, 6, 4)], fn: (x) => [...split(x, [1, 3, 2], 0), ...chunk(x, 2, 1)] },
  { name: 'pad', make: (g) => [r(g, 3, 4)], fn: (x) => pad(x, [1, 2, 0, 1], -1) },
  // nn
  {
    name: 'conv2d',
    make: (g) => [r(g, 2, 3, 6, 5), r(g, 4, 3, 3, 2), r(g, 4)],
    fn: (x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: 1 }),
  },
  { name: 'conv2d groups dilation', make: (g) => [r(g, 1, 4, 7, 7), r(g, 2, 2, 3, 3)], fn: (x, w) => conv2d(x, w, null, { groups: 2, dilation: 2 }) },
  { name: 'maxPool2d', make: (g) => [r(g, 2, 3, 6, 6)], fn: (x) => maxPool2d(x, 2) },
  { name: 'avgPool2d', make: (g) => [r(g, 2, 3, 6, 6)], fn: (x) => avgPool2d(x, 3, { stride: 2, padding: 1 }) },
  // movement
  { name: 'reshape / flatten', make: (g) => [r(g, 3, 4)], fn: (x) => [x.reshape(2, 6), x.flatten(), x.unsqueeze(1).squeeze()] },
  { name: 'permute + contiguous', make: (g) => [r(g, 2, 3, 4)], fn: (x) => x.permute(1, 2, 0).contiguous() },
  { name: 'expand', make: (g) => [r(g, 3, 1)], fn: (x) => x.expand(3, 4) },
  { name: 'slice / narrow', make: (g) => [r(g, 4, 6)], fn: (x) => [x.slice(1, 1, undefined, 2), x.narrow(0, 1, 2)] },
  { name: 'cast', make: (g) => [r(g, 3, 4)], fn: (x) => [x.float(), x.int(), x.bool()] },
];

function outputs(y: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(y) ? y : [y];
}

/** Forward values and gradients of Σ_k Σ (y_k ⊙ w_k) for fixed random weights w_k. */
function evaluate(c: Case, inputs: Tensor[]): { values: unknown[]; grads: unknown[] } {
  const diff = c.diff ?? inputs.map((x, i) => (x.dtype === 'float64' ? i : -1)).filter((i) => i >= 0);
  for (const i of diff) inputs[i]!.requiresGrad_();
  const ys = outputs(c.fn(...inputs));
  const g = new Generator(99);
  let loss: Tensor | null = null;
  for (const y of ys) {
    if (!y.requiresGrad) continue;
    const term = y.mul(randn([...y.shape], { dtype: 'float64', generator: g })).sum();
    loss = loss === null ? term : loss.add(term);
  }
  if (loss !== null) loss.backward();
  return { values: ys.map((y) => y.toArray()), grads: diff.map((i) => inputs[i]!.grad?.toArray() ?? null) };
}

function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (typeof expected === 'number') {
    const a = actual as number;
    // summation order may differ between strided and contiguous paths
    expect(Math.abs(a - expected) <= 1e-12 * (1 + Math.abs(expected)), `${path}: ${a} vs ${expected}`).toBe(true);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

describe('ops on non-contiguous inputs equal the same ops on contiguous copies', () => {
  for (const c of cases) {
    for (const layout of ['transposed', 'strided', 'offset'] as const) {
      it(`${c.name} (${layout})`, () => {
        const base = c.make(new Generator(c.name));
        const contiguousInputs = base.map((x) => x.clone());
        const stridedInputs = base.map((x) => relayout(x, layout));
        stridedInputs.forEach((x, i) => {
          expect(x.toArray()).toEqual(base[i]!.toArray());
          const trivial = x.ndim === 0 || (layout === 'transposed' && x.shape.filter((d) => d > 1).length < 2);
          if (!trivial) expect(x.isContiguous && x.offset === 0, `input ${i} should be non-contiguous`).toBe(false);
        });
        const want = evaluate(c, contiguousInputs);
        const got = evaluate(c, stridedInputs);
        expectClose(got.values, want.values, 'values');
        expectClose(got.grads, want.grads, 'grads');
        // the test is only meaningful if gradients were produced where expected
        if ((c.diff ?? [0]).length > 0) expect(want.grads.some((g) => g !== null)).toBe(true);
      });
    }
  }
});
