import type { Generator, Tensor } from '@tensile/tensor';
import { dropout } from '../functional.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';
import { checkInput, checkLayerOptions } from './common.js';

/**
 * In training, zeroes each element with probability `p` and scales the others by 1/(1 − p); in eval mode,
 * returns the input. The mask comes from `generator` (default: the one seeded by `manualSeed`).
 * @example
 * const drop = new Dropout(0.5, { generator: new Generator(1) });
 * drop.eval().forward(x) === x;
 */
export class Dropout extends Module {
  readonly generator: Generator | undefined;

  constructor(
    readonly p = 0.5,
    opts: { generator?: Generator } = {},
  ) {
    super();
    checkLayerOptions('Dropout', opts, ['generator']);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
    this.generator = opts.generator;
  }

  forward(x: Tensor): Tensor {
    checkInput(`Dropout(p=${pyFloat(this.p)})`, x);
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=false`;
  }
}
