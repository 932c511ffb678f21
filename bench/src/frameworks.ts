// The columns measured in this process: Tensile on each registered backend (blas too, where @tensile/blas
// loads a BLAS library), TF.js on cpu and wasm. tfjs is imported lazily, so a W7 child measuring Tensile never
// loads it.
import * as tensor from '@tensile/tensor';
import { blasAvailable, useBlas } from '@tensile/blas';

export type BlasStatus = { available: true; library: string; coreName: string | null } | { available: false; reason: string };

let blas: BlasStatus | null = null;

/**
 * Loads @tensile/blas once and registers its 'blas' backend (not made current) where the library loads and
 * its products agree with the wasm backend's on a check product; else the reason, which the report prints
 * instead of the tensile-blas columns.
 */
export function blasStatus(): BlasStatus {
  if (blas) return blas;
  const s = blasAvailable();
  if (!s.available) return (blas = s);
  useBlas({ activate: false });
  // The library picks its CPU kernel at load (see run.ts on OPENBLAS_CORETYPE): check it before timing it.
  const a = tensor.randn([67, 129]);
  const b = tensor.randn([129, 35]);
  const on = (name: string) => {
    const prev = tensor.setBackend(name);
    try {
      return tensor.matmul(a, b).toTypedArray();
    } finally {
      tensor.setBackend(prev);
    }
  };
  const want = on('wasm');
  const got = on('blas');
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  if (!(worst < 1e-3)) return (blas = { available: false, reason: `@tensile/blas: the library's product differs from the wasm backend's by ${worst} on a check product` });
  return (blas = { available: true, library: s.info.library, coreName: s.info.coreName });
}

export type FrameworkKind = 'tensile' | 'tfjs';

export interface Framework {
  /** Column name: tensile-js, tensile-wasm, tfjs-cpu, tfjs-wasm. */
  id: string;
  kind: FrameworkKind;
  backend: string;
  /** Makes this framework's backend current (Tensile: setBackend; tfjs: tf.setBackend). */
  activate(): Promise<void>;
}

/**
 * Tensile's registered backends. If @tensile/tensor exports an async `ready()` (a backend that must instantiate
 * WebAssembly first), it is awaited before listing.
 */
export async function tensileBackends(): Promise<string[]> {
  const ready = (tensor as unknown as { ready?: () => unknown }).ready;
  if (typeof ready === 'function') await ready();
  return tensor.listBackends();
}

/** The wasm kernels' default thread count, read once before any column sets its own. */
let defaultThreads: number | null = null;
export function tensileDefaultThreads(): number {
  defaultThreads ??= tensor.getNumThreads();
  return defaultThreads;
}

/** Runs the `tensile-wasm` column on `n` threads instead of the measured default (`pnpm bench --threads n`). */
export function setTensileThreads(n: number): void {
  defaultThreads = n;
}

/** Tensile on `backend`; with `threads`, its kernels held to that many threads (columns `tensile-wasm-1t`, `tensile-blas-1t`). */
export function tensileFramework(backend: string, threads?: number): Framework {
  const initial = tensileDefaultThreads();
  return {
    id: threads === undefined ? `tensile-${backend}` : `tensile-${backend}-${threads}t`,
    kind: 'tensile',
    backend,
    activate: async () => {
      tensor.setBackend(backend);
      tensor.setNumThreads(threads ?? initial);
    },
  };
}

export function tfjsFramework(backend: 'cpu' | 'wasm'): Framework {
  return { id: `tfjs-${backend}`, kind: 'tfjs', backend, activate: async () => (await import('./peers/tfjs.js')).useTfjs(backend) };
}

/**
 * Every in-process column, Tensile's first. Where the wasm kernels run on more than one thread by default,
 * `tensile-wasm-1t` and `tensile-blas-1t` hold them to one, for the targets stated per thread. `filter` keeps only the named ids.
 * `blas: false` leaves OpenBLAS unloaded (W7's children and the other build's: its buffers would count in their memory).
 */
export async function allFrameworks(filter?: readonly string[], { blas = true }: { blas?: boolean } = {}): Promise<Framework[]> {
  if (blas) blasStatus();
  const backends = await tensileBackends();
  const oneThread = tensileDefaultThreads() > 1 ? backends.filter((b) => b === 'wasm' || b === 'blas').map((b) => tensileFramework(b, 1)) : [];
  const list = [...backends.map((b) => tensileFramework(b)), ...oneThread, tfjsFramework('cpu'), tfjsFramework('wasm')];
  return filter ? list.filter((f) => filter.includes(f.id)) : list;
}

export function findFramework(list: readonly Framework[], id: string): Framework {
  const f = list.find((x) => x.id === id);
  if (f) return f;
  // A column held to a thread count exists whatever this process's default is (a W7 child may measure fewer).
  const held = /^tensile-(\w+)-(\d+)t$/.exec(id);
  if (held && list.some((x) => x.id === `tensile-${held[1]}`)) return tensileFramework(held[1]!, Number(held[2]));
  throw new Error(`unknown framework ${id}; known: ${list.map((x) => x.id).join(', ')}`);
}
