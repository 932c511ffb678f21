// Attention beyond the PyTorch fixtures (test/attention-parity.test.ts): finite-difference gradients,
// dropout (statistics and determinism, which cannot match PyTorch's generator), causality, and errors.
import { describe, expect, it } from 'vitest';
import {
  DTypeError, Generator, ShapeError, Tensor, eye, full, gradcheck, grad, manualSeed, narrow, ones, randn, sum, tensor, where, zeros,
} from '@tensile/tensor';
import { LayerNorm, MultiheadAttention, TransformerEncoder, TransformerEncoderLayer, scaledDotProductAttention, F } from '../src/index.js';

const f64 = { dtype: 'float64' as const };

describe('scaledDotProductAttention', () => {
  it('passes gradcheck in float64 with a float mask (q, k, v and the mask), and causally', () => {
    manualSeed(1);
    const q = randn([2, 3, 4], f64).requiresGrad_();
    const k = randn([2, 5, 4], f64).requiresGrad_();
    const v = randn([2, 5, 3], f64).requiresGrad_();
    const m = randn([3, 5], f64).requiresGrad_();
    expect(gradcheck((a, b, c, d) => scaledDotProductAttention(a!, b!, c!, { attnMask: d! }), [q, k, v, m])).toBe(true);
    expect(gradcheck((a, b, c) => scaledDotProductAttention(a!, b!, c!, { isCausal: true, scale: 0.7 }), [q, k, v])).toBe(true);
  });

  it('is F.scaledDotProductAttention too; a bool mask of all true equals no mask', () => {
    manualSeed(2);
    const [q, k, v] = [randn([3, 4], f64), randn([5, 4], f64), randn([5, 2], f64)];
    const a = F.scaledDotProductAttention(q, k, v, { attnMask: ones([3, 5], { dtype: 'bool' }) });
    const b = scaledDotProductAttention(q, k, v);
    expect(Array.from(a.toTypedArray())).toEqual(Array.from(b.toTypedArray()));
  });

  it('dropout zeroes weights with probability p, scales the rest by 1/(1 − p), and repeats with the seed', () => {
    // With v = I the output is the attention weights themselves.
    const s = 64;
    manualSeed(3);
    const q = randn([4, s, 8], f64);
    const k = randn([4, s, 8], f64);
    const v = eye(s, s, f64);
    const plain = scaledDotProductAttention(q, k, v).toTypedArray();
    const dropped = scaledDotProductAttention(q, k, v, { dropoutP: 0.25, generator: new Generator(9) }).toTypedArray();
    const again = scaledDotProductAttention(q, k, v, { dropoutP: 0.25, generator: new Generator(9) }).toTypedArray();
    expect(Array.from(again)).toEqual(Array.from(dropped));
    let zeros = 0;
    for (let i = 0; i < plain.length; i++) {
      if (dropped[i] === 0) zeros++;
      else expect(Math.abs(dropped[i]! - plain[i]! / 0.75)).toBeLessThan(1e-15);
    }
    // 16384 Bernoulli(0.25) draws: standard deviation 55.
    expect(Math.abs(zeros - 0.25 * plain.length)).toBeLessThan(5 * 55);
  });

  it('gives NaN for a row with nothing to attend to, as PyTorch', () => {
    const y = scaledDotProductAttention(ones([2, 2], f64), ones([2, 2], f64), ones([2, 2], f64), { attnMask: tensor([[false, false], [true, false]]) });
    expect(y.toArray()).toEqual([[NaN, NaN], [1, 1]]);
  });

  const q = zeros([2, 3, 4]);
  const k = zeros([2, 5, 4]);
  const v = zeros([2, 5, 6]);
  it.each<[string, () => unknown, new (...a: never[]) => Error, RegExp]>([
    ['key features', () => scaledDotProductAttention(q, zeros([2, 5, 3]), v), ShapeError, /^scaledDotProductAttention: query and key must have the same last dimension, got query \[2, 3, 4\] and key \[2, 5, 3\] \(4 ≠ 3\)/],
    ['value length', () => scaledDotProductAttention(q, k, zeros([2, 4, 6])), ShapeError, /^scaledDotProductAttention: key and value must have the same length/],
    ['1-d query', () => scaledDotProductAttention(zeros([4]), k, v), ShapeError, /^scaledDotProductAttention: query must have at least 2 dimensions/],
    ['batch', () => scaledDotProductAttention(q, zeros([3, 5, 4]), v), ShapeError, /^scaledDotProductAttention: shapes \[2\] and \[3\] cannot be broadcast/],
    ['mask dtype', () => scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 5], { dtype: 'int32' }) }), DTypeError, /^scaledDotProductAttention: attnMask must be bool \(true = attend\) or float32 like the query/],
    ['mask shape', () => scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 4], { dtype: 'bool' }) }), ShapeError, /^scaledDotProductAttention: shapes \[3, 4\] and \[2, 3, 5\] cannot be broadcast/],
    ['mask too big', () => scaledDotProductAttention(q, k, v, { attnMask: zeros([4, 2, 3, 5], { dtype: 'bool' }) }), ShapeError, /^scaledDotProductAttention: attnMask of shape \[4, 2, 3, 5\] does not broadcast to the scores' shape \[2, 3, 5\]/],
    ['mask and causal', () => scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 5]), isCausal: true }), TypeError, /^scaledDotProductAttention: pass either attnMask or isCausal, not both/],
    ['snake_case', () => scaledDotProductAttention(q, k, v, { is_causal: true } as never), TypeError, /^scaledDotProductAttention: unknown option "is_causal" \(did you mean isCausal\?\)/],
    ['dropoutP', () => scaledDotProductAttention(q, k, v, { dropoutP: 1.5 }), RangeError, /^scaledDotProductAttention: dropoutP must be a number in \[0, 1\], got 1\.5/],
    ['dtypes', () => scaledDotProductAttention(q, k, zeros([2, 5, 6], f64)), DTypeError, /^scaledDotProductAttention: query, key and value must have the same dtype, got float32, float32 and float64/],
  ])('rejects %s', (_, run, cls, message) => {
    expect(run).toThrow(cls);
    expect(run).toThrow(message);
  });
});

describe('MultiheadAttention', () => {
  it('passes gradcheck in float64 (cross-attention with a key padding mask, per-head weights)', () => {
    const mha = new MultiheadAttention(4, 2, { batchFirst: true, dtype: 'float64', generator: new Generator(4) });
    manualSeed(5);
    const q = randn([2, 3, 4], f64).requiresGrad_();
    const kv = randn([2, 5, 4], f64).requiresGrad_();
    const pad = tensor([[false, false, false, true, true], [false, false, false, false, false]]);
    expect(gradcheck((a, b) => {
      const [y, w] = mha.forward(a!, b!, b!, { keyPaddingMask: pad, averageAttnWeights: false });
      return sum(y.mul(y)).add(sum(w!.mul(w!)));
    }, [q, kv])).toBe(true);
  });

  it('passes gradcheck in float64 with addBiasKv and addZeroAttn (inputs, bias_k, bias_v and a float mask, key padding)', () => {
    const mha = new MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true, kdim: 3, vdim: 5, dtype: 'float64', generator: new Generator(8) });
    manualSeed(9);
    const q = randn([3, 2, 4], f64).requiresGrad_();
    const k = randn([4, 2, 3], f64).requiresGrad_();
    const v = randn([4, 2, 5], f64).requiresGrad_();
    const mask = randn([3, 4], f64).requiresGrad_();
    const pad = tensor([[false, true, false, false], [false, false, false, true]]);
    // gradcheck perturbs bias_k and bias_v in place, so the layer sees the perturbed parameters.
    expect(gradcheck((a, b, c, _bk, _bv, m) => {
      const [y, w] = mha.forward(a!, b!, c!, { attnMask: m!, keyPaddingMask: pad, averageAttnWeights: false });
      return [y, w!];
    }, [q, k, v, mha.bias_k!, mha.bias_v!, mask])).toBe(true);
  });

  it('takes a float key padding mask: added to the scores (gradcheck through it), and −∞ hides a key as true does in a bool one', () => {
    const mha = new MultiheadAttention(4, 2, { batchFirst: true, dtype: 'float64', generator: new Generator(13) });
    manualSeed(14);
    const q = randn([2, 3, 4], f64).requiresGrad_();
    const kv = randn([2, 5, 4], f64).requiresGrad_();
    const pad = randn([2, 5], f64).requiresGrad_();
    const blocked = tensor([[true, false, false, false, false], [false, false, false, false, true]]);
    expect(gradcheck((a, b, p) => {
      const [y, w] = mha.forward(a!, b!, b!, { keyPaddingMask: p!, attnMask: blocked.narrow(0, 0, 1).expand([3, 5]), averageAttnWeights: false });
      return [y, w!];
    }, [q, kv, pad])).toBe(true);
    const asFloat = where(blocked, full([2, 5], -Infinity, f64), zeros([2, 5], f64));
    const [yb, wb] = mha.forward(q, kv, kv, { keyPaddingMask: blocked });
    const [yf, wf] = mha.forward(q, kv, kv, { keyPaddingMask: asFloat });
    expect(Array.from(yf.toTypedArray())).toEqual(Array.from(yb.toTypedArray()));
    expect(Array.from(wf!.toTypedArray())).toEqual(Array.from(wb!.toTypedArray()));
  });

  it('with addBiasKv and addZeroAttn attends to one or two appended positions that no mask hides', () => {
    const x = randn([3, 1, 8], { ...f64, generator: new Generator(10) });
    // Every real key masked: only the appended positions are left, and the rows are not NaN.
    const all = ones([3, 3], { dtype: 'bool' });
    const zeroAttn = new MultiheadAttention(8, 2, { addZeroAttn: true, dtype: 'float64', generator: new Generator(11) });
    const [y, w] = zeroAttn.forward(x, x, x, { attnMask: all });
    expect(w!.shape).toEqual([1, 3, 4]);
    // All the weight on the zero key, whose value is zero: the output is out_proj's bias alone (zero at init).
    expect(Array.from(w!.toTypedArray())).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(y.toTypedArray()).every((e) => e === 0)).toBe(true);
    const both = new MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true, dtype: 'float64', generator: new Generator(12) });
    const [, w2] = both.forward(x, x, x, { keyPaddingMask: ones([1, 3], { dtype: 'bool' }) });
    expect(w2!.shape).toEqual([1, 3, 5]);
    const rows = w2!.toArray() as number[][][];
    for (const row of rows[0]!) {
      expect(row.slice(0, 3)).toEqual([0, 0, 0]);
      expect(row[3]! + row[4]!).toBeCloseTo(1, 12);
      expect(row[3]!).toBeGreaterThan(0);
    }
  });

  it('uses dropout only in training: eval equals the dropout-free layer; training repeats with the generator', () => {
    const make = (dropout: number) => new MultiheadAttention(8, 2, { dropout, dtype: 'float64', generator: new Generator(6) });
    const x = randn([5, 2, 8], { ...f64, generator: new Generator(7) });
    const ref = make(0).forward(x, x, x)[0].toTypedArray();
    const mha = make(0.5);
    expect(Array.from(mha.eval().forward(x, x, x)[0].toTypedArray())).toEqual(Array.from(ref));
    const a = make(0.5).forward(x, x, x)[0].toTypedArray();
    const b = make(0.5).forward(x, x, x)[0].toTypedArray();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(ref));
  });

  it('has PyTorch\'s state-dict keys (q/k/v_proj_weight when kdim or vdim differ) and initial values', () => {
    expect([...new MultiheadAttention(8, 2).stateDict().keys()]).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    const cross = new MultiheadAttention(6, 3, { kdim: 4, vdim: 5, bias: false });
    expect([...cross.stateDict()].map(([key, t]) => `${key} ${JSON.stringify(t.shape)}`)).toEqual([
      'q_proj_weight [6,6]', 'k_proj_weight [6,4]', 'v_proj_weight [6,5]', 'out_proj.weight [6,6]',
    ]);
    const kv = new MultiheadAttention(6, 3, { kdim: 4, vdim: 5, addBiasKv: true, addZeroAttn: true });
    expect([...kv.namedParameters()].map(([key, t]) => `${key} ${JSON.stringify(t.shape)}`)).toEqual([
      'q_proj_weight [6,6]', 'k_proj_weight [6,4]', 'v_proj_weight [6,5]', 'in_proj_bias [18]', 'bias_k [1,1,6]', 'bias_v [1,1,6]',
      'out_proj.weight [6,6]', 'out_proj.bias [6]',
    ]);
    expect(kv.toString()).toContain('add_bias_kv=True, add_zero_attn=True');
    expect(new MultiheadAttention(8, 2, { addZeroAttn: true }).bias_k).toBeNull();
    // bias_k and bias_v are xavier-normal: std √(2/(E + E)) for [1, 1, E].
    const big = new MultiheadAttention(400, 4, { addBiasKv: true, generator: new Generator(3) });
    for (const b of [big.bias_k!, big.bias_v!]) {
      const vals = Array.from(b.toTypedArray());
      const std = Math.sqrt(vals.reduce((acc, e) => acc + e * e, 0) / vals.length);
      expect(std).toBeGreaterThan(0.85 / Math.sqrt(400));
      expect(std).toBeLessThan(1.15 / Math.sqrt(400));
    }
    expect(Array.from(big.bias_k!.toTypedArray())).not.toEqual(Array.from(big.bias_v!.toTypedArray()));
    const m = new MultiheadAttention(8, 2, { generator: new Generator(1) });
    expect(Array.from(m.in_proj_bias!.toTypedArray()).every((x) => x === 0)).toBe(true);
    expect(Array.from(m.out_proj.bias!.toTypedArray()).every((x) => x === 0)).toBe(true);
    // xavier-uniform bound for [24, 8]: √(6/32)
    const w = Array.from(m.in_proj_weight!.toTypedArray());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 32));
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * Math.sqrt(6 / 32));
  });

  const mha = new MultiheadAttention(8, 2);
  const kvMha = new MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true });
  const x = zeros([4, 2, 8]);
  it.each<[string, () => unknown, new (...a: never[]) => Error, RegExp]>([
    ['heads', () => new MultiheadAttention(10, 4), RangeError, /^MultiheadAttention: embedDim must be divisible by numHeads, got embedDim=10, numHeads=4/],
    ['unknown option', () => new MultiheadAttention(8, 2, { batch_first: true } as never), TypeError, /^MultiheadAttention: unknown option "batch_first" \(did you mean batchFirst\?\)/],
    ['dropout', () => new MultiheadAttention(8, 2, { dropout: -0.1 }), RangeError, /^MultiheadAttention: dropout must be a number in \[0, 1\], got -0\.1/],
    ['query rank', () => mha.forward(zeros([8]), x, x), ShapeError, /^MultiheadAttention\(embed_dim=8, num_heads=2\): query must be 3-d \(\[length, batch, features\]\) or 2-d \(unbatched\), got shape \[8\]/],
    ['features', () => mha.forward(zeros([4, 2, 6]), x, x), ShapeError, /^MultiheadAttention\(embed_dim=8, num_heads=2\): expected query with 8 features in the last dimension, got shape \[2, 4, 6\]/],
    ['batch', () => mha.forward(x, zeros([4, 3, 8]), zeros([4, 3, 8])), ShapeError, /key and value must have the query's batch size and the same length/],
    ['dtype', () => mha.forward(zeros([4, 2, 8], f64), x, x), DTypeError, /^MultiheadAttention\(embed_dim=8, num_heads=2\) query: the input is float64 but the layer's parameters are float32/],
    ['2-d mask shape', () => mha.forward(x, x, x, { attnMask: zeros([4, 5], { dtype: 'bool' }) }), ShapeError, /the 2-d attnMask must have shape \[4, 4\] \(target length, source length\), got \[4, 5\]/],
    ['3-d mask shape', () => mha.forward(x, x, x, { attnMask: zeros([2, 4, 4]) }), ShapeError, /the 3-d attnMask must have shape \[4, 4, 4\] \(batch·numHeads, target length, source length\), got \[2, 4, 4\]/],
    ['mask dtype', () => mha.forward(x, x, x, { attnMask: zeros([4, 4], { dtype: 'int32' }) }), DTypeError, /attnMask must be bool \(true = masked\) or float32 like the layer/],
    ['padding dtype', () => mha.forward(x, x, x, { keyPaddingMask: zeros([2, 4], { dtype: 'int32' }) }), DTypeError, /keyPaddingMask must be bool \(true = ignore that key\) or float32 like the layer \(added to the scores\), got int32/],
    ['padding float dtype', () => mha.forward(x, x, x, { keyPaddingMask: zeros([2, 4], f64) }), DTypeError, /keyPaddingMask must be bool \(true = ignore that key\) or float32 like the layer \(added to the scores\), got float64/],
    ['float padding shape', () => mha.forward(x, x, x, { keyPaddingMask: zeros([2, 5]) }), ShapeError, /keyPaddingMask must have shape \[2, 4\] \(batch, source length\), got \[2, 5\]/],
    ['padding shape', () => mha.forward(x, x, x, { keyPaddingMask: zeros([4, 2], { dtype: 'bool' }) }), ShapeError, /keyPaddingMask must have shape \[2, 4\] \(batch, source length\), got \[4, 2\]/],
    ['mask and causal', () => mha.forward(x, x, x, { attnMask: zeros([4, 4]), isCausal: true }), TypeError, /pass either attnMask or isCausal, not both/],
    ['forward option', () => mha.forward(x, x, x, { need_weights: false } as never), TypeError, /unknown option "need_weights" \(did you mean needWeights\?\)/],
    ['addBiasKv type', () => new MultiheadAttention(8, 2, { addBiasKv: 1 as never }), TypeError, /^MultiheadAttention: addBiasKv must be true or false, got 1/],
    ['addZeroAttn type', () => new MultiheadAttention(8, 2, { addZeroAttn: 'yes' as never }), TypeError, /^MultiheadAttention: addZeroAttn must be true or false, got a string/],
    ['add_bias_kv spelling', () => new MultiheadAttention(8, 2, { add_bias_kv: true } as never), TypeError, /^MultiheadAttention: unknown option "add_bias_kv" \(did you mean addBiasKv\?\)/],
    ['add_zero_attn spelling', () => new MultiheadAttention(8, 2, { add_zero_attn: true } as never), TypeError, /^MultiheadAttention: unknown option "add_zero_attn" \(did you mean addZeroAttn\?\)/],
    // The masks cover the real keys only; the layer pads them for the appended ones.
    ['mask with the appended key', () => kvMha.forward(x, x, x, { attnMask: zeros([4, 6], { dtype: 'bool' }) }), ShapeError, /the 2-d attnMask must have shape \[4, 4\] \(target length, source length\), got \[4, 6\]/],
    ['padding with the appended key', () => kvMha.forward(x, x, x, { keyPaddingMask: zeros([2, 5], { dtype: 'bool' }) }), ShapeError, /keyPaddingMask must have shape \[2, 4\] \(batch, source length\), got \[2, 5\]/],
  ])('rejects %s', (_, run, cls, message) => {
    const before = Array.from(mha.in_proj_weight!.toTypedArray());
    expect(run).toThrow(cls);
    expect(run).toThrow(message);
    expect(Array.from(mha.in_proj_weight!.toTypedArray())).toEqual(before);
  });
});

describe('TransformerEncoder as a decoder-only model', () => {
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true, normFirst: true, dtype: 'float64', generator: new Generator(8) });
  const gpt = new TransformerEncoder(layer, 2, { norm: new LayerNorm(8, { dtype: 'float64' }) });

  it('copies the layer\'s weights into every layer, under PyTorch\'s names', () => {
    const sd = gpt.stateDict();
    expect([...sd.keys()].slice(0, 12)).toEqual([
      'layers.0.self_attn.in_proj_weight', 'layers.0.self_attn.in_proj_bias', 'layers.0.self_attn.out_proj.weight', 'layers.0.self_attn.out_proj.bias',
      'layers.0.linear1.weight', 'layers.0.linear1.bias', 'layers.0.linear2.weight', 'layers.0.linear2.bias',
      'layers.0.norm1.weight', 'layers.0.norm1.bias', 'layers.0.norm2.weight', 'layers.0.norm2.bias',
    ]);
    expect(sd.size).toBe(26);
    expect(Array.from(sd.get('layers.1.linear1.weight')!.toTypedArray())).toEqual(Array.from(layer.linear1.weight.toTypedArray()));
    expect(gpt.layers[0]!.linear1.weight).not.toBe(layer.linear1.weight);
  });

  it('with isCausal, position t does not depend on later positions (and does on earlier ones)', () => {
    const x = randn([2, 6, 8], { ...f64, generator: new Generator(10) }).requiresGrad_();
    // A weighted sum of position 2's features: their plain sum after the final LayerNorm (unit weight, zero
    // bias) is a constant, whose gradient is zero up to rounding, which would test nothing.
    const readout = randn([2, 1, 8], { ...f64, generator: new Generator(11) });
    const y = gpt.forward(x, { isCausal: true });
    const [g] = grad(sum(narrow(y, 1, 2, 1).mul(readout)), [x]);
    const perPosition = (g as Tensor).abs().sum([0, 2]).toArray() as number[];
    expect(perPosition.slice(3).every((v) => v === 0)).toBe(true);
    expect(perPosition.slice(0, 3).every((v) => v > 0)).toBe(true);
    // Without the mask every position feeds position 2.
    const [h] = grad(sum(narrow(gpt.forward(x), 1, 2, 1).mul(readout)), [x]);
    expect(((h as Tensor).abs().sum([0, 2]).toArray() as number[]).every((v) => v > 0)).toBe(true);
  });

  it.each<[string, () => unknown, new (...a: never[]) => Error, RegExp]>([
    ['activation', () => new TransformerEncoderLayer(8, 2, { activation: 'tanh' as never }), RangeError, /^TransformerEncoderLayer: activation must be 'relu' or 'gelu', got "tanh"/],
    ['heads', () => new TransformerEncoderLayer(8, 3), RangeError, /^MultiheadAttention: embedDim must be divisible by numHeads, got embedDim=8, numHeads=3/],
    ['snake_case', () => new TransformerEncoderLayer(8, 2, { dim_feedforward: 4 } as never), TypeError, /unknown option "dim_feedforward" \(did you mean dimFeedforward\?\)/],
    ['width', () => gpt.forward(zeros([2, 6, 4], f64)), ShapeError, /^TransformerEncoderLayer\(d_model=8, nhead=2\): expected src of shape \[batch, length, 8\] \(or \[length, 8\] unbatched\), got \[2, 6, 4\]/],
    ['numLayers', () => new TransformerEncoder(layer, 0), RangeError, /^TransformerEncoder: numLayers must be an integer ≥ 1, got 0/],
    ['layer', () => new TransformerEncoder({} as never, 2), TypeError, /^TransformerEncoder: encoderLayer must be a TransformerEncoderLayer/],
    ['mask option', () => gpt.forward(zeros([2, 6, 8], f64), { srcMask: null } as never), TypeError, /^TransformerEncoder: unknown option "srcMask"/],
  ])('rejects %s', (_, run, cls, message) => {
    expect(run).toThrow(cls);
    expect(run).toThrow(message);
  });
});
