import type { Tensor } from '@tensile/tensor';
import { flatten, unflatten } from '../functional.js';
import { Module } from '../module.js';
import { pyTuple } from '../repr.js';
import { checkInput } from './common.js';

/**
 * Flattens dims `startDim…endDim` into one; by default every dim but the batch dim.
 * @example new Flatten().forward(randn([32, 16, 5, 5])) // [32, 400]
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkInput('Flatten', x);
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `sizes` (the inverse of Flatten).
 * @example new Unflatten(1, [16, 5, 5]).forward(randn([32, 400])) // [32, 16, 5, 5]
 */
export class Unflatten extends Module {
  readonly sizes: readonly number[];

  constructor(
    readonly dim: number,
    sizes: readonly number[],
  ) {
    super();
    if (!Array.isArray(sizes) || sizes.length === 0) throw new TypeError(`Unflatten: sizes must be a non-empty array, got ${JSON.stringify(sizes)}`);
    this.sizes = [...sizes];
  }

  forward(x: Tensor): Tensor {
    checkInput('Unflatten', x);
    return unflatten(x, this.dim, this.sizes);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.sizes)}`;
  }
}
