import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { wasmBackend } from './wasm/index.js';
import { setStorageAllocator } from '../dtype.js';

const backends = new Map<string, Backend>([[jsBackend.name, jsBackend]]);
if (wasmBackend) backends.set(wasmBackend.name, wasmBackend);
// The wasm backend where the engine has WebAssembly SIMD (every current browser, Node ≥ 16.4); else JS.
// Both run the whole op suite (test/), so switching with setBackend('js') changes speed, not results
// beyond float rounding.
let current: Backend = wasmBackend ?? jsBackend;
setStorageAllocator(current.alloc?.bind(current) ?? null, current.release?.bind(current) ?? null, current.allocMinBytes);

function install(b: Backend): void {
  current = b;
  setStorageAllocator(b.alloc?.bind(b) ?? null, b.release?.bind(b) ?? null, b.allocMinBytes);
}

/** The backend that ops dispatch to. */
export function getBackend(): Backend {
  return current;
}

/** Registers a backend under its name (replacing one of the same name). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Selects a registered backend by name, or installs the given backend object. Returns the previous one. */
export function setBackend(backend: string | Backend): Backend {
  const prev = current;
  if (typeof backend === 'string') {
    const b = backends.get(backend);
    if (!b) throw new RangeError(`setBackend: no backend named "${backend}"; registered: ${[...backends.keys()].join(', ')}`);
    install(b);
  } else {
    backends.set(backend.name, backend);
    install(backend);
  }
  return prev;
}

/** Names of the registered backends (the op suites run once per name). */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** @internal Makes `backend` current without registering it (the profiler's timed wrapper); returns the previous one. */
export function swapCurrentBackend(backend: Backend): Backend {
  const prev = current;
  install(backend);
  return prev;
}
