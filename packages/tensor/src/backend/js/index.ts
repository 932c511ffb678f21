import type { Backend } from '../backend.js';
import { avgPool2d, avgPool2dBackward, maxPool2d } from './conv.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './conv2d.js';
import { binary, copy, fill, unary, where } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { crossEntropy } from './loss.js';
import { bmm, matmul } from './matmul.js';
import { elementwiseChecked as elementwise } from './expr.js';
import { topk } from './sort.js';
import { lstmCell, lstmCellBackward } from './lstm.js';
import { allFinite } from './finite.js';
import { reduce, softmax } from './reduce.js';

/** The reference backend: plain loops over strided typed arrays, with contiguous fast paths. */
export const jsBackend: Backend = {
  name: 'js',
  copy, fill, unary, binary, where, reduce, softmax, crossEntropy, matmul, bmm,
  conv2d, conv2dInputGrad, conv2dWeightGrad, maxPool2d, avgPool2d, avgPool2dBackward,
  gather, scatterAdd, elementwise, topk, allFinite,
  lstmCell, lstmCellBackward,
};
