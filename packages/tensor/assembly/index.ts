// The WebAssembly kernels of @tensile/tensor's 'wasm' backend (AssemblyScript, compiled by
// scripts/build-wasm.mjs into src/backend/wasm/binary.ts). Every function works on raw linear memory that
// the JS side lays out; nothing here allocates.
export { matmulF32, F32_PACK_A, F32_PACK_B } from './gemm-f32';
export { matmulF64, F64_PACK_A, F64_PACK_B } from './gemm-f64';
export { im2colF32, im2colF64, col2imF32, col2imF64 } from './conv';
export { convDirectF32, convDirectWgradF32, convDirectScratch } from './conv-direct';
export { maxPoolF32, maxPoolF64 } from './pool';
export { sumColsF32, sumColsF64, sumRowsF32, sumRowsF64 } from './reduce';
export { unaryF32, unaryF64, binaryF32, binaryF64, compareF32, compareF64, boolToF32, boolToF64 } from './elementwise';
export { softmaxF32, softmaxF64, crossEntropyF32, crossEntropyF64 } from './softmax';
export { adamF32 } from './optim';
export { allFiniteF32, allFiniteF64 } from './finite';
export { copyStrided } from './copy';
export { activationF32, lstmCellF32, lstmCellBackwardF32 } from './activation';

/** First free byte after static data: the JS side manages memory from here up. */
export function heapBase(): usize {
  return __heap_base;
}
