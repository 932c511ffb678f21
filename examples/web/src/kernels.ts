// Which build of the wasm kernels this engine runs. @tensile/tensor picks the relaxed-SIMD build (fused
// multiply-add) where the engine validates it and the plain SIMD build otherwise; the same validation of a
// one-instruction module (f32x4.relaxed_madd) tells which, for the page to show. The two builds round
// differently, so bit-identical runs need the same one in both places (the browser test pins plain SIMD).
const RELAXED_MADD = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128, v128, v128) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd(a, b, c)
]);

/** `"wasm relaxed SIMD"`, `"wasm SIMD"`, or `"none"` without WebAssembly. */
export function kernelBuild(backend: string): string {
  if (backend !== 'wasm') return backend;
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_MADD) ? 'wasm, relaxed SIMD (fused multiply-add)' : 'wasm, SIMD';
}
