import type { Backend } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { kernels } from './instance.js';
import { makeMaxPool2d } from './conv.js';
import { makeElementwise } from './elementwise.js';
import { makeConv2d } from './conv2d.js';
import { MIN_PARALLEL_WORK, makeBmm, makeGemm, makeMatmul, type ExternalGemm } from './matmul.js';
import { makeElementwiseExpr } from './optim.js';
import { makeAllFinite } from './finite.js';
import { makeReduce } from './reduce.js';
import { makeCrossEntropy, makeSoftmax } from './softmax.js';
import { makeLstm } from './lstm.js';
import { MIN_RESIDENT_BYTES, type HeapStats } from './heap.js';

/**
 * The WebAssembly SIMD backend: the JS reference kernels with the hot ones replaced by wasm: a blocked GEMM
 * for float32/float64 matmul, conv2d and its two gradients with the columns kept in linear memory,
 * max pooling, sums, softmax, log-softmax and cross-entropy, an Adam-shaped elementwise expression in float32, the float32 LSTM cell, and
 * the elementwise ops on contiguous float runs (float32 gelu, sigmoid and tanh included). Each replacement falls back to the JS kernel for what it
 * does not cover (ints, small or oddly strided operands). Large products and convolutions run on worker
 * threads where available (threads.ts). Null where the engine lacks WebAssembly SIMD; then only the JS
 * backend is registered.
 */
/**
 * Which wasm build runs: `'relaxed-simd'` (fused multiply-add, where the engine has relaxed SIMD),
 * `'simd'` (separate multiply and add, the same results on every engine) or null (no WebAssembly SIMD: only
 * the JS backend). Pin `'simd'` with `globalThis.TENSILE_WASM_BUILD = 'simd'` before importing, or in Node
 * the environment variable `TENSILE_WASM_BUILD=simd`.
 */
export function wasmBuild(): 'relaxed-simd' | 'simd' | null {
  return kernels === null ? null : kernels.variant;
}

const wasmAllFinite = kernels === null ? null : makeAllFinite(kernels);

function makeWasmBackend(name: string, external?: ExternalGemm): Backend | null {
  if (kernels === null) return null;
  return {
    ...jsBackend,
    ...makeElementwise(kernels),
    ...makeLstm(kernels),
    name,
    matmul: makeMatmul(kernels, { external }),
    bmm: makeBmm(kernels, { external }),
    ...makeConv2d(kernels, makeGemm(kernels, MIN_PARALLEL_WORK, external)),
    maxPool2d: makeMaxPool2d(kernels),
    reduce: makeReduce(kernels),
    softmax: makeSoftmax(kernels),
    crossEntropy: makeCrossEntropy(kernels),
    elementwise: makeElementwiseExpr(kernels, wasmAllFinite!),
    allFinite: wasmAllFinite!,
    ...(kernels.heap === null ? {} : {
      alloc: kernels.heap.alloc.bind(kernels.heap),
      allocMinBytes: MIN_RESIDENT_BYTES,
      release: kernels.heap.release.bind(kernels.heap),
    }),
  };
}

export const wasmBackend: Backend | null = makeWasmBackend('wasm');

/**
 * A second wasm backend, named `name`, whose products (matmul, bmm and the convolutions' GEMMs) are offered
 * to `gemm` first, such as a native BLAS in Node (`@tensile/blas` registers one as `'blas'`). Everything
 * else is the wasm backend's: the same kernels, the same linear memory and tensor storage, so tensors pass
 * between the two freely. Null where the wasm kernels are unavailable. Register it with `registerBackend`.
 */
export function wasmBackendWithGemm(name: string, gemm: ExternalGemm): Backend | null {
  if (typeof name !== 'string' || name === '' || name === 'wasm' || name === 'js') {
    throw new TypeError(`wasmBackendWithGemm: the name must be a new backend name (not "wasm" or "js"), got ${JSON.stringify(name)}`);
  }
  if (typeof gemm?.run !== 'function') throw new TypeError('wasmBackendWithGemm: gemm must be an object with a run(f32, batch, m, n, k, a, b, c, threads) method');
  return makeWasmBackend(name, gemm);
}

/**
 * Where tensor storage in wasm memory stands (bytes): the memory's size, live and freed blocks, the most
 * ever live, the limit, and how blocks were freed. Null where tensors do not live in wasm memory (no
 * WebAssembly SIMD, or a page without cross-origin isolation, whose memory cannot be shared).
 */
export function wasmHeapStats(): HeapStats | null {
  return kernels?.heap?.report() ?? null;
}

/**
 * Sets the most bytes of tensor storage kept in wasm memory (default 128 MiB); returns the previous limit.
 * Tensors made outside backward and optimizer steps may take half of it. Past it, new tensors use ordinary
 * typed arrays (slower kernels, same results) until blocks are freed. The memory never shrinks, so this
 * bounds it.
 */
export function setWasmHeapLimit(bytes: number): number {
  if (!(Number.isSafeInteger(bytes) && bytes >= 0)) throw new RangeError(`setWasmHeapLimit: the limit must be a non-negative integer number of bytes, got ${String(bytes)}`);
  return kernels?.heap?.setLimit(bytes) ?? 0;
}
