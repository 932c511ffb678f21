import { ShapeError, fmtShape, ones, zeros, type Tensor } from '@tensile/tensor';
import { batchNorm } from '../functional.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat } from '../repr.js';
import { boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';

export interface BatchNormOptions extends Omit<LayerOptions, 'generator'> {
  eps?: number;
  /** Running-stat update weight; `null` averages all batches seen (cumulative moving average). Default 0.1. */
  momentum?: number | null;
  /** Learnable per-channel `weight` (ones) and `bias` (zeros). Default true. */
  affine?: boolean;
  /** Keep the `running_mean`/`running_var` buffers (fields `runningMean`/`runningVar`) and use them in eval mode. Default true. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over the channel dim 1 (Ioffe & Szegedy, 2015), shared by BatchNorm1d and
 * BatchNorm2d. Training normalises with the batch's mean and biased variance and moves the running
 * stats towards the batch's mean and unbiased variance; eval mode normalises with the running stats.
 */
export abstract class BatchNormBase extends Module {
  /** PyTorch's state-dict names for the buffers (`1.running_mean`, …). */
  static override readonly stateNames = { runningMean: 'running_mean', runningVar: 'running_var', numBatchesTracked: 'num_batches_tracked' };

  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  /**
   * Batches seen in training, saved as `num_batches_tracked`: int32 here (I32 in a safetensors file),
   * int64 in PyTorch, whose `load_state_dict` copies it across dtypes; an I64 file value reads as int32.
   */
  numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    const name = new.target.name;
    checkLayerOptions(name, opts, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype']);
    this.numFeatures = checkSize(name, 'numFeatures', numFeatures);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps > 0)) throw new RangeError(`${name}: eps must be positive, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`${name}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    this.affine = boolOption(name, 'affine', opts.affine, true);
    this.trackRunningStats = boolOption(name, 'trackRunningStats', opts.trackRunningStats, true);
    const dtype = floatDtype(name, opts.dtype);
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    this.runningMean = this.trackRunningStats ? zeros([numFeatures], { dtype }) : null;
    this.runningVar = this.trackRunningStats ? ones([numFeatures], { dtype }) : null;
    this.numBatchesTracked = this.trackRunningStats ? zeros([], { dtype: 'int32' }) : null;
  }

  /** The input ranks this layer accepts, e.g. `[4]`, and how to describe them. */
  protected abstract readonly ranks: readonly number[];
  protected abstract readonly layout: string;

  forward(x: Tensor): Tensor {
    const label = `${this.constructor.name}(${this.numFeatures})`;
    checkInput(label, x);
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${label}: expected an input ${this.layout.replaceAll('C', String(this.numFeatures))}, got input of shape ${fmtShape(x.shape)}`);
    }
    const dtype = (this.weight ?? this.runningMean)?.dtype;
    checkInput(label, x, dtype);
    const tracking = this.training && this.numBatchesTracked !== null;
    // momentum null: the cumulative average, weight 1/(batches seen including this one).
    const momentum = this.momentum ?? (tracking ? 1 / (this.numBatchesTracked!.item() + 1) : 0);
    const useRunning = !this.training || this.trackRunningStats;
    const y = batchNorm(x, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: this.training || this.runningMean === null,
      momentum,
      eps: this.eps,
    });
    // Counted only once the batch went through, so a rejected input changes nothing.
    if (tracking) this.numBatchesTracked!.add_(1);
    return y;
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? 'null' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` inputs.
 * @example new BatchNorm1d(128).forward(randn([32, 128]))
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
  protected readonly layout = '[N, C] or [N, C, L]';
}

/**
 * Batch normalisation of `[N, C, H, W]` inputs, per channel.
 * @example new BatchNorm2d(32).forward(randn([8, 32, 14, 14]))
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
  protected readonly layout = '[N, C, H, W]';
}
