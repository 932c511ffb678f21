import type { Backend } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { kernels } from './instance.js';
import { makeCol2im, makeIm2col, makeMaxPool2d } from './conv.js';
import { makeElementwise } from './elementwise.js';
import { makeMatmul } from './matmul.js';
import { makeReduce } from './reduce.js';

/**
 * The WebAssembly SIMD backend: the JS reference kernels with the hot ones replaced by wasm: a blocked GEMM
 * for float32/float64 matmul (which conv2d and its gradients run on too), im2col/col2im, max pooling,
 * sums, and the cheap elementwise ops on contiguous float runs. Each replacement falls back to the JS
 * kernel for what it does not cover (ints, small or oddly strided operands). Null where the engine lacks
 * WebAssembly SIMD; then only the JS backend is registered.
 */
export const wasmBackend: Backend | null = kernels === null ? null : {
  ...jsBackend,
  ...makeElementwise(kernels),
  name: 'wasm',
  matmul: makeMatmul(kernels),
  im2col: makeIm2col(kernels),
  col2im: makeCol2im(kernels),
  maxPool2d: makeMaxPool2d(kernels),
  reduce: makeReduce(kernels),
};
