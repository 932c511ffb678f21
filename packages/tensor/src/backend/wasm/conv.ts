// The wasm backend's max pooling (assembly/pool.ts), and the geometry helpers that it and the fused conv
// kernels (conv2d.ts, on assembly/conv.ts's im2col/col2im) share.
import type { Conv2dGeometry, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { maxPool2d as jsMaxPool2d } from '../js/conv.js';
import type { WasmKernels } from './instance.js';
import { align, stage, stagedSize, isResident, residentView } from './stage.js';

export const isFloat = (a: TypedArray): a is Float32Array | Float64Array => a instanceof Float32Array || a instanceof Float64Array;

/** The geometry after the sample count, in the kernels' argument order (assembly/conv.ts). */
export function geometryTail(g: Conv2dGeometry): number[] {
  return [g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow];
}

const geometryArgs = (g: Conv2dGeometry): number[] => [g.n, ...geometryTail(g)];

export function makeMaxPool2d(k: WasmKernels, minOut = 256): (x: View, g: Conv2dGeometry, out: TypedArray, indices: Int32Array) => void {
  return function maxPool2d(x, g, out, indices) {
    const count = g.n * g.c * g.oh * g.ow;
    if (count < minOut || !isFloat(out) || x.storage.constructor !== out.constructor) {
      jsMaxPool2d(x, g, out, indices);
      return;
    }
    const f32 = out instanceof Float32Array;
    const size = f32 ? 4 : 8;
    const xIn = isResident(k, x.storage);
    const xBytes = xIn ? 0 : align(stagedSize(x) * size);
    const outBytes = align(count * size);
    if (!k.reserve(xBytes + outBytes + count * 4)) {
      jsMaxPool2d(x, g, out, indices);
      return;
    }
    const mem = f32 ? k.f32() : k.f64();
    const xAt = k.base;
    const outAt = xAt + xBytes;
    const indicesAt = outAt + outBytes;
    const sx = xIn ? residentView(x, size) : stage(x, mem, xAt / size);
    (f32 ? k.exports.maxPoolF32 : k.exports.maxPoolF64)(sx.start * size, sx.strides[0]!, sx.strides[1]!, sx.strides[2]!, sx.strides[3]!, ...geometryArgs(g), outAt, indicesAt);
    out.set(mem.subarray(outAt / size, outAt / size + count));
    indices.set(k.i32().subarray(indicesAt / 4, indicesAt / 4 + count));
  };
}
