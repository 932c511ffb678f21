// Worker threads for the wasm kernels. Each worker instantiates the same compiled module over the same
// shared linear memory, then waits on a control block (a SharedArrayBuffer) for calls: the main thread
// stages operands once, writes each worker its slice's arguments, wakes it, runs its own slice, and waits.
// No message passing on the hot path, no copies: workers read and write the staged memory directly.
//
// Browser-safe: how a worker is started is supplied by the host. In a cross-origin-isolated page that is
// a Web Worker on a Blob URL; in Node, `@tensile/tensor`'s Node entry (src/node.ts) installs a
// worker_threads host. Without a host, or without shared memory, everything runs on the calling thread.
import { recorder } from '../../autograd/instrument.js';
import { kernels, type WasmKernels } from './instance.js';

/** Starts a worker running `source`, a script whose first statement receives one message. */
export interface ThreadHost {
  /** Logical cores, the default thread count. */
  readonly cores: number;
  /**
   * Whether a worker starts while the thread that spawned it is blocked (Node's worker threads do). A browser
   * starts a Web Worker only once its creator returns to the event loop, so there the default pool is not
   * waited for: the kernels run on the calling thread until every worker has reported ready.
   */
  readonly startsWhileBlocked: boolean;
  spawn(source: string): { post(message: unknown): void; terminate(): void };
}

/** The exports a worker may be asked to call (by index in the control block). */
export const WORKER_FNS = ['matmulF32', 'matmulF64', 'im2colF32', 'im2colF64', 'col2imF32', 'col2imF64', 'convDirectF32', 'convDirectWgradF32'] as const;
export type WorkerFn = (typeof WORKER_FNS)[number];

// Control block (a SharedArrayBuffer): a header of int32 and float64 fields, one int32 slot per worker, then
// the job table (float64: fn, argc, args…). A run posts every worker, then every thread, the caller
// included, takes jobs off a shared counter until none are left, so a worker that is slow to wake (or
// descheduled on a busy machine) costs nothing: the caller cancels it if it has not started yet.
const NEXT = 0; // next job index
const NJOBS = 1;
const NSCRATCH = 2; // the last NSCRATCH args of each job are addresses a thread offsets by tid × STRIDE
const QUIT = 3;
const TIMING = 4; // 1 while the profiler records kernels: each thread times the jobs it runs
const HEADER = 16; // int32 fields, then the worker slots; the float64 part (STRIDE, then the jobs) follows them
const SLOT = 4; // per worker: seq, state, error, ready
const SEQ = 0;
const STATE = 1;
const ERROR = 2;
const READY = 3;
const IDLE = 0;
const POSTED = 1;
const RUNNING = 2;
/** Jobs per run and float64 fields per job. */
const MAX_JOBS = 64;
const JOB = 24;
/** After the jobs, while TIMING: per job the thread that ran it (0: the caller) and its start and end (epoch ms). */
const TIMES = 1 + MAX_JOBS * JOB;
/** Loads of its sequence word an idle worker makes before it sleeps in Atomics.wait (a few microseconds). */
const SPIN = 1024;

/**
 * The worker's program. It arrives as source text (a function taking `onMessage`) so no file or URL of
 * this package is needed to start it; the host wraps it for its platform.
 */
export const WORKER_SOURCE = `(onMessage) => onMessage(({ module, memory, control, slot, workers, fns }) => {
  const ints = new Int32Array(control, 0, ${HEADER} + workers * ${SLOT});
  const f64 = new Float64Array(control, (${HEADER} + workers * ${SLOT}) * 4);
  const base = ${HEADER} + slot * ${SLOT};
  const tid = slot + 1;
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const table = fns.map((name) => ex[name]);
  Atomics.store(ints, base + ${READY}, 1);
  Atomics.notify(ints, base + ${READY});
  const args = [];
  let seq = 0;
  for (;;) {
    let s = Atomics.load(ints, base + ${SEQ});
    for (let i = 0; s === seq; i++) {
      if (i >= ${SPIN}) Atomics.wait(ints, base + ${SEQ}, seq);
      s = Atomics.load(ints, base + ${SEQ});
    }
    seq = s;
    if (Atomics.load(ints, ${QUIT}) !== 0) return;
    if (Atomics.compareExchange(ints, base + ${STATE}, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue; // cancelled
    try {
      const n = ints[${NJOBS}], scratch = ints[${NSCRATCH}], shift = tid * f64[0], timing = ints[${TIMING}] !== 0;
      for (let j = Atomics.add(ints, ${NEXT}, 1); j < n; j = Atomics.add(ints, ${NEXT}, 1)) {
        const at = 1 + j * ${JOB};
        const argc = f64[at + 1];
        args.length = argc;
        for (let i = 0; i < argc; i++) args[i] = f64[at + 2 + i] + (i >= argc - scratch ? shift : 0);
        // Epoch time (timeOrigin + now), which every thread's clock agrees on, for the profiler's thread tracks.
        const t0 = timing ? performance.timeOrigin + performance.now() : 0;
        table[f64[at]](...args);
        if (timing) {
          const t = ${TIMES} + j * 3;
          f64[t] = tid;
          f64[t + 1] = t0;
          f64[t + 2] = performance.timeOrigin + performance.now();
        }
      }
    } catch (e) {
      Atomics.store(ints, base + ${ERROR}, 1);
    }
    Atomics.store(ints, base + ${STATE}, ${IDLE});
    Atomics.notify(ints, base + ${STATE});
  }
})`;

/** The Web Worker host, where a page is cross-origin isolated (else SharedArrayBuffer cannot be posted). */
function webHost(): ThreadHost | null {
  const g = globalThis as { Worker?: new (url: string) => { postMessage(m: unknown): void; terminate(): void }; crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (typeof g.Worker !== 'function' || g.crossOriginIsolated !== true || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') return null;
  const Ctor = g.Worker;
  return {
    cores: g.navigator?.hardwareConcurrency ?? 1,
    startsWhileBlocked: false,
    spawn(source) {
      const url = URL.createObjectURL(new Blob([`(${source})((f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; });`], { type: 'text/javascript' }));
      const w = new Ctor(url);
      URL.revokeObjectURL(url);
      return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
    },
  };
}

let host: ThreadHost | null = webHost();
let requested: number | null = null;

/** @internal Installs how workers are started (the Node entry does this). */
export function setThreadHost(h: ThreadHost | null): void {
  host = h;
  resetPool();
}

/**
 * Sets how many threads the wasm kernels use (the calling thread included), like `torch.set_num_threads`.
 * 1 turns threading off. By default, where threads are available (Node, cross-origin-isolated pages), the
 * kernels use every logical core (at most 8) if a one-time measurement at first use shows that two threads
 * multiply matrices faster than one; where hardware threads share one core's vector units (SMT siblings,
 * some virtual machines) they do not, and the default stays at 1. A count set here is used as it is.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: the thread count must be a positive integer, got ${n}`);
  requested = n;
  resetPool();
}

/** The thread count the wasm kernels use (1 where threads are unavailable or, by default, do not pay). */
export function getNumThreads(): number {
  if (requested !== null) return host === null ? 1 : requested;
  if (host === null || kernels === null) return 1;
  return threadPool(kernels) === null ? 1 : configured();
}

const configured = () => requested ?? Math.max(1, Math.min(8, host?.cores ?? 1));

function resetPool(): void {
  if (pool !== null && pool !== DISABLED) pool.close();
  pool = null;
  starting?.pool.close();
  starting = null;
  verdict = null;
}

/** One call of a worker function: its name and its arguments (numbers; byte addresses for pointers). */
export type Job = readonly [WorkerFn, readonly number[]];

export class ThreadPool {
  readonly #ints: Int32Array;
  readonly #f64: Float64Array;
  readonly #workers: { post(m: unknown): void; terminate(): void }[] = [];
  readonly #fns: ((...args: number[]) => void)[];
  #canWait = true;
  /** Jobs the workers have run so far (the rest ran on the calling thread). */
  jobsOnWorkers = 0;

  /** `size` workers (the calling thread comes on top). */
  constructor(k: WasmKernels, h: ThreadHost, readonly size: number) {
    const intBytes = (HEADER + size * SLOT) * 4;
    const control = new SharedArrayBuffer(intBytes + (TIMES + MAX_JOBS * 3) * 8);
    this.#ints = new Int32Array(control, 0, HEADER + size * SLOT);
    this.#f64 = new Float64Array(control, intBytes);
    this.#fns = WORKER_FNS.map((name) => k.exports[name] as unknown as (...args: number[]) => void);
    for (let slot = 0; slot < size; slot++) {
      const w = h.spawn(WORKER_SOURCE);
      w.post({ module: k.module, memory: k.exports.memory, control, slot, workers: size, fns: [...WORKER_FNS] });
      this.#workers.push(w);
    }
  }

  /** Whether every worker has started (does not wait). */
  get ready(): boolean {
    for (let w = 0; w < this.size; w++) if (Atomics.load(this.#ints, HEADER + w * SLOT + READY) !== 1) return false;
    return true;
  }

  /** Waits up to `ms` for every worker to start; false if one did not. */
  waitReady(ms: number): boolean {
    const until = performance.now() + ms;
    for (let w = 0; w < this.size; w++) {
      const at = HEADER + w * SLOT + READY;
      while (Atomics.load(this.#ints, at) !== 1) {
        if (performance.now() > until) return false;
        if (this.#canWait) {
          try {
            Atomics.wait(this.#ints, at, 0, 5);
          } catch {
            this.#canWait = false;
          }
        }
      }
    }
    return true;
  }

  /** Threads a run can use: the workers plus the caller. */
  get threads(): number {
    return this.size + 1;
  }

  /**
   * Runs `jobs` (at most 64) on the workers and the calling thread, and returns when all are done. The last
   * `scratchArgs` arguments of every job are scratch addresses: thread `t` (the caller is 0) adds
   * `t × scratchStride` to them, so each thread works in its own scratch.
   */
  run(jobs: readonly Job[], scratchArgs = 0, scratchStride = 0): void {
    const ints = this.#ints;
    const f64 = this.#f64;
    if (jobs.length > MAX_JOBS) throw new RangeError(`ThreadPool.run: at most ${MAX_JOBS} jobs, got ${jobs.length}`);
    f64[0] = scratchStride;
    for (let j = 0; j < jobs.length; j++) {
      const [fn, a] = jobs[j]!;
      if (a.length > JOB - 2) throw new RangeError(`ThreadPool.run: a job takes at most ${JOB - 2} arguments, ${fn} got ${a.length}`);
      const at = 1 + j * JOB;
      f64[at] = WORKER_FNS.indexOf(fn);
      f64[at + 1] = a.length;
      for (let i = 0; i < a.length; i++) f64[at + 2 + i] = a[i]!;
    }
    ints[NJOBS] = jobs.length;
    ints[NSCRATCH] = scratchArgs;
    // The profiler, when it records kernels, gets each job as a slice on the track of the thread that ran it.
    const rec = recorder !== null && recorder.threadSlice !== undefined ? recorder : null;
    ints[TIMING] = rec === null ? 0 : 1;
    Atomics.store(ints, NEXT, 0);
    const helpers = Math.min(this.size, jobs.length - 1);
    for (let w = 0; w < helpers; w++) {
      const slot = HEADER + w * SLOT;
      Atomics.store(ints, slot + STATE, POSTED);
      Atomics.add(ints, slot + SEQ, 1);
      Atomics.notify(ints, slot + SEQ);
    }
    let onCaller = 0;
    try {
      for (let j = Atomics.add(ints, NEXT, 1); j < jobs.length; j = Atomics.add(ints, NEXT, 1)) {
        onCaller++;
        const [fn, a] = jobs[j]!;
        const t0 = rec === null ? 0 : performance.timeOrigin + performance.now();
        this.#fns[WORKER_FNS.indexOf(fn)]!(...a);
        if (rec !== null) {
          const t = TIMES + j * 3;
          f64[t] = 0;
          f64[t + 1] = t0;
          f64[t + 2] = performance.timeOrigin + performance.now();
        }
      }
    } finally {
      // Even when a job failed here: no worker may still be running when this returns or throws.
      Atomics.store(ints, NEXT, jobs.length);
      this.#join(helpers);
    }
    this.jobsOnWorkers += jobs.length - onCaller;
    let failed = false;
    for (let w = 0; w < helpers; w++) if (Atomics.exchange(ints, HEADER + w * SLOT + ERROR, 0) !== 0) failed = true;
    if (failed) throw new Error('wasm backend: a kernel failed on a worker thread');
    if (rec !== null) {
      for (let j = 0; j < jobs.length; j++) {
        const t = TIMES + j * 3;
        rec.threadSlice!(f64[t]!, jobs[j]![0], f64[t + 1]!, f64[t + 2]!);
      }
    }
  }

  /** Waits for the first `helpers` workers to finish the run, cancelling those that have not started it. */
  #join(helpers: number): void {
    const ints = this.#ints;
    for (let w = 0; w < helpers; w++) {
      const slot = HEADER + w * SLOT;
      if (Atomics.compareExchange(ints, slot + STATE, POSTED, IDLE) === POSTED) continue;
      for (let i = 0; Atomics.load(ints, slot + STATE) !== IDLE; i++) {
        if (i > 4096 && this.#canWait) {
          try {
            Atomics.wait(ints, slot + STATE, RUNNING, 1);
          } catch {
            this.#canWait = false; // a browser's main thread may not block: keep spinning
          }
        }
      }
    }
  }

  close(): void {
    Atomics.store(this.#ints, QUIT, 1);
    for (let w = 0; w < this.size; w++) {
      Atomics.add(this.#ints, HEADER + w * SLOT + SEQ, 1);
      Atomics.notify(this.#ints, HEADER + w * SLOT + SEQ);
      this.#workers[w]!.terminate();
    }
  }
}

let pool: ThreadPool | null = null;
/** A default pool whose workers are still starting on a host where the caller cannot wait for them (a page). */
let starting: { pool: ThreadPool; since: number } | null = null;
/** How long a default pool may take to start before threads are given up on. */
const START_LIMIT_MS = 5000;

/**
 * The pool of `getNumThreads() − 1` workers over `k`'s memory, started on first use; null when single-threaded.
 * The default count is kept only if the workers start within 5 s and two threads multiply faster than one (see
 * `speedup`). In Node the first call waits for the workers; in a page, where they cannot start while the caller
 * blocks, the calls return null (the kernels run on the calling thread, with the same results) until they have.
 */
export function threadPool(k: WasmKernels): ThreadPool | null {
  if (pool !== null) return pool === DISABLED ? null : pool;
  if (!k.shared || host === null) return null;
  if (starting === null) {
    const n = configured() - 1;
    if (n < 1) return null;
    const p = new ThreadPool(k, host, n);
    if (requested !== null) return (pool = p);
    if (host.startsWhileBlocked) return settle(k, p, p.waitReady(START_LIMIT_MS));
    starting = { pool: p, since: performance.now() };
  }
  const { pool: p, since } = starting;
  if (!p.ready && performance.now() - since < START_LIMIT_MS) return null;
  starting = null;
  return settle(k, p, p.ready);
}

/** Why the default thread count is what it is, once decided. */
let verdict: 'threads pay' | 'threads do not pay' | 'workers did not start' | null = null;

/** Keeps the default pool `p` if its workers started and threads pay, else turns the default threads off. */
function settle(k: WasmKernels, p: ThreadPool, started: boolean): ThreadPool | null {
  verdict = !started ? 'workers did not start' : speedup(k, p) >= 1.3 ? 'threads pay' : 'threads do not pay';
  if (verdict === 'threads pay') return (pool = p);
  p.close();
  pool = DISABLED;
  return null;
}

/**
 * @internal Where the thread pool stands: `none` (not started, or one thread), `starting` (a page's default
 * pool whose workers have not all started yet), `on` or `off` (the default decided against threads), with the
 * reason the default was decided for or against.
 */
export function threadStatus(): { state: 'none' | 'starting' | 'on' | 'off'; verdict: typeof verdict } {
  const state = starting !== null ? 'starting' : pool === null ? 'none' : pool === DISABLED ? 'off' : 'on';
  return { state, verdict };
}

/** A pool that is not worth using (stands in for the default until setNumThreads is called). */
const DISABLED = Object.create(ThreadPool.prototype) as ThreadPool;

/**
 * How much faster two 256³ float32 products run on the caller and one worker at once than one after the
 * other on the caller alone (best of three each), in memory above everything staged so far.
 */
function speedup(k: WasmKernels, p: ThreadPool): number {
  const MB = 1 << 20;
  // Its own block (a kernel may have staged its operands in the scratch already): from the heap, or above
  // everything in a private memory.
  let at: number;
  if (k.heap !== null) {
    at = k.heap.rawAlloc(6 * MB);
    if (at < 0) return 0;
  } else {
    const base = (k.exports.memory.buffer.byteLength - k.base + 63) & ~63;
    if (!k.reserve(base + 6 * MB)) return 0;
    at = k.base + base;
  }
  try {
    return timeSpeedup(k, p, at, MB);
  } finally {
    if (k.heap !== null) k.heap.rawFree(at);
  }
}

function timeSpeedup(k: WasmKernels, p: ThreadPool, at: number, MB: number): number {
  const n = 256;
  const packA = (k.exports.F32_PACK_A.value as number) * 4;
  const perThread = MB;
  const job = (c: number): Job => ['matmulF32', [1, n, n, n, at, 0, n, 1, at + MB, 0, n, 1, c, 0, n, at + 4 * MB, at + 4 * MB + packA]];
  const jobs = [job(at + 2 * MB), job(at + 3 * MB)];
  const mm = k.exports.matmulF32 as unknown as (...args: number[]) => void;
  let one = Infinity;
  let two = Infinity;
  for (let r = 0; r < 4; r++) {
    let t = performance.now();
    for (const [, a] of jobs) mm(...a);
    if (r > 0) one = Math.min(one, performance.now() - t);
    t = performance.now();
    p.run(jobs, 2, perThread);
    if (r > 0) two = Math.min(two, performance.now() - t);
  }
  return one / two;
}
