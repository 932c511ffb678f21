import { ShapeError, fmtShape, ones, shapesEqual, zeros, type Tensor } from '@tensile/tensor';
import { layerNorm } from '../functional.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat, pyTuple } from '../repr.js';
import { boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';

export interface LayerNormOptions extends Omit<LayerOptions, 'generator'> {
  eps?: number;
  /** Learnable `weight` (ones) and `bias` (zeros) of the normalised shape. Default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the bias. Default true. */
  bias?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims (Ba et al., 2016), the same in train and eval.
 * @example new LayerNorm(512).forward(randn([8, 10, 512]))
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    checkLayerOptions('LayerNorm', opts, ['eps', 'elementwiseAffine', 'bias', 'dtype']);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new RangeError('LayerNorm: normalizedShape must have at least one dimension');
    shape.forEach((s) => checkSize('LayerNorm', 'normalizedShape', s));
    this.normalizedShape = shape;
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = boolOption('LayerNorm', 'elementwiseAffine', opts.elementwiseAffine, true);
    const bias = boolOption('LayerNorm', 'bias', opts.bias, true);
    const dtype = floatDtype('LayerNorm', opts.dtype);
    this.weight = this.elementwiseAffine ? new Parameter(ones(shape, { dtype })) : null;
    this.bias = this.elementwiseAffine && bias ? new Parameter(zeros(shape, { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    const label = `LayerNorm(${pyTuple(this.normalizedShape)})`;
    checkInput(label, x);
    const k = this.normalizedShape.length;
    if (x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), this.normalizedShape)) {
      throw new ShapeError(`${label}: expected the input's last ${k === 1 ? 'dimension' : `${k} dimensions`} to be ${fmtShape(this.normalizedShape)}, got input of shape ${fmtShape(x.shape)}`);
    }
    if (this.weight) checkInput(label, x, this.weight.dtype);
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine}`;
  }
}
