import { ShapeError, fmtShape, maxPool2d, avgPool2d, type Tensor } from '@tensile/tensor';
import { adaptiveAvgPool2d, type AdaptiveSize } from '../functional.js';
import { Module } from '../module.js';
import { pyIntOrTuple, pyTuple } from '../repr.js';
import { checkInput, checkLayerOptions } from './common.js';

type Pair = number | readonly [number, number];

function check4d(label: string, x: Tensor): void {
  checkInput(label, x);
  if (x.ndim !== 4) {
    const hint = x.ndim === 3 ? '; add a batch dimension with unsqueeze(0)' : '';
    throw new ShapeError(`${label}: expected a 4-d input [N, C, H, W], got input of shape ${fmtShape(x.shape)}${hint}`);
  }
}

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  /** Implicit −∞ padding per side (at most half the kernel). Default 0. */
  padding?: Pair;
  dilation?: Pair;
  /** Round the output size up, keeping a partial last window that starts inside the input or its left padding. Default false. */
  ceilMode?: boolean;
}

/**
 * The maximum of each `kernelSize` window; the gradient goes to that maximum (PyTorch's `nn.MaxPool2d`).
 * @example new MaxPool2d(2).forward(randn([1, 6, 28, 28])) // [1, 6, 14, 14]
 */
export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;

  constructor(kernelSize: Pair, opts: MaxPool2dOptions = {}) {
    super();
    checkLayerOptions('MaxPool2d', opts, ['stride', 'padding', 'dilation', 'ceilMode']);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
  }

  forward(x: Tensor): Tensor {
    const label = `MaxPool2d(kernel_size=${pyIntOrTuple(this.kernelSize)})`;
    check4d(label, x);
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    const f = pyIntOrTuple;
    return `kernel_size=${f(this.kernelSize)}, stride=${f(this.stride)}, padding=${f(this.padding)}, dilation=${f(this.dilation)}, ceil_mode=${this.ceilMode}`;
  }
}

export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  /** Zero padding per side. Default 0. */
  padding?: Pair;
  /** Round the output size up, keeping a partial last window that starts inside the input or its left padding. Default false. */
  ceilMode?: boolean;
  /** Count the padded zeros in each window's divisor (default true, as PyTorch); false divides by the input elements only. */
  countIncludePad?: boolean;
  /** Divide every window's sum by this nonzero integer instead. */
  divisorOverride?: number | null;
}

/**
 * The mean of each `kernelSize` window, with PyTorch's divisor rules (`nn.AvgPool2d`).
 * @example new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }).forward(randn([1, 6, 28, 28])) // [1, 6, 14, 14]
 */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: Pair, opts: AvgPool2dOptions = {}) {
    super();
    checkLayerOptions('AvgPool2d', opts, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    this.divisorOverride = opts.divisorOverride ?? null;
  }

  forward(x: Tensor): Tensor {
    check4d(`AvgPool2d(kernel_size=${pyIntOrTuple(this.kernelSize)})`, x);
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    const f = pyIntOrTuple;
    return `kernel_size=${f(this.kernelSize)}, stride=${f(this.stride)}, padding=${f(this.padding)}`;
  }
}

/**
 * Average pooling to a fixed output size whatever the input size (`null` keeps a dim), with PyTorch's
 * window boundaries.
 * @example new AdaptiveAvgPool2d(1).forward(randn([8, 64, 7, 7])) // [8, 64, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
  }

  forward(x: Tensor): Tensor {
    const size = typeof this.outputSize === 'number' ? String(this.outputSize) : pyTuple(this.outputSize);
    check4d(`AdaptiveAvgPool2d(output_size=${size})`, x);
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${typeof this.outputSize === 'number' ? this.outputSize : pyTuple(this.outputSize)}`;
  }
}
