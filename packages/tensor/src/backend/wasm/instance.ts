// Loads the WebAssembly kernels once, at import. The bytes are embedded as base64 (binary.ts), so no path
// or fetch is involved and the same code runs in Node and in browsers. Instantiation is asynchronous and
// awaited at the top level: browsers refuse synchronous compilation of large modules on the main thread,
// and ES modules (Node ≥ 14.8, every current browser and bundler) wait for it before any importer runs.
import { RELAXED_SIMD_SHARED_WASM, RELAXED_SIMD_WASM, SIMD_SHARED_WASM, SIMD_WASM } from './binary.js';
import { Heap } from './heap.js';

/** `batch` products C = A·B of `[m, k]` by `[k, n]`; addresses in bytes, strides in elements (see assembly/gemm-f32.ts). */
export type MatmulExport = (
  batch: number, m: number, n: number, k: number,
  a: number, sab: number, sam: number, sak: number,
  b: number, sbb: number, sbk: number, sbn: number,
  c: number, sc: number, ldc: number, packA: number, packB: number,
) => void;

/** `rows` rows of n: out[r, i] = a[r·ars + i·aStep] op b[r·brs + i·bStep] (see assembly/elementwise.ts). */
export type BinaryExport = (
  op: number, rows: number, n: number, a: number, ars: number, aStep: number, b: number, brs: number, bStep: number, out: number,
) => void;

/** The exports of assembly/index.ts. Addresses are byte offsets into `memory`. */
export interface WasmExports {
  readonly memory: WebAssembly.Memory;
  readonly heapBase: () => number;
  readonly matmulF32: MatmulExport;
  readonly matmulF64: MatmulExport;
  readonly im2colF32: (x: number, ...stridesThenGeometryThenOut: number[]) => void;
  readonly im2colF64: (x: number, ...stridesThenGeometryThenOut: number[]) => void;
  readonly col2imF32: (cols: number, ...geometryThenOut: number[]) => void;
  readonly col2imF64: (cols: number, ...geometryThenOut: number[]) => void;
  /** Direct float32 convolution of samples [b0, b0 + nb) described by the i32 parameter block at `params` (assembly/conv-direct.ts). */
  readonly convDirectF32: (params: number, b0: number, nb: number, scratch: number) => void;
  readonly convDirectWgradF32: (params: number, b0: number, nb: number, scratch: number) => void;
  readonly convDirectScratch: (c: number, h: number, w: number, kh: number, kw: number, sw: number, ph: number, pw: number,
    oh: number, ow: number, m: number, wgrad: number) => number;
  readonly maxPoolF32: (x: number, ...stridesThenGeometryThenOutAndIndices: number[]) => void;
  readonly maxPoolF64: (x: number, ...stridesThenGeometryThenOutAndIndices: number[]) => void;
  readonly sumColsF32: (x: number, lead: number, nr: number, rs: number, ns: number, ss: number, out: number) => void;
  readonly sumColsF64: (x: number, lead: number, nr: number, rs: number, ns: number, ss: number, out: number) => void;
  readonly sumRowsF32: (x: number, lead: number, ls: number, nr: number, rs: number, n: number, out: number) => void;
  readonly sumRowsF64: (x: number, lead: number, ls: number, nr: number, rs: number, n: number, out: number) => void;
  readonly unaryF32: (op: number, x: number, out: number, n: number, p: number, q: number) => void;
  readonly unaryF64: (op: number, x: number, out: number, n: number, p: number, q: number) => void;
  readonly binaryF32: BinaryExport;
  readonly binaryF64: BinaryExport;
  readonly compareF32: BinaryExport;
  readonly compareF64: BinaryExport;
  readonly boolToF32: (src: number, out: number, n: number) => void;
  readonly boolToF64: (src: number, out: number, n: number) => void;
  /** Bitwise copy of `size`-byte elements (4 or 8) over dims n0…n3 with byte strides, between non-overlapping views. */
  readonly copyStrided: (size: number, n0: number, n1: number, n2: number, n3: number, s0: number, s1: number, s2: number, s3: number,
    d0: number, d1: number, d2: number, d3: number, src: number, dst: number) => void;
  /** Softmax (`log` 0) or log-softmax (`log` 1) of `rows` contiguous rows of n, `ls` elements apart, into contiguous `out`. */
  readonly softmaxF32: (x: number, rows: number, ls: number, n: number, out: number, log: number) => void;
  readonly softmaxF64: (x: number, rows: number, ls: number, n: number, out: number, log: number) => void;
  /** out[r] = log Σ exp(row r) − row r[target[r]], with int32 targets in [0, n). */
  readonly crossEntropyF32: (x: number, rows: number, ls: number, n: number, target: number, out: number) => void;
  readonly crossEntropyF64: (x: number, rows: number, ls: number, n: number, target: number, out: number) => void;
  readonly adamF32: (p: number, g: number, m: number, v: number, n: number, decay1: number, decay2: number, c1: number, c2: number,
    lrBc1: number, invSqrtBc2: number, eps: number, scale: number, wd: number) => void;
  /** 1 when the n values at x are all finite, else 0. */
  readonly allFiniteF32: (x: number, n: number) => number;
  readonly allFiniteF64: (x: number, n: number) => number;
  /** Float32 gelu (0), gelu's derivative (1), sigmoid (2) or tanh (3) of n values at x into out (see assembly/activation.ts). */
  readonly activationF32: (op: number, x: number, out: number, n: number) => void;
  /** LSTM's pointwise step in float32 (bias 0: none); hidden a multiple of 4. */
  readonly lstmCellF32: (xg: number, hg: number, bias: number, c: number, rows: number, hidden: number, acts: number, cOut: number, tanhC: number, h: number) => void;
  readonly lstmCellBackwardF32: (acts: number, c: number, tanhC: number, dh: number, dc: number, rows: number, hidden: number, dGates: number, dcPrev: number) => void;
  readonly F32_PACK_A: WebAssembly.Global;
  readonly F32_PACK_B: WebAssembly.Global;
  readonly F64_PACK_A: WebAssembly.Global;
  readonly F64_PACK_B: WebAssembly.Global;
}

/** The instantiated kernels plus a grow-only view of linear memory above the static data. */
export interface WasmKernels {
  readonly exports: WasmExports;
  /** Which build was loaded: fused multiply-add where the engine has relaxed SIMD. */
  readonly variant: 'relaxed-simd' | 'simd';
  /** The compiled module and, when `shared`, the shared memory that worker threads instantiate it over. */
  readonly module: WebAssembly.Module;
  readonly shared: boolean;
  /**
   * The kernels' scratch: `[base, base + bytes)` is theirs after `reserve(bytes)` (64-byte aligned). Read it
   * after `reserve`: with a heap, a larger reservation moves it.
   */
  readonly base: number;
  /** Makes `[base, base + bytes)` available; false when the engine refuses to grow the memory. */
  reserve(bytes: number): boolean;
  /** Tensor storage in this memory (heap.ts), where the memory is shared; null otherwise. */
  readonly heap: Heap | null;
  /** Typed views of the whole memory (recreated after memory grows). */
  f32(): Float32Array;
  f64(): Float64Array;
  u8(): Uint8Array;
  i32(): Int32Array;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

const PAGE = 65536;

/** The default limit on resident tensor storage (`setWasmHeapLimit`). */
export const DEFAULT_HEAP_LIMIT = 128 * 1024 * 1024;

function wrap(exports: WasmExports, variant: WasmKernels['variant'], module: WebAssembly.Module, shared: boolean): WasmKernels {
  const memory = exports.memory;
  const staticEnd = (exports.heapBase() + 63) & ~63;
  let f32 = new Float32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  let u8 = new Uint8Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  const refresh = () => {
    if (f32.buffer !== memory.buffer) {
      f32 = new Float32Array(memory.buffer);
      f64 = new Float64Array(memory.buffer);
      u8 = new Uint8Array(memory.buffer);
      i32 = new Int32Array(memory.buffer);
    }
  };
  // Shared memory never detaches its arrays, so tensors can live in it; the scratch is then a heap block
  // that is replaced by a larger one when a kernel asks for more. Private memory (a page without
  // cross-origin isolation) detaches every array when it grows: tensors stay in JS arrays, and the scratch
  // is everything above the static data.
  const heap = shared ? new Heap(memory, staticEnd, DEFAULT_HEAP_LIMIT) : null;
  let scratch = staticEnd;
  let scratchCap = 0;
  return {
    exports,
    variant,
    module,
    shared,
    heap,
    get base() {
      return scratch;
    },
    reserve(bytes) {
      if (heap !== null) {
        if (bytes > scratchCap) {
          const want = Math.max(bytes, scratchCap * 2, 1 << 16);
          const addr = heap.rawAlloc(want);
          if (addr < 0) return false;
          if (scratchCap > 0) heap.rawFree(scratch);
          scratch = addr;
          scratchCap = want;
        }
        refresh();
        return true;
      }
      const need = staticEnd + bytes;
      const have = memory.buffer.byteLength;
      if (need > have) {
        try {
          memory.grow(Math.ceil((need - have) / PAGE));
        } catch {
          return false;
        }
      }
      refresh();
      return true;
    },
    f32: () => (refresh(), f32),
    f64: () => (refresh(), f64),
    u8: () => (refresh(), u8),
    i32: () => (refresh(), i32),
  };
}

/** A shared memory for the threaded builds, or null where the page or engine does not allow one. */
function sharedMemory(): WebAssembly.Memory | null {
  // Browsers expose SharedArrayBuffer only to cross-origin-isolated pages; Node always has it.
  if (typeof SharedArrayBuffer !== 'function' || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return null;
  try {
    return new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true });
  } catch {
    return null;
  }
}

/** The builds a user may pin with `TENSILE_WASM_BUILD`, plus `auto` (the default: the best the engine runs). */
export const WASM_BUILDS = ['auto', 'relaxed-simd', 'simd'] as const;
export type WasmBuildChoice = (typeof WASM_BUILDS)[number];

/**
 * The build asked for: `globalThis.TENSILE_WASM_BUILD` set before the import, else (in Node) the environment
 * variable of that name, else `auto`. Pinning `simd` makes an engine with relaxed SIMD (Chromium) compute
 * exactly what one without it (Node 20) does. Unknown values throw, so a typo cannot silently change results.
 */
export function requestedBuild(): WasmBuildChoice {
  const g = globalThis as { TENSILE_WASM_BUILD?: unknown; process?: { env?: Record<string, string | undefined> } };
  const [raw, from] = g.TENSILE_WASM_BUILD !== undefined
    ? [g.TENSILE_WASM_BUILD, 'globalThis.TENSILE_WASM_BUILD']
    : [g.process?.env?.TENSILE_WASM_BUILD, 'the environment variable TENSILE_WASM_BUILD'];
  if (raw === undefined || raw === '') return 'auto';
  if (typeof raw === 'string' && (WASM_BUILDS as readonly string[]).includes(raw)) return raw as WasmBuildChoice;
  throw new Error(`@tensile/tensor: ${from} must be one of ${WASM_BUILDS.map((b) => `'${b}'`).join(', ')}, got ${typeof raw === 'string' ? `'${raw}'` : String(raw)}`);
}

/** The kernels, or null where WebAssembly or its SIMD extension is missing (or compilation is forbidden). */
async function load(): Promise<WasmKernels | null> {
  const want = requestedBuild();
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') return null;
  // Validating the real binaries is the exact feature test: an engine without relaxed SIMD rejects the
  // relaxed builds, one without threads the shared ones. Shared first: they allow worker threads.
  const memory = sharedMemory();
  const builds = [
    ...(memory ? [
      { variant: 'relaxed-simd' as const, base64: RELAXED_SIMD_SHARED_WASM, shared: true },
      { variant: 'simd' as const, base64: SIMD_SHARED_WASM, shared: true },
    ] : []),
    { variant: 'relaxed-simd' as const, base64: RELAXED_SIMD_WASM, shared: false },
    { variant: 'simd' as const, base64: SIMD_WASM, shared: false },
  ];
  for (const { variant, base64, shared } of builds) {
    if (want !== 'auto' && variant !== want) continue;
    try {
      const bytes = decode(base64);
      if (!WebAssembly.validate(bytes)) continue;
      const module = await WebAssembly.compile(bytes);
      const instance = await WebAssembly.instantiate(module, shared ? { env: { memory: memory! } } : {});
      return wrap(instance.exports as unknown as WasmExports, variant, module, shared);
    } catch {
      // e.g. a Content-Security-Policy without 'wasm-unsafe-eval': fall through, then to the JS backend.
    }
  }
  // A pinned build the engine cannot run is an error, not a silent fallback to other arithmetic.
  if (want === 'relaxed-simd') {
    throw new Error("@tensile/tensor: TENSILE_WASM_BUILD is 'relaxed-simd' but this engine does not run the relaxed-SIMD build"
      + ' (Node 20 needs --experimental-wasm-relaxed-simd)');
  }
  return null;
}

export const kernels: WasmKernels | null = await load();
