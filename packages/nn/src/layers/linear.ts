import { ShapeError, fmtShape, zeros, type Tensor } from '@tensile/tensor';
import { affine } from '../affine.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { LAYER_OPTION_KEYS, boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';

export interface LinearOptions extends LayerOptions {
  /** Add a learnable bias. Default true. */
  bias?: boolean;
}

/**
 * y = x·Wᵀ + b over the last dimension. `weight` `[out, in]` is kaiming-uniform with a = √5 and `bias`
 * U(±1/√in), as PyTorch, so both start in U(±1/√in).
 * @example
 * const fc = new Linear(784, 128);
 * fc.forward(randn([32, 784])); // [32, 128]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkLayerOptions('Linear', opts, ['bias', ...LAYER_OPTION_KEYS]);
    this.inFeatures = checkSize('Linear', 'inFeatures', inFeatures, 0);
    this.outFeatures = checkSize('Linear', 'outFeatures', outFeatures, 0);
    const dtype = floatDtype('Linear', opts.dtype);
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = !boolOption('Linear', 'bias', opts.bias, true) ? null : new Parameter(zeros([outFeatures], { dtype }));
    if (inFeatures > 0) {
      kaimingUniform_(this.weight, { a: Math.sqrt(5), generator: opts.generator });
      if (this.bias) uniform_(this.bias, -1 / Math.sqrt(inFeatures), 1 / Math.sqrt(inFeatures), { generator: opts.generator });
    }
  }

  /** Checks the input once, naming this layer, then computes x·Wᵀ + b (no second check in `F.linear`). */
  forward(x: Tensor): Tensor {
    const label = `Linear(in_features=${this.inFeatures})`;
    checkInput(label, x);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`${label}: expected the last dimension of the input to be ${this.inFeatures}, got input of shape ${fmtShape(x.shape)}`);
    }
    checkInput(label, x, this.weight.dtype);
    return affine(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
