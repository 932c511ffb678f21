import type { Tensor } from '@tensile/tensor';
import { Module } from '../module.js';
import { checkInput } from './common.js';

/** Returns its input; a placeholder where an architecture has an optional layer. @example new Identity().forward(x) === x */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    checkInput('Identity', x);
    return x;
  }
}
