import {
  DTypeError, ShapeError, Tensor, add, cat, checkOptions, expand, fmtShape, narrow, pad, permute, reshape, shapesEqual, sum, transpose,
  unsqueeze, squeeze, zeros, type Generator,
} from '@tensile/tensor';
import { affine } from '../affine.js';
import { attend, causalBlocked, type AttentionMask } from '../attention.js';
import { xavierNormal_, xavierUniform_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat } from '../repr.js';
import { LAYER_OPTION_KEYS, boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';
import { Linear } from './linear.js';

export interface MultiheadAttentionOptions extends LayerOptions {
  /** Dropout probability on the attention weights in training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and outputs are `[batch, length, features]` (default false: `[length, batch, features]`, PyTorch's default). */
  batchFirst?: boolean;
  /** Features of `key` (default embedDim). */
  kdim?: number;
  /** Features of `value` (default embedDim). */
  vdim?: number;
  /**
   * Learn a bias `bias_k` and `bias_v` (each `[1, 1, embedDim]`) appended to the projected keys and values as
   * one more source position, which every query may attend to (default false).
   */
  addBiasKv?: boolean;
  /** Append an all-zero key and value (after the projections and any biasKv) that every query may attend to (default false). */
  addZeroAttn?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /**
   * `[N, S]` (`[S]` unbatched): bool, where true marks a key position to ignore (padding), or float like the
   * layer, added to the scores of every query and head (`-Infinity` ignores a key). A float one combines with
   * either kind of `attnMask` by adding, as in PyTorch 2 (1.13 reads a float padding mask as bool beside a bool
   * `attnMask` and refuses it beside a float one).
   */
  keyPaddingMask?: Tensor | null;
  /**
   * `[L, S]` or `[N·numHeads, L, S]`: bool with true = not allowed to attend (PyTorch 1.13's convention, the
   * opposite of `scaledDotProductAttention`'s), or float, added to the scores.
   */
  attnMask?: Tensor | null;
  /** Return the attention weights too (default true). */
  needWeights?: boolean;
  /** Average the weights over the heads (default true) rather than return them per head. */
  averageAttnWeights?: boolean;
  /** Attend only to positions j ≤ i: the causal mask, built here (pass it or attnMask, not both). */
  isCausal?: boolean;
}

/**
 * Multi-head attention (Vaswani et al., 2017), PyTorch's `nn.MultiheadAttention`: project query, key and value,
 * split `embedDim` into `numHeads` heads, attend in each (softmax(q·kᵀ/√headDim + mask)·v), concatenate and
 * project. `forward` returns `[output, weights | null]` as PyTorch 1.13: weights `[N, L, S]` averaged over the
 * heads or `[N, numHeads, L, S]`. Parameter names are PyTorch's (`in_proj_weight`, `in_proj_bias`,
 * `out_proj.weight`, `out_proj.bias`; `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim or vdim differ
 * from embedDim; `bias_k`, `bias_v` with addBiasKv), so a PyTorch state dict loads as it is. Init as PyTorch:
 * xavier-uniform projections, zero biases, xavier-normal `bias_k` and `bias_v`. addBiasKv and addZeroAttn each
 * append one source position after the projections (that order), and the masks are padded to match with
 * positions that are never masked, as PyTorch does: the weights are then `[…, L, S + 1]` or `[…, L, S + 2]`.
 * @example
 * const mha = new MultiheadAttention(64, 4, { batchFirst: true });
 * const [y, w] = mha.forward(x, x, x, { isCausal: true }); // x: [8, 16, 64] → y: [8, 16, 64], w: [8, 16, 16]
 */
export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?], [Tensor, Tensor | null]> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  readonly generator: Generator | undefined;
  // PyTorch's attribute names, so the state-dict keys are PyTorch's.
  in_proj_weight: Parameter | null = null;
  q_proj_weight: Parameter | null = null;
  k_proj_weight: Parameter | null = null;
  v_proj_weight: Parameter | null = null;
  in_proj_bias: Parameter | null = null;
  out_proj: Linear;
  bias_k: Parameter | null = null;
  bias_v: Parameter | null = null;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    const name = 'MultiheadAttention';
    checkLayerOptions(name, opts, ['dropout', 'bias', 'batchFirst', 'kdim', 'vdim', 'addBiasKv', 'addZeroAttn', ...LAYER_OPTION_KEYS]);
    this.embedDim = checkSize(name, 'embedDim', embedDim);
    this.numHeads = checkSize(name, 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) throw new RangeError(`${name}: embedDim must be divisible by numHeads, got embedDim=${embedDim}, numHeads=${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.kdim = opts.kdim === undefined ? embedDim : checkSize(name, 'kdim', opts.kdim);
    this.vdim = opts.vdim === undefined ? embedDim : checkSize(name, 'vdim', opts.vdim);
    const p = opts.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${name}: dropout must be a number in [0, 1], got ${String(p)}`);
    this.dropout = p;
    this.batchFirst = boolOption(name, 'batchFirst', opts.batchFirst, false);
    const bias = boolOption(name, 'bias', opts.bias, true);
    const addBiasKv = boolOption(name, 'addBiasKv', opts.addBiasKv, false);
    this.addZeroAttn = boolOption(name, 'addZeroAttn', opts.addZeroAttn, false);
    const dtype = floatDtype(name, opts.dtype);
    this.generator = opts.generator;
    const init = { generator: opts.generator };
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.in_proj_weight = xavierUniform_(new Parameter(zeros([3 * embedDim, embedDim], { dtype })), init) as Parameter;
    } else {
      this.q_proj_weight = xavierUniform_(new Parameter(zeros([embedDim, embedDim], { dtype })), init) as Parameter;
      this.k_proj_weight = xavierUniform_(new Parameter(zeros([embedDim, this.kdim], { dtype })), init) as Parameter;
      this.v_proj_weight = xavierUniform_(new Parameter(zeros([embedDim, this.vdim], { dtype })), init) as Parameter;
    }
    if (bias) this.in_proj_bias = new Parameter(zeros([3 * embedDim], { dtype }));
    this.out_proj = new Linear(embedDim, embedDim, { bias, dtype, generator: opts.generator });
    if (this.out_proj.bias) zeros_(this.out_proj.bias);
    if (addBiasKv) {
      this.bias_k = xavierNormal_(new Parameter(zeros([1, 1, embedDim], { dtype })), init) as Parameter;
      this.bias_v = xavierNormal_(new Parameter(zeros([1, 1, embedDim], { dtype })), init) as Parameter;
    }
  }

  /** How many source positions addBiasKv and addZeroAttn append (0, 1 or 2). */
  private get extraKeys(): number {
    return (this.bias_k !== null ? 1 : 0) + (this.addZeroAttn ? 1 : 0);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const label = `MultiheadAttention(embed_dim=${this.embedDim}, num_heads=${this.numHeads})`;
    checkOptions(label, opts, ['keyPaddingMask', 'attnMask', 'needWeights', 'averageAttnWeights', 'isCausal'],
      { key_padding_mask: 'keyPaddingMask', attn_mask: 'attnMask', need_weights: 'needWeights', average_attn_weights: 'averageAttnWeights', is_causal: 'isCausal' });
    const dtype = this.out_proj.weight.dtype;
    for (const [n, t] of [['query', query], ['key', key], ['value', value]] as const) {
      checkInput(`${label} ${n}`, t, dtype);
    }
    const batched = query.ndim === 3;
    if (!batched && query.ndim !== 2) {
      throw new ShapeError(`${label}: query must be 3-d (${this.batchFirst ? '[batch, length, features]' : '[length, batch, features]'}) or 2-d (unbatched), got shape ${fmtShape(query.shape)}`);
    }
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(`${label}: query, key and value must all be ${query.ndim}-d, got shapes ${fmtShape(query.shape)}, ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);
    }
    // Work in [N, L, E].
    const toBatchFirst = (t: Tensor): Tensor => (!batched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1));
    const q0 = toBatchFirst(query);
    const k0 = toBatchFirst(key);
    const v0 = toBatchFirst(value);
    const [n, l] = q0.shape as [number, number];
    const s = k0.shape[1]!;
    const dims: [string, Tensor, number][] = [['query', q0, this.embedDim], ['key', k0, this.kdim], ['value', v0, this.vdim]];
    for (const [what, t, d] of dims) {
      if (t.shape[2] !== d) throw new ShapeError(`${label}: expected ${what} with ${d} features in the last dimension, got shape ${fmtShape(t.shape)}`);
    }
    if (k0.shape[0] !== n || v0.shape[0] !== n || !shapesEqual(k0.shape.slice(0, 2), v0.shape.slice(0, 2))) {
      throw new ShapeError(`${label}: key and value must have the query's batch size and the same length, got query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`);
    }
    const mask = this.masks(label, opts, n, l, s, batched, dtype);
    const needWeights = boolOption(label, 'needWeights', opts.needWeights, true);
    const average = boolOption(label, 'averageAttnWeights', opts.averageAttnWeights, true);

    const [q, kp, vp] = this.project(q0, k0, v0);
    let k = kp;
    let v = vp;
    // addBiasKv, then addZeroAttn: one more key and value each, [N, 1, E], after the projections.
    const append = (t: Tensor, row: Tensor) => cat([t, expand(row, [n, 1, this.embedDim])], 1);
    if (this.bias_k !== null && this.bias_v !== null) {
      k = append(k, this.bias_k);
      v = append(v, this.bias_v);
    }
    if (this.addZeroAttn) {
      const z = zeros([1, 1, this.embedDim], { dtype });
      k = append(k, z);
      v = append(v, z);
    }
    const s2 = s + this.extraKeys;
    const heads = (t: Tensor, len: number) => permute(reshape(t, [n, len, this.numHeads, this.headDim]), [0, 2, 1, 3]);
    const [o, w] = attend(heads(q, l), heads(k, s2), heads(v, s2), 1 / Math.sqrt(this.headDim), mask, this.training ? this.dropout : 0, this.generator);
    let out = this.out_proj.forward(reshape(permute(o, [0, 2, 1, 3]), [n, l, this.embedDim]));
    out = !batched ? squeeze(out, 0) : this.batchFirst ? out : transpose(out, 0, 1);
    if (!needWeights) return [out, null];
    // PyTorch averages as a sum over the heads divided by their number.
    let weights = average ? sum(w, 1).div(this.numHeads) : w;
    if (!batched) weights = squeeze(weights, 0);
    return [out, weights];
  }

  /** q, k, v projected, each `[N, len, E]`. */
  private project(q0: Tensor, k0: Tensor, v0: Tensor): [Tensor, Tensor, Tensor] {
    const e = this.embedDim;
    const b = this.in_proj_bias;
    const bias = (i: number) => (b === null ? null : narrow(b, 0, i * e, e));
    const w = this.in_proj_weight;
    if (w !== null) {
      // Three products with slices of in_proj_weight, also for self-attention: one product sliced in three
      // would hand each slice's gradient back as a zero-filled tensor the size of all three (three
      // allocations and two sums of [N, L, 3E] per step); slicing the weight does that only at [3E, E].
      return [affine(q0, narrow(w, 0, 0, e), bias(0)), affine(k0, narrow(w, 0, e, e), bias(1)), affine(v0, narrow(w, 0, 2 * e, e), bias(2))];
    }
    return [affine(q0, this.q_proj_weight!, bias(0)), affine(k0, this.k_proj_weight!, bias(1)), affine(v0, this.v_proj_weight!, bias(2))];
  }

  /** The masks as blocked positions and an additive bias, shaped to broadcast against the scores `[N, H, L, S]`. */
  private masks(label: string, opts: MultiheadAttentionForwardOptions, n: number, l: number, s: number, batched: boolean, dtype: string): AttentionMask {
    const { keyPaddingMask = null, attnMask = null } = opts;
    const isCausal = boolOption(label, 'isCausal', opts.isCausal, false);
    const out: AttentionMask = {};
    if (attnMask !== null) {
      checkInput(`${label} attnMask`, attnMask);
      if (isCausal) throw new TypeError(`${label}: pass either attnMask or isCausal, not both; isCausal builds the causal mask itself`);
      if (attnMask.dtype !== 'bool' && attnMask.dtype !== dtype) {
        throw new DTypeError(`${label}: attnMask must be bool (true = masked) or ${dtype} like the layer (added to the scores), got ${attnMask.dtype}`);
      }
      const h = this.numHeads;
      let m: Tensor;
      if (attnMask.ndim === 2) {
        if (!shapesEqual(attnMask.shape, [l, s])) throw new ShapeError(`${label}: the 2-d attnMask must have shape [${l}, ${s}] (target length, source length), got ${fmtShape(attnMask.shape)}`);
        m = attnMask;
      } else if (attnMask.ndim === 3) {
        const want = [batched ? n * h : h, l, s];
        if (!shapesEqual(attnMask.shape, want)) {
          throw new ShapeError(`${label}: the 3-d attnMask must have shape ${fmtShape(want)} (${batched ? 'batch·numHeads' : 'numHeads'}, target length, source length), got ${fmtShape(attnMask.shape)}`);
        }
        m = reshape(attnMask, [n, h, l, s]);
      } else {
        throw new ShapeError(`${label}: attnMask must be 2-d [${l}, ${s}] or 3-d [${batched ? n * h : h}, ${l}, ${s}], got shape ${fmtShape(attnMask.shape)}`);
      }
      if (m.dtype === 'bool') out.blocked = m;
      else out.bias = m;
    } else if (isCausal) out.blocked = causalBlocked(l, s);
    if (keyPaddingMask !== null) {
      checkInput(`${label} keyPaddingMask`, keyPaddingMask);
      if (keyPaddingMask.dtype !== 'bool' && keyPaddingMask.dtype !== dtype) {
        throw new DTypeError(`${label}: keyPaddingMask must be bool (true = ignore that key) or ${dtype} like the layer (added to the scores), got ${keyPaddingMask.dtype}`);
      }
      const want = batched ? [n, s] : [s];
      if (!shapesEqual(keyPaddingMask.shape, want)) {
        throw new ShapeError(`${label}: keyPaddingMask must have shape ${fmtShape(want)} (${batched ? 'batch, ' : ''}source length), got ${fmtShape(keyPaddingMask.shape)}`);
      }
      const padding = reshape(keyPaddingMask, [n, 1, 1, s]);
      // bool + bool is a logical or. A float padding mask is added to the scores beside either kind of attnMask
      // (PyTorch 2's rule; 1.13 reads it as bool beside a bool attnMask and refuses it beside a float one).
      if (padding.dtype === 'bool') out.blocked = out.blocked ? add(out.blocked, padding) : padding;
      else out.bias = out.bias ? add(out.bias, padding) : padding;
    }
    // The appended keys (addBiasKv, addZeroAttn) are never masked: false and 0 columns at the end, as PyTorch pads.
    const extra = this.extraKeys;
    if (extra > 0) {
      if (out.blocked) out.blocked = padColumns(out.blocked, extra);
      if (out.bias) out.bias = padColumns(out.bias, extra);
    }
    return out;
  }

  override extraRepr(): string {
    const extras = `${this.bias_k !== null ? ', add_bias_kv=True' : ''}${this.addZeroAttn ? ', add_zero_attn=True' : ''}`;
    return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}, dropout=${pyFloat(this.dropout)}, batch_first=${this.batchFirst}${extras}`;
  }
}

/** `m` with `extra` columns of false (bool) or 0 appended along its last dimension. */
function padColumns(m: Tensor, extra: number): Tensor {
  return pad(m, [0, extra]);
}
