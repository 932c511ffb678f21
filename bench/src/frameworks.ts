// The columns measured in this process: Tensile on each registered backend, TF.js on cpu and wasm.
// tfjs is imported lazily, so a W7 child measuring Tensile never loads it.
import * as tensor from '@tensile/tensor';

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

/** Tensile on `backend`; with `threads`, the wasm kernels held to that many threads (column `tensile-wasm-1t`). */
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
 * `tensile-wasm-1t` holds them to one, for the targets stated per thread. `filter` keeps only the named ids.
 */
export async function allFrameworks(filter?: readonly string[]): Promise<Framework[]> {
  const backends = await tensileBackends();
  const oneThread = backends.includes('wasm') && tensileDefaultThreads() > 1 ? [tensileFramework('wasm', 1)] : [];
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
