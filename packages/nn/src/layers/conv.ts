import { ShapeError, conv2d, fmtShape, zeros, type Tensor } from '@tensile/tensor';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyTuple } from '../repr.js';
import { LAYER_OPTION_KEYS, boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';

type Pair = number | readonly [number, number];

export interface Conv2dLayerOptions extends LayerOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none, the default) or 'same' (output size = input size; stride 1). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  /** Split the channels into this many independent convolutions. Default 1. */
  groups?: number;
  /** Add a learnable bias per output channel. Default true. */
  bias?: boolean;
}

function pair(name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((x) => !Number.isInteger(x) || x < min)) throw new RangeError(`Conv2d: ${name} must be integers ≥ ${min}, got ${JSON.stringify(v)}`);
  return p;
}

/**
 * 2-d convolution over `[N, inChannels, H, W]` (cross-correlation, as PyTorch). `weight`
 * `[out, in/groups, kh, kw]` is kaiming-uniform with a = √5 and `bias` U(±1/√fanIn), as PyTorch.
 * @example
 * const conv = new Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(randn([8, 1, 28, 28])); // [8, 32, 28, 28]
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions = {}) {
    super();
    checkLayerOptions('Conv2d', opts, ['stride', 'padding', 'dilation', 'groups', 'bias', ...LAYER_OPTION_KEYS]);
    this.inChannels = checkSize('Conv2d', 'inChannels', inChannels);
    this.outChannels = checkSize('Conv2d', 'outChannels', outChannels);
    this.kernelSize = pair('kernelSize', kernelSize, 1);
    this.stride = pair('stride', opts.stride ?? 1, 1);
    this.dilation = pair('dilation', opts.dilation ?? 1, 1);
    const padding = opts.padding ?? 0;
    this.padding = padding === 'same' || padding === 'valid' ? padding : pair('padding', padding, 0);
    this.groups = checkSize('Conv2d', 'groups', opts.groups ?? 1);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new RangeError(`Conv2d: inChannels (${inChannels}) and outChannels (${outChannels}) must both be divisible by groups (${this.groups})`);
    }
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new RangeError(`Conv2d: padding 'same' needs stride 1, got stride ${pyTuple(this.stride)}`);
    }
    const dtype = floatDtype('Conv2d', opts.dtype);
    const [kh, kw] = this.kernelSize;
    this.weight = new Parameter(zeros([outChannels, inChannels / this.groups, kh, kw], { dtype }));
    this.bias = !boolOption('Conv2d', 'bias', opts.bias, true) ? null : new Parameter(zeros([outChannels], { dtype }));
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator: opts.generator });
    const fanIn = (inChannels / this.groups) * kh * kw;
    if (this.bias) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), { generator: opts.generator });
  }

  private get label(): string {
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)})`;
  }

  forward(x: Tensor): Tensor {
    checkInput(this.label, x);
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      const hint = x.ndim === 3 && x.shape[0] === this.inChannels ? '; add a batch dimension with unsqueeze(0)' : '';
      throw new ShapeError(`${this.label}: expected an input [N, ${this.inChannels}, H, W], got input of shape ${fmtShape(x.shape)}${hint}`);
    }
    checkInput(this.label, x, this.weight.dtype);
    try {
      return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`${this.label}: ${e.message}`);
      throw e;
    }
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    return s;
  }
}
