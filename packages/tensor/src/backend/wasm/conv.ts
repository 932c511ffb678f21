// The wasm backend's im2col/col2im (assembly/conv.ts) and max pooling (assembly/pool.ts). The column matrix is kh·kw times larger than the
// image, so the row-wise SIMD copies in wasm pay back the extra memcpy of the columns many times over.
import type { Conv2dGeometry, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { col2im as jsCol2im, im2col as jsIm2col, maxPool2d as jsMaxPool2d } from '../js/conv.js';
import type { WasmKernels } from './instance.js';
import { align, stage, stagedSize } from './stage.js';

/** Below this many column elements the JS kernels run. */
const MIN_COLS = 2048;

export const isFloat = (a: TypedArray): a is Float32Array | Float64Array => a instanceof Float32Array || a instanceof Float64Array;

/** The geometry after the sample count, in the kernels' argument order (assembly/conv.ts). */
export function geometryTail(g: Conv2dGeometry): number[] {
  return [g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow];
}

const geometryArgs = (g: Conv2dGeometry): number[] => [g.n, ...geometryTail(g)];

export function makeIm2col(k: WasmKernels, minCols = MIN_COLS): (x: View, g: Conv2dGeometry, out: TypedArray) => void {
  return function im2col(x, g, out) {
    const count = g.n * g.c * g.kh * g.kw * g.oh * g.ow;
    if (count < minCols || !isFloat(out) || x.data.constructor !== out.constructor) {
      jsIm2col(x, g, out);
      return;
    }
    const f32 = out instanceof Float32Array;
    const size = f32 ? 4 : 8;
    const xBytes = align(stagedSize(x) * size);
    if (!k.reserve(xBytes + count * size)) {
      jsIm2col(x, g, out);
      return;
    }
    const mem = f32 ? k.f32() : k.f64();
    const xAt = k.base;
    const colsAt = xAt + xBytes;
    const sx = stage(x, mem, xAt / size);
    (f32 ? k.exports.im2colF32 : k.exports.im2colF64)(sx.start * size, sx.strides[0]!, sx.strides[1]!, sx.strides[2]!, sx.strides[3]!, ...geometryArgs(g), colsAt);
    out.set(mem.subarray(colsAt / size, colsAt / size + count));
  };
}

export function makeCol2im(k: WasmKernels, minCols = MIN_COLS): (cols: TypedArray, g: Conv2dGeometry, out: TypedArray) => void {
  return function col2im(cols, g, out) {
    const count = g.n * g.c * g.kh * g.kw * g.oh * g.ow;
    if (count < minCols || !isFloat(out) || cols.constructor !== out.constructor) {
      jsCol2im(cols, g, out);
      return;
    }
    const f32 = out instanceof Float32Array;
    const size = f32 ? 4 : 8;
    const image = g.n * g.c * g.h * g.w;
    const colsBytes = align(count * size);
    if (!k.reserve(colsBytes + image * size)) {
      jsCol2im(cols, g, out);
      return;
    }
    const mem = f32 ? k.f32() : k.f64();
    const colsAt = k.base;
    const outAt = colsAt + colsBytes;
    mem.set(cols.subarray(0, count), colsAt / size);
    mem.set(out.subarray(0, image), outAt / size);
    (f32 ? k.exports.col2imF32 : k.exports.col2imF64)(colsAt, ...geometryArgs(g), outAt);
    out.set(mem.subarray(outAt / size, outAt / size + image));
  };
}

export function makeMaxPool2d(k: WasmKernels, minOut = 256): (x: View, g: Conv2dGeometry, out: TypedArray, indices: Int32Array) => void {
  return function maxPool2d(x, g, out, indices) {
    const count = g.n * g.c * g.oh * g.ow;
    if (count < minOut || !isFloat(out) || x.data.constructor !== out.constructor) {
      jsMaxPool2d(x, g, out, indices);
      return;
    }
    const f32 = out instanceof Float32Array;
    const size = f32 ? 4 : 8;
    const xBytes = align(stagedSize(x) * size);
    const outBytes = align(count * size);
    if (!k.reserve(xBytes + outBytes + count * 4)) {
      jsMaxPool2d(x, g, out, indices);
      return;
    }
    const mem = f32 ? k.f32() : k.f64();
    const xAt = k.base;
    const outAt = xAt + xBytes;
    const indicesAt = outAt + outBytes;
    const sx = stage(x, mem, xAt / size);
    (f32 ? k.exports.maxPoolF32 : k.exports.maxPoolF64)(sx.start * size, sx.strides[0]!, sx.strides[1]!, sx.strides[2]!, sx.strides[3]!, ...geometryArgs(g), outAt, indicesAt);
    out.set(mem.subarray(outAt / size, outAt / size + count));
    indices.set(k.i32().subarray(indicesAt / 4, indicesAt / 4 + count));
  };
}
