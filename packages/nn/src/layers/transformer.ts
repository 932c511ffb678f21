import { ShapeError, fmtShape, relu, type DType, type Generator, type Tensor } from '@tensile/tensor';
import { gelu } from '../functional.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';
import { LAYER_OPTION_KEYS, boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { MultiheadAttention } from './multihead-attention.js';

export interface TransformerEncoderLayerOptions extends LayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward activation: 'relu' (default) or 'gelu' (exact). */
  activation?: 'relu' | 'gelu';
  /** LayerNorm's eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are `[batch, length, dModel]` (default false: `[length, batch, dModel]`). */
  batchFirst?: boolean;
  /** Pre-norm: x + block(norm(x)) (default false: post-norm, norm(x + block(x)), the original paper's). */
  normFirst?: boolean;
  /** Biases in the linear layers and the attention (default true; LayerNorm keeps its own). */
  bias?: boolean;
}

export interface TransformerEncoderLayerForwardOptions {
  /** The attention mask, as `MultiheadAttention`'s `attnMask` (bool true = masked, or float added). */
  srcMask?: Tensor | null;
  /** `[N, S]`: bool, true marks padding to ignore, or float added to the scores (as `MultiheadAttention`'s `keyPaddingMask`). */
  srcKeyPaddingMask?: Tensor | null;
  /** Attend only to earlier positions (the causal mask, built here; not together with srcMask). */
  isCausal?: boolean;
}

/**
 * One transformer encoder block, PyTorch's `nn.TransformerEncoderLayer`: self-attention and a feed-forward
 * block (linear1 → activation → dropout → linear2), each with dropout, a residual connection and a LayerNorm,
 * post-norm by default or pre-norm (`normFirst`). The parameter names are PyTorch's (`self_attn.in_proj_weight`,
 * `linear1.weight`, `norm1.weight`, …). With `isCausal` it is a decoder-only (GPT-style) block.
 * @example
 * const block = new TransformerEncoderLayer(128, 4, { dimFeedforward: 512, batchFirst: true, normFirst: true });
 * block.forward(x, { isCausal: true }) // x: [32, 16, 128]
 */
export class TransformerEncoderLayer extends Module<[Tensor, TransformerEncoderLayerForwardOptions?]> {
  readonly dModel: number;
  readonly nhead: number;
  /** The options this layer was built with (TransformerEncoder builds its copies from them). */
  readonly options: Readonly<Required<Omit<TransformerEncoderLayerOptions, 'generator'>>> & { generator?: Generator };
  // PyTorch's attribute names and order.
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;

  constructor(dModel: number, nhead: number, opts: TransformerEncoderLayerOptions = {}) {
    super();
    const name = 'TransformerEncoderLayer';
    checkLayerOptions(name, opts, ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'bias', ...LAYER_OPTION_KEYS]);
    this.dModel = checkSize(name, 'dModel', dModel);
    this.nhead = checkSize(name, 'nhead', nhead);
    const dimFeedforward = checkSize(name, 'dimFeedforward', opts.dimFeedforward ?? 2048);
    const p = opts.dropout ?? 0.1;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${name}: dropout must be a number in [0, 1], got ${String(p)}`);
    const activation = opts.activation ?? 'relu';
    if (activation !== 'relu' && activation !== 'gelu') throw new RangeError(`${name}: activation must be 'relu' or 'gelu', got ${JSON.stringify(activation)}`);
    const layerNormEps = opts.layerNormEps ?? 1e-5;
    if (typeof layerNormEps !== 'number' || !(layerNormEps > 0)) throw new RangeError(`${name}: layerNormEps must be a positive number, got ${String(layerNormEps)}`);
    const batchFirst = boolOption(name, 'batchFirst', opts.batchFirst, false);
    const normFirst = boolOption(name, 'normFirst', opts.normFirst, false);
    const bias = boolOption(name, 'bias', opts.bias, true);
    const dtype: DType = floatDtype(name, opts.dtype);
    const generator = opts.generator;
    this.options = { dimFeedforward, dropout: p, activation, layerNormEps, batchFirst, normFirst, bias, dtype, ...(generator ? { generator } : {}) };
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst, dtype, generator });
    this.linear1 = new Linear(dModel, dimFeedforward, { bias, dtype, generator });
    this.dropout = new Dropout(p, { generator });
    this.linear2 = new Linear(dimFeedforward, dModel, { bias, dtype, generator });
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.dropout1 = new Dropout(p, { generator });
    this.dropout2 = new Dropout(p, { generator });
  }

  forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const label = `TransformerEncoderLayer(d_model=${this.dModel}, nhead=${this.nhead})`;
    checkLayerOptions(label, opts, ['srcMask', 'srcKeyPaddingMask', 'isCausal']);
    checkInput(label, src, this.linear1.weight.dtype);
    if ((src.ndim !== 3 && src.ndim !== 2) || src.shape[src.ndim - 1] !== this.dModel) {
      throw new ShapeError(`${label}: expected src of shape ${this.options.batchFirst ? '[batch, length' : '[length, batch'}, ${this.dModel}] (or [length, ${this.dModel}] unbatched), got ${fmtShape(src.shape)}`);
    }
    const attn = { attnMask: opts.srcMask ?? null, keyPaddingMask: opts.srcKeyPaddingMask ?? null, isCausal: opts.isCausal ?? false };
    let x = src;
    if (this.options.normFirst) {
      x = x.add(this.selfAttentionBlock(this.norm1.forward(x), attn));
      x = x.add(this.feedForwardBlock(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this.selfAttentionBlock(x, attn)));
      x = this.norm2.forward(x.add(this.feedForwardBlock(x)));
    }
    return x;
  }

  private selfAttentionBlock(x: Tensor, attn: { attnMask: Tensor | null; keyPaddingMask: Tensor | null; isCausal: boolean }): Tensor {
    return this.dropout1.forward(this.self_attn.forward(x, x, x, { ...attn, needWeights: false })[0]);
  }

  private feedForwardBlock(x: Tensor): Tensor {
    const h = this.linear1.forward(x);
    const a = this.options.activation === 'gelu' ? gelu(h) : relu(h);
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(a)));
  }

  override extraRepr(): string {
    const o = this.options;
    return `d_model=${this.dModel}, nhead=${this.nhead}, dim_feedforward=${o.dimFeedforward}, dropout=${pyFloat(o.dropout)}, activation=${o.activation}, norm_first=${o.normFirst}`;
  }
}

export interface TransformerEncoderOptions {
  /** A final normalisation after the last layer (PyTorch's `norm`; default none). */
  norm?: LayerNorm | null;
}

export interface TransformerEncoderForwardOptions {
  /** The attention mask for every layer (bool true = masked, or float added). */
  mask?: Tensor | null;
  /** `[N, S]`: bool, true marks padding to ignore, or float added to the scores (as `MultiheadAttention`'s `keyPaddingMask`). */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention in every layer: a decoder-only model. */
  isCausal?: boolean;
}

/**
 * A stack of `numLayers` copies of `encoderLayer` and an optional final norm, PyTorch's `nn.TransformerEncoder`.
 * As PyTorch deep-copies the layer, every copy starts with `encoderLayer`'s weights and options (the layer
 * itself is not part of the stack). Parameters are named `layers.0.self_attn.in_proj_weight`, …, `norm.weight`.
 * @example
 * const layer = new TransformerEncoderLayer(128, 4, { dimFeedforward: 512, batchFirst: true, normFirst: true });
 * const gpt = new TransformerEncoder(layer, 4, { norm: new LayerNorm(128) });
 * gpt.forward(x, { isCausal: true })
 */
export class TransformerEncoder extends Module<[Tensor, TransformerEncoderForwardOptions?]> {
  readonly numLayers: number;
  layers: TransformerEncoderLayer[];
  norm: LayerNorm | null;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts: TransformerEncoderOptions = {}) {
    super();
    const name = 'TransformerEncoder';
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new TypeError(`${name}: encoderLayer must be a TransformerEncoderLayer`);
    checkLayerOptions(name, opts, ['norm']);
    this.numLayers = checkSize(name, 'numLayers', numLayers);
    const norm = opts.norm ?? null;
    if (norm !== null && !(norm instanceof LayerNorm)) throw new TypeError(`${name}: norm must be a LayerNorm or null`);
    const weights = encoderLayer.stateDict();
    this.layers = Array.from({ length: numLayers }, () => {
      const copy = new TransformerEncoderLayer(encoderLayer.dModel, encoderLayer.nhead, encoderLayer.options);
      copy.loadStateDict(weights);
      if (!encoderLayer.training) copy.eval();
      return copy;
    });
    this.norm = norm;
  }

  forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}): Tensor {
    checkLayerOptions('TransformerEncoder', opts, ['mask', 'srcKeyPaddingMask', 'isCausal']);
    let x = src;
    for (const layer of this.layers) {
      x = layer.forward(x, { srcMask: opts.mask ?? null, srcKeyPaddingMask: opts.srcKeyPaddingMask ?? null, isCausal: opts.isCausal ?? false });
    }
    return this.norm === null ? x : this.norm.forward(x);
  }
}
