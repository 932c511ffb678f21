// What the NaN guard, the profiler and @tensile/nn's module calls share: the flags the hot path reads, and
// the module scope an op runs in. Everything here is off by default; then an op pays one flag check.
import type { Tensor } from '../tensor.js';

/**
 * The module call an op runs in, set by @tensile/nn's `Module` around each `forward` while the guard or the
 * profiler is on (null otherwise, and outside any module). Tensor knows nothing of modules: it asks the
 * scope for names only when it reports.
 */
export interface ModuleScope {
  readonly parent: ModuleScope | null;
  /** The module's class name (`"Linear"`). */
  readonly className: string;
  /** The module's dotted path from the outermost module called (`"encoder.layers.1.fc2"`; `""` for that one). */
  path(): string;
  /** The qualified name of `t` when it is a parameter or buffer of this module (`"encoder.fc2.weight"`), else null. */
  memberName(t: Tensor): string | null;
}

/** What the profiler records; implemented by profiler.ts. */
export interface Recorder {
  /** Opens an event; returns a token for `end`. */
  begin(name: string, cat: string, scope: ModuleScope | null): number;
  end(token: number): void;
  /**
   * A kernel job that a backend's thread pool ran, for the thread's own track: the thread (0 is the calling
   * thread, 1… the workers), the kernel function and its start and end in epoch milliseconds
   * (`performance.timeOrigin + performance.now()` on the thread that ran it). Present only while kernels
   * are recorded; the pool times its jobs only then.
   */
  threadSlice?(thread: number, fn: string, startEpochMs: number, endEpochMs: number): void;
}

/** The NaN guard is on. */
export let guardOn = false;
/** The profiler that records, or null. */
export let recorder: Recorder | null = null;
/** Guard or profiler: modules set scopes and ops take the instrumented path. The one flag the hot path reads. */
export let watching = false;
/** The module call running now (only maintained while `watching`). */
export let currentScope: ModuleScope | null = null;
/** The pass the engine or an optimizer is in, for the profiler's split and the guard's messages. */
export let currentPass: 'forward' | 'backward' | 'optimizer' = 'forward';

/** Bytes allocated for tensor storage since the program started (the profiler reads the difference). */
export let allocatedBytes = 0;

/** @internal Counts a new storage (raw.ts `empty`): one add, no branch. */
export function countAllocation(bytes: number): void {
  allocatedBytes += bytes;
}

function refresh(): void {
  watching = guardOn || recorder !== null;
}

/** @internal Sets the guard flag; returns the previous value. */
export function setGuardFlag(on: boolean): boolean {
  const prev = guardOn;
  guardOn = on;
  refresh();
  return prev;
}

/** @internal Installs (or removes, with null) the active recorder; returns the previous one. */
export function setRecorder(r: Recorder | null): Recorder | null {
  const prev = recorder;
  recorder = r;
  refresh();
  return prev;
}

/** @internal Enters a module scope (nn's Module does this around forward); returns the previous one. */
export function setCurrentScope(s: ModuleScope | null): ModuleScope | null {
  const prev = currentScope;
  currentScope = s;
  return prev;
}

/** @internal Sets the pass; returns the previous one. */
export function setCurrentPass(p: 'forward' | 'backward' | 'optimizer'): 'forward' | 'backward' | 'optimizer' {
  const prev = currentPass;
  currentPass = p;
  return prev;
}

/** Whether the guard or the profiler is on: `Module` then records which module each op runs in. */
export function isWatching(): boolean {
  return watching;
}

/** The module call running now (while the guard or the profiler is on), or null. */
export function getCurrentScope(): ModuleScope | null {
  return currentScope;
}

/** The profiler's recorder while one records, else null (Module times its calls with it). */
export function getRecorder(): Recorder | null {
  return recorder;
}
