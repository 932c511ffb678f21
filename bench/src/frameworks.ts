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

export function tensileFramework(backend: string): Framework {
  return {
    id: `tensile-${backend}`,
    kind: 'tensile',
    backend,
    activate: async () => {
      tensor.setBackend(backend);
    },
  };
}

export function tfjsFramework(backend: 'cpu' | 'wasm'): Framework {
  return { id: `tfjs-${backend}`, kind: 'tfjs', backend, activate: async () => (await import('./peers/tfjs.js')).useTfjs(backend) };
}

/** Every in-process column, Tensile's first. `filter` keeps only the named ids. */
export async function allFrameworks(filter?: readonly string[]): Promise<Framework[]> {
  const list = [...(await tensileBackends()).map(tensileFramework), tfjsFramework('cpu'), tfjsFramework('wasm')];
  return filter ? list.filter((f) => filter.includes(f.id)) : list;
}

export function findFramework(list: readonly Framework[], id: string): Framework {
  const f = list.find((x) => x.id === id);
  if (!f) throw new Error(`unknown framework ${id}; known: ${list.map((x) => x.id).join(', ')}`);
  return f;
}
