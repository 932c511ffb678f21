// Hand-computed tril/triu/maskedFill/topk/bmm cases beyond the registry's PyTorch fixtures.
import { describe, expect, it } from 'vitest';
import { baddbmm, bmm, grad, maskedFill, matmul, ones, randn, sum, tensor, topk, tril, triu, manualSeed, zeros, type Tensor } from '../index.js';

describe('tril / triu', () => {
  it('keep the triangles of every matrix in a batch, in bool too', () => {
    expect(tril(ones([3, 3])).toArray()).toEqual([[1, 0, 0], [1, 1, 0], [1, 1, 1]]);
    expect(triu(ones([3, 3]), 1).toArray()).toEqual([[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
    const causal = triu(ones([2, 2, 3], { dtype: 'bool' }), 1);
    expect(causal.dtype).toBe('bool');
    expect(causal.toArray()).toEqual([[[false, true, true], [false, false, true]], [[false, true, true], [false, false, true]]]);
    expect(ones([2, 4]).tril(-1).toArray()).toEqual([[0, 0, 0, 0], [1, 0, 0, 0]]);
  });
});

describe('maskedFill', () => {
  it('fills -Infinity (a causal softmax mask) and passes the gradient only where the mask is false', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
    const mask = tensor([[false, true], [false, false]]);
    const y = maskedFill(x, mask, -Infinity);
    expect(y.toArray()).toEqual([[1, -Infinity], [3, 4]]);
    const [g] = grad(sum(y.softmax(-1)).mul(0).add(sum(x.maskedFill(mask, 0).mul(2))), [x]);
    expect(g!.toArray()).toEqual([[2, 0], [2, 2]]);
  });

  it('converts the value to the input dtype, as PyTorch does (2.7 into int32 is 2; a nonzero into bool is true)', () => {
    expect(maskedFill(tensor([1, 1], { dtype: 'int32' }), tensor([true, false]), 2.7).toArray()).toEqual([2, 1]);
    expect(maskedFill(tensor([false, false]), tensor([true, false]), 3).toArray()).toEqual([true, false]);
  });
});

describe('topk', () => {
  it('ranks NaN above every number and keeps ties in index order', () => {
    const x = tensor([1, NaN, 2, 2]);
    expect(topk(x, 2).indices.toArray()).toEqual([1, 2]);
    expect(topk(x, 2, { largest: false }).indices.toArray()).toEqual([0, 2]);
    expect(topk(x, 3).values.toArray()).toEqual([NaN, 2, 2]);
  });

  it('accepts sorted: false (PyTorch: any order) and returns the same k elements, values matching indices, with gradients', () => {
    manualSeed(3);
    const x = randn([4, 9], { dtype: 'float64' }).requiresGrad_();
    for (const [dim, largest] of [[-1, true], [0, false], [1, false]] as const) {
      const k = dim === 0 ? 3 : 4;
      const a = topk(x, k, { dim, largest, sorted: false });
      const b = topk(x, k, { dim, largest, sorted: true });
      // The same set per row (compared as sorted index lists), and each value is the input at its index.
      const rows = (t: Tensor) => {
        const v = (dim === 0 ? t.transpose(0, 1) : t).toArray() as number[][];
        return v.map((r) => [...r].sort((p, q) => p - q));
      };
      expect(rows(a.indices)).toEqual(rows(b.indices));
      expect(a.values.toArray()).toEqual(x.gather(dim, a.indices).toArray());
      // Brute force: the k largest (smallest) of each row of the input, as a set.
      const input = (dim === 0 ? x.transpose(0, 1) : x).toArray() as number[][];
      const want = input.map((r) => r.map((v, i) => [v, i] as const).sort((p, q) => (largest ? q[0] - p[0] : p[0] - q[0])).slice(0, k).map(([, i]) => i).sort((p, q) => p - q));
      expect(rows(a.indices)).toEqual(want);
    }
    // The gradient reaches exactly the selected elements, each with its upstream gradient.
    const { values, indices } = topk(x, 4, { sorted: false });
    const up = randn(values.shape, { dtype: 'float64' });
    const [g] = grad(sum(values.mul(up)), [x]);
    const expected = (zeros(x.shape, { dtype: 'float64' }).toArray() as number[][]);
    const idx = indices.toArray() as number[][];
    const upv = up.toArray() as number[][];
    idx.forEach((r, i) => r.forEach((j, c) => (expected[i]![j] = upv[i]![c]!)));
    expect(g!.toArray()).toEqual(expected);
    expect(() => topk(x, 2, { sorted: 'no' as never })).toThrow(/^topk: sorted must be true or false/);
    expect(() => topk(x, 2, { sorted: false, stable: true } as never)).toThrow(/^topk: unknown option "stable"/);
  });
});

describe('bmm / baddbmm', () => {
  it('bmm of strided and expanded operands equals per-matrix products', () => {
    manualSeed(1);
    const a = randn([4, 3, 5], { dtype: 'float64' }).transpose(1, 2); // [4, 5, 3], not contiguous
    const b = randn([1, 3, 2], { dtype: 'float64' }).expand([4, 3, 2]); // stride-0 batch
    const out = bmm(a, b);
    for (let i = 0; i < 4; i++) {
      const ref = a.narrow(0, i, 1).squeeze(0).matmul(b.narrow(0, i, 1).squeeze(0));
      const got = out.narrow(0, i, 1).squeeze(0);
      const diff = Math.max(...Array.from(got.sub(ref).abs().toTypedArray()));
      expect(diff).toBeLessThan(1e-14);
    }
  });

  it('matmul over batch dims that do not fold into one run (heads split off a projection) equals per-matrix products, forward and backward', () => {
    manualSeed(2);
    const [n, l, h, d] = [3, 5, 2, 4];
    const qkv = randn([n, l, 3 * h * d], { dtype: 'float64', requiresGrad: true });
    // [N, L, H·D] slices viewed as [N, H, L, D]: batch strides (L·3HD, D) do not merge
    const heads = (i: number) => qkv.narrow(2, i * h * d, h * d).reshape([n, l, h, d]).permute([0, 2, 1, 3]);
    const [q, k] = [heads(0), heads(1)];
    const out = matmul(q, k.transpose(-2, -1)); // [N, H, L, L]
    const qc = q.detach().contiguous();
    const kc = k.detach().contiguous();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < h; j++) {
        const pick = (t: Tensor) => t.narrow(0, i, 1).narrow(1, j, 1).reshape([l, -1]);
        const diff = pick(out).sub(pick(qc).matmul(pick(kc).t())).abs().max().item();
        expect(diff).toBeLessThan(1e-14);
      }
    }
    const w = randn([n, h, l, l], { dtype: 'float64' });
    out.mul(w).sum().backward();
    // d/dq Σ w ⊙ q·kᵀ = w·k, d/dk = wᵀ·q, scattered back into qkv's first two thirds
    const gq = matmul(w, kc).permute([0, 2, 1, 3]).reshape([n, l, h * d]);
    const gk = matmul(w.transpose(-2, -1), qc).permute([0, 2, 1, 3]).reshape([n, l, h * d]);
    const g = qkv.grad!;
    expect(g.narrow(2, 0, h * d).sub(gq).abs().max().item()).toBeLessThan(1e-13);
    expect(g.narrow(2, h * d, h * d).sub(gk).abs().max().item()).toBeLessThan(1e-13);
    expect(g.narrow(2, 2 * h * d, h * d).abs().max().item()).toBe(0);
  });

  it('baddbmm with beta 0 ignores NaN in the input (PyTorch)', () => {
    const input = tensor([NaN], { dtype: 'float64' });
    const b1 = ones([1, 1, 2], { dtype: 'float64' });
    const b2 = ones([1, 2, 1], { dtype: 'float64' });
    expect(baddbmm(input, b1, b2, { beta: 0, alpha: 3 }).toArray()).toEqual([[[6]]]);
    expect(input.baddbmm(b1, b2, { beta: 2 }).toArray()).toEqual([[[NaN]]]);
  });
});

describe('tril / triu far past the corner', () => {
  it('take diagonals beyond the int32 range as numbers (everything or nothing kept)', () => {
    expect(triu(ones([2, 2]), 3e9).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(tril(ones([2, 2]), 3e9).toArray()).toEqual([[1, 1], [1, 1]]);
    expect(triu(ones([2, 2]), -3e9).toArray()).toEqual([[1, 1], [1, 1]]);
  });
});

describe('Tensor methods', () => {
  it('delegate to the functions', () => {
    const x = tensor([[3, 1, 2], [0, 5, 4]], { dtype: 'float64' });
    expect(x.tril().toArray()).toEqual(tril(x).toArray());
    expect(x.triu(1).toArray()).toEqual([[0, 1, 2], [0, 0, 4]]);
    expect(x.topk(2).indices.toArray()).toEqual([[0, 2], [1, 2]]);
    expect(x.topk(1, { dim: 0, largest: false }).values.toArray()).toEqual([[0, 1, 2]]);
    const b = x.reshape([1, 2, 3]);
    expect(b.bmm(b.transpose(1, 2)).toArray()).toEqual([[[14, 13], [13, 41]]]);
  });
});
