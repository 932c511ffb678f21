// @tensile/blas (Node only): a backend named 'blas' that is Tensile's wasm backend with its matrix products
// (matmul, bmm, and the GEMMs inside conv2d and its gradients) computed by a native CBLAS library, OpenBLAS
// where it is installed, in wasm linear memory in place: no copy in or out. Everything else (elementwise
// ops, reductions, softmax, the optimizers' fused updates) is the wasm backend's, with the same tensor
// storage, so tensors move between 'wasm' and 'blas' freely.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getBackend, listBackends, registerBackend, setBackend, wasmBackendWithGemm, type AnyBackend, type ExternalGemm } from '@tensile/tensor';
import { blasOperand } from './layout.js';

export { blasOperand, type BlasOperand } from './layout.js';

/** The backend's name in Tensile's registry (`setBackend('blas')`). */
export const BLAS_BACKEND = 'blas';

/** What was loaded. */
export interface BlasInfo {
  /** The library file or name that was opened. */
  readonly library: string;
  /** OpenBLAS's build description (`openblas_get_config`), or null for another CBLAS. */
  readonly config: string | null;
  /** The CPU kernel OpenBLAS chose (`openblas_get_corename`), or null for another CBLAS. */
  readonly coreName: string | null;
}

export interface UseBlasOptions {
  /** The CBLAS shared library to open (a path or a name the loader finds). Default: `TENSILE_BLAS_LIBRARY`, else OpenBLAS's usual names. */
  readonly library?: string;
  /** Make 'blas' the current backend (default true); false only registers it. */
  readonly activate?: boolean;
}

/** The native module or the library could not be loaded; the message says which and why. */
export class BlasUnavailableError extends Error {
  override name = 'BlasUnavailableError';
}

interface Native {
  open(path: string): string | null;
  info(): { config: string | null; coreName: string | null };
  gemm(f32: boolean, batch: number, m: number, n: number, k: number,
    a: Float32Array | Float64Array, aOffset: number, sab: number, transA: boolean, lda: number,
    b: Float32Array | Float64Array, bOffset: number, sbb: number, transB: boolean, ldb: number,
    c: Float32Array | Float64Array, cOffset: number, sc: number, ldc: number, threads: number): void;
}

/** OpenBLAS's names on Linux (Debian's libopenblas0) and macOS (Homebrew), then a generic CBLAS. */
const DEFAULT_LIBRARIES = ['libopenblas.so.0', 'libopenblas.so', 'libopenblas.0.dylib', 'libopenblas.dylib', 'libcblas.so.3', 'libblas.so.3'];

let native: Native | null = null;
let loaded: BlasInfo | null = null;

/** The compiled module: beside this file in dist/, or in dist/ from the sources (tests). */
function loadNative(): Native {
  if (native) return native;
  const candidates = ['./tensile_blas.node', '../dist/tensile_blas.node'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    throw new BlasUnavailableError(`@tensile/blas: the native module was not built (looked for ${candidates.join(', ')}); run the package's build, which needs a C compiler and Node's headers`);
  }
  native = createRequire(import.meta.url)(path) as Native;
  return native;
}

/**
 * Loads the native module and opens a CBLAS library (once; later calls return what was loaded, and a
 * different `library` is an error). Throws BlasUnavailableError naming every library tried.
 */
export function loadBlas(library?: string): BlasInfo {
  if (library !== undefined && (typeof library !== 'string' || library === '')) throw new TypeError(`loadBlas: library must be a non-empty string, got ${JSON.stringify(library)}`);
  const wanted = library ?? process.env.TENSILE_BLAS_LIBRARY;
  if (loaded) {
    if (wanted !== undefined && wanted !== loaded.library) throw new Error(`loadBlas: ${loaded.library} is already loaded; cannot switch to ${wanted} in one process`);
    return loaded;
  }
  const n = loadNative();
  const tried: string[] = [];
  for (const lib of wanted !== undefined ? [wanted] : DEFAULT_LIBRARIES) {
    const error = n.open(lib);
    if (error === null) {
      loaded = { library: lib, ...n.info() };
      return loaded;
    }
    tried.push(`${lib}: ${error}`);
  }
  throw new BlasUnavailableError(`@tensile/blas: no CBLAS library could be opened (on Debian: apt-get install libopenblas0-pthread). Tried:\n  ${tried.join('\n  ')}`);
}

/** Whether the library loads here, and if not why: for code that uses 'blas' when it can. */
export function blasAvailable(): { available: true; info: BlasInfo } | { available: false; reason: string } {
  try {
    return { available: true, info: loadBlas() };
  } catch (e) {
    if (e instanceof BlasUnavailableError) return { available: false, reason: e.message };
    throw e;
  }
}

const stats = { calls: 0, declined: 0 };

/**
 * Products the wasm backend offered to the library since the process started: `calls` ran in it,
 * `declined` had an operand BLAS cannot address (a stride-0 broadcast inside a matrix, say) and ran in the
 * wasm kernel. Products too small or of integer dtype are never offered (they run in JS, as on 'wasm').
 */
export function blasStats(): { calls: number; declined: number } {
  return { ...stats };
}

/** The ExternalGemm that hands a product to the library when both operands have a BLAS layout. */
function externalGemm(n: Native): ExternalGemm {
  return {
    run(f32, batch, m, nn, k, a, b, c, threads) {
      const A = blasOperand(m, k, a.strides[1], a.strides[2]);
      const B = blasOperand(k, nn, b.strides[1], b.strides[2]);
      if (A === null || B === null || c.strides[2] !== 1 || c.strides[1] < Math.max(nn, 1)) {
        stats.declined++;
        return false;
      }
      stats.calls++;
      n.gemm(f32, batch, m, nn, k, a.array, a.offset, a.strides[0], A.trans, A.ld, b.array, b.offset, b.strides[0], B.trans, B.ld,
        c.array, c.offset, c.strides[0], c.strides[1], threads);
      return true;
    },
  };
}

/**
 * Registers the 'blas' backend (once) and, unless `activate: false`, makes it current. Returns what was
 * loaded. Throws BlasUnavailableError where the library or the native module is missing, and an Error where
 * the wasm kernels are unavailable (the backend is built on them). Tensile's `setNumThreads` sets the threads
 * of large products here too.
 * @example
 *   import { useBlas } from '@tensile/blas';
 *   useBlas(); // from here on, products run in OpenBLAS
 */
export function useBlas(options: UseBlasOptions = {}): BlasInfo {
  if (typeof options !== 'object' || options === null) throw new TypeError(`useBlas: options must be an object, got ${String(options)}`);
  const unknown = Object.keys(options).filter((key) => key !== 'library' && key !== 'activate');
  if (unknown.length) throw new TypeError(`useBlas: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')}; known: "library", "activate"`);
  if (options.activate !== undefined && typeof options.activate !== 'boolean') throw new TypeError(`useBlas: activate must be a boolean, got ${JSON.stringify(options.activate)}`);
  const info = loadBlas(options.library);
  if (!listBackends().includes(BLAS_BACKEND)) {
    const backend = wasmBackendWithGemm(BLAS_BACKEND, externalGemm(loadNative()));
    if (backend === null) throw new Error('useBlas: the wasm kernels are unavailable here (no WebAssembly SIMD), and the blas backend is built on them');
    registerBackend(backend);
  }
  if (options.activate ?? true) setBackend(BLAS_BACKEND);
  return info;
}

/** Whether 'blas' is the current backend. */
export function usingBlas(): boolean {
  return (getBackend() as AnyBackend).name === BLAS_BACKEND;
}
