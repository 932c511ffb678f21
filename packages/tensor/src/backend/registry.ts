import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { wasmBackend } from './wasm/index.js';
import { setStorageAllocator, type DeviceAllocator, type StorageAllocator, type TypedArray } from '../dtype.js';
import type { Storage } from '../storage.js';

/**
 * A backend as ops see it: it takes any tensor's storage. A CPU backend (`Backend<TypedArray>`) is handed
 * only typed arrays, since ops refuse device tensors before they reach it (`checkDevices`); a device
 * backend only its own storage and typed arrays it has to upload.
 */
export type AnyBackend = Backend<Storage>;

const asAny = (b: Backend<TypedArray> | AnyBackend): AnyBackend => b as AnyBackend;

const backends = new Map<string, AnyBackend>([[jsBackend.name, asAny(jsBackend)]]);
if (wasmBackend) backends.set(wasmBackend.name, asAny(wasmBackend));
// The wasm backend where the engine has WebAssembly SIMD (every current browser, Node ≥ 16.4); else JS.
// Both run the whole op suite (test/), so switching with setBackend('js') changes speed, not results
// beyond float rounding.
let current: AnyBackend = asAny(wasmBackend ?? jsBackend);
// Whether a device backend was ever installed: until then no tensor can be on a device, and ops skip the check.
let devicesSeen = false;
install(current);

function install(b: AnyBackend): void {
  current = b;
  const alloc = b.alloc?.bind(b) ?? null;
  if (b.device !== undefined) devicesSeen = true;
  setStorageAllocator(
    b.device === undefined ? (alloc as StorageAllocator | null) : null,
    b.release?.bind(b) ?? null,
    b.allocMinBytes,
    b.device !== undefined ? (alloc as DeviceAllocator | null) : null,
  );
}

/** The backend that ops dispatch to. */
export function getBackend(): AnyBackend {
  return current;
}

/** @internal Whether any tensor can live on a device (a device backend was installed at some point). */
export const anyDevice = (): boolean => devicesSeen;

/** The registered backend of a device (`Backend.device`), for reading its tensors; undefined if none. */
export function deviceBackend(device: string): AnyBackend | undefined {
  if (current.device === device) return current;
  for (const b of backends.values()) if (b.device === device) return b;
  return undefined;
}

/** Registers a backend under its name (replacing one of the same name). */
export function registerBackend(backend: Backend<TypedArray> | AnyBackend): void {
  backends.set(backend.name, asAny(backend));
}

/** Selects a registered backend by name, or installs the given backend object. Returns the previous one. */
export function setBackend(backend: string | Backend<TypedArray> | AnyBackend): AnyBackend {
  const prev = current;
  if (typeof backend === 'string') {
    const b = backends.get(backend);
    if (!b) throw new RangeError(`setBackend: no backend named "${backend}"; registered: ${[...backends.keys()].join(', ')}`);
    install(b);
  } else {
    backends.set(backend.name, asAny(backend));
    install(asAny(backend));
  }
  return prev;
}

/** Names of the registered backends (the op suites run once per name). */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** @internal Makes `backend` current without registering it (the profiler's timed wrapper); returns the previous one. */
export function swapCurrentBackend(backend: AnyBackend): AnyBackend {
  const prev = current;
  install(backend);
  return prev;
}
