// A WebGPU backend of the few kernels the seam test needs (elementwise binary and unary ops, fill, copy, in
// float32), to show that GPU buffers plug into Tensile's storage: tensors made while it is current live in
// GPU buffers (`GpuStorage`), its kernels are queued on the device's queue rather than run at once, and
// values come back only through `read` (a copy into a mapped buffer, awaited). It is a test fixture, not a
// backend to train with: any other kernel throws, naming itself.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Backend, DeviceStorage, DType, TypedArray, View } from '@tensile/tensor';

/** A tensor's storage on the GPU: a storage buffer of `length` float32 elements. */
export class GpuStorage implements DeviceStorage {
  readonly device = 'webgpu';
  constructor(readonly dtype: DType, readonly length: number, readonly buffer: any) {}
}

const RANK = 4;
// One shader for every kernel: out[o(i)] = f(a[a(i)], b[b(i)]) for i < n, where x(i) is the offset of the i-th
// element (row-major over `shape`) in x's strides. op < 8: binary; 8…15: unary of a; 16: copy a; 17: fill.
const SHADER = /* wgsl */ `
struct P { n: u32, op: u32, aOff: u32, bOff: u32, oOff: u32, value: f32, p1: u32, p2: u32,
  shape: vec4<u32>, aStr: vec4<u32>, bStr: vec4<u32>, oStr: vec4<u32> };
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.n) { return; }
  var rest = i; var ai = p.aOff; var bi = p.bOff; var oi = p.oOff;
  for (var d = 3i; d >= 0; d--) {
    let k = rest % p.shape[d]; rest = rest / p.shape[d];
    ai += k * p.aStr[d]; bi += k * p.bStr[d]; oi += k * p.oStr[d];
  }
  var r: f32;
  switch (p.op) {
    case 0u: { r = a[ai] + b[bi]; }
    case 1u: { r = a[ai] - b[bi]; }
    case 2u: { r = a[ai] * b[bi]; }
    case 3u: { r = a[ai] / b[bi]; }
    case 8u: { r = max(a[ai], 0.0); }
    case 9u: { r = -a[ai]; }
    case 16u: { r = a[ai]; }
    default: { r = p.value; }
  }
  o[oi] = r;
}`;

const BINARY: Record<string, number> = { add: 0, sub: 1, mul: 2, div: 3 };
const UNARY: Record<string, number> = { relu: 8, neg: 9 };

/** `shape`/`strides` padded in front to rank 4 (size 1, stride 0). */
function pad(xs: readonly number[], fill: number): number[] {
  if (xs.length > RANK) throw new Error(`webgpu test backend: rank ${xs.length} > ${RANK}`);
  return [...new Array<number>(RANK - xs.length).fill(fill), ...xs];
}

export async function webgpuBackend(): Promise<Backend<GpuStorage> & { readonly submitted: () => number }> {
  const gpu = (navigator as any).gpu;
  if (!gpu) throw new Error('no navigator.gpu');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice();
  const U = (globalThis as any).GPUBufferUsage;
  const M = (globalThis as any).GPUMapMode;
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' } });
  const dummy = device.createBuffer({ size: 4, usage: U.STORAGE });
  let submitted = 0;

  const buffer = (n: number) => device.createBuffer({ size: Math.max(4, n * 4), usage: U.STORAGE | U.COPY_SRC | U.COPY_DST });
  const check = (v: unknown, what: string): GpuStorage => {
    if (!(v instanceof GpuStorage)) throw new Error(`webgpu test backend: ${what} is not on the GPU`);
    if (v.dtype !== 'float32') throw new Error(`webgpu test backend: only float32, got ${v.dtype}`);
    return v;
  };
  /** Queues one pass of the shader; `a`, `b` may be absent (fill). */
  const run = (op: number, n: number, out: View<GpuStorage>, a?: View<GpuStorage>, b?: View<GpuStorage>, value = 0): void => {
    if (n === 0) return;
    const u = new ArrayBuffer(80);
    const w = new Uint32Array(u);
    w.set([n, op, a?.offset ?? 0, b?.offset ?? 0, out.offset]);
    new Float32Array(u, 20, 1)[0] = value;
    w.set(pad(out.shape, 1), 8);
    w.set(a ? pad(a.strides, 0) : [0, 0, 0, 0], 12);
    w.set(b ? pad(b.strides, 0) : [0, 0, 0, 0], 16);
    const uniform = device.createBuffer({ size: 96, usage: U.UNIFORM | U.COPY_DST });
    const words = new Uint32Array(24);
    words.set(w.subarray(0, 20));
    words.set(pad(out.strides, 0), 20);
    device.queue.writeBuffer(uniform, 0, words);
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: uniform } },
        { binding: 1, resource: { buffer: a ? check(a.storage, 'input').buffer : dummy } },
        { binding: 2, resource: { buffer: b ? check(b.storage, 'input').buffer : dummy } },
        { binding: 3, resource: { buffer: check(out.storage, 'output').buffer } },
      ],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    device.queue.submit([enc.finish()]);
    submitted++;
  };
  const numel = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
  const contiguous = (shape: readonly number[]) => shape.map((_, i) => numel(shape.slice(i + 1)));

  const missing = (name: string) => () => {
    throw new Error(`webgpu test backend: no ${name} kernel`);
  };
  const kernels = Object.fromEntries([
    'reduce', 'softmax', 'crossEntropy', 'matmul', 'bmm', 'conv2d', 'conv2dInputGrad', 'conv2dWeightGrad', 'maxPool2d', 'avgPool2d',
    'avgPool2dBackward', 'topk', 'gather', 'scatterAdd', 'elementwise', 'lstmCell', 'lstmCellBackward', 'allFinite', 'where',
  ].map((k) => [k, missing(k)])) as unknown as Backend<GpuStorage>;

  return {
    ...kernels,
    name: 'webgpu-test',
    device: 'webgpu',
    submitted: () => submitted,
    alloc: (dtype, size) => {
      if (dtype !== 'float32') throw new Error(`webgpu test backend: only float32, got ${dtype}`);
      return new GpuStorage(dtype, size, buffer(size)); // WebGPU zero-fills new buffers
    },
    release: (s) => {
      if (s instanceof GpuStorage) s.buffer.destroy();
    },
    upload: (src: TypedArray) => {
      if (!(src instanceof Float32Array)) throw new Error(`webgpu test backend: only float32, got ${src.constructor.name}`);
      const s = new GpuStorage('float32', src.length, buffer(src.length));
      device.queue.writeBuffer(s.buffer, 0, src);
      return s;
    },
    binary: (op, a, b, out) => {
      if (!(op in BINARY)) throw new Error(`webgpu test backend: no binary ${op}`);
      run(BINARY[op]!, numel(out.shape), out, a, b);
    },
    unary: (op, x, out) => {
      if (!(op in UNARY)) throw new Error(`webgpu test backend: no unary ${op}`);
      run(UNARY[op]!, numel(out.shape), out, x);
    },
    copy: (src, dst) => run(16, numel(dst.shape), dst, src),
    fill: (dst, value) => run(17, numel(dst.shape), dst, undefined, undefined, value),
    // Queued after every kernel issued before it: a contiguous copy, then into a buffer mapped for reading.
    read: async (x, out) => {
      const n = numel(x.shape);
      const tmp = new GpuStorage('float32', n, buffer(n));
      run(16, n, { storage: tmp, shape: x.shape, strides: contiguous(x.shape), offset: 0 }, x);
      const staging = device.createBuffer({ size: Math.max(4, n * 4), usage: U.MAP_READ | U.COPY_DST });
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(tmp.buffer, 0, staging, 0, Math.max(4, n * 4));
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(M.READ);
      (out as Float32Array).set(new Float32Array(staging.getMappedRange().slice(0, n * 4)));
      staging.unmap();
      staging.destroy();
      tmp.buffer.destroy();
    },
  };
}
