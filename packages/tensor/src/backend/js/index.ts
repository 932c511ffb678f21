import type { Backend } from '../backend.js';
import { avgPool2d, avgPool2dBackward, col2im, im2col, maxPool2d } from './conv.js';
import { binary, copy, fill, unary, where } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { reduce, softmax } from './reduce.js';

/** The reference backend: plain loops over strided typed arrays, with contiguous fast paths. */
export const jsBackend: Backend = {
  name: 'js',
  copy, fill, unary, binary, where, reduce, softmax, matmul,
  im2col, col2im, maxPool2d, avgPool2d, avgPool2dBackward,
  gather, scatterAdd,
};
