// The profiler: `profile(() => step())` or `startProfiler()`/`stopProfiler()` record every op, every node of
// the backward pass, every module call (from @tensile/nn) and every backend kernel with its time and the
// bytes it allocated; a Profile prints a sorted table and exports the Chrome trace event format. When no
// profiler runs, ops pay one flag check (`watching`) and nothing else.
import { getBackend, swapCurrentBackend, type AnyBackend } from './backend/registry.js';
import { scoped } from './autograd/grad-mode.js';
import { allocatedBytes, currentPass, recorder, setCurrentPass, setRecorder, type ModuleScope, type Recorder } from './autograd/instrument.js';
import { checkOptions } from './check.js';

/**
 * Where an event is drawn: `main` (ops, backward nodes, modules, ranges), `kernels` (each backend kernel
 * call, on the calling thread), or `thread N`: the share of a kernel the wasm backend's thread pool ran on
 * thread N (0 is the calling thread, 1… the workers), timed on that thread.
 */
export type ProfileTrack = 'main' | 'kernels' | `thread ${number}`;

/** What an event is: an op's forward, a node of the backward pass, a module's forward, a kernel, or a named range. */
export type ProfileEventKind = 'op' | 'backward' | 'module' | 'kernel' | 'range';

/** One recorded call. Times are in milliseconds from the start of the profile. */
export interface ProfileEvent {
  /** The op (`matmul`), the backward node (`matmulBackward`), the module class (`Linear`), the kernel (`wasm.matmul`) or the range. */
  name: string;
  kind: ProfileEventKind;
  /** The pass the call ran in (a backward node's ops run in `backward`, an optimizer's in `optimizer`). */
  pass: 'forward' | 'backward' | 'optimizer';
  /** The module path the call ran in (`"encoder.fc2"`, `""` for the outermost module), or null outside any. */
  module: string | null;
  moduleClass: string | null;
  /** The track: `main`, `kernels` or `thread N` (see ProfileTrack). */
  track: ProfileTrack;
  start: number;
  /** Total time, children included. */
  total: number;
  /** Time not spent in a nested event of the same track. */
  self: number;
  /** Bytes of tensor storage allocated during the call (children included). */
  bytes: number;
  /** Nesting depth on its track. */
  depth: number;
}

/** One line of `Profile.rows()`: the calls of one op, node, module or kernel in one pass. */
export interface ProfileRow {
  name: string;
  kind: ProfileEventKind;
  pass: ProfileEvent['pass'];
  calls: number;
  selfMs: number;
  totalMs: number;
  bytes: number;
}

export interface ProfileOptions {
  /** Record each backend kernel on a track of its own (default true). */
  kernels?: boolean;
}

export interface TableOptions {
  /** `op` (default): ops, backward nodes, kernels and ranges by name; `module`: module calls by path. */
  groupBy?: 'op' | 'module';
  /** The column to sort by, descending (default `self`). */
  sortBy?: 'self' | 'total' | 'calls' | 'bytes';
  /** At most this many rows (default all). */
  limit?: number;
}

/** An event in the Chrome trace event format (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU). */
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'M';
  ts?: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

/** What `Profile.toChromeTrace()` returns: JSON that Perfetto (ui.perfetto.dev) and chrome://tracing open. */
export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number>;
}

const TRACKS = { main: 1, kernels: 2 } as const;
/** The Chrome trace thread id of a track: thread N of a pool gets 10 + N. */
const tidOf = (track: ProfileTrack): number => (track === 'main' || track === 'kernels' ? TRACKS[track] : 10 + Number(track.slice(7)));

interface Open {
  name: string;
  kind: ProfileEventKind;
  pass: ProfileEvent['pass'];
  scope: ModuleScope | null;
  track: ProfileTrack;
  start: number;
  bytes0: number;
  child: number;
}

const now: () => number = () => performance.now();

/** Records events; installed as the instrument's recorder while profiling. */
class ProfileRecorder implements Recorder {
  readonly events: ProfileEvent[] = [];
  private readonly stack: Open[] = [];
  readonly t0 = now();
  readonly backend: string;
  /** Present while kernels are recorded: a thread pool then times its jobs and reports them here. */
  readonly threadSlice?: (thread: number, fn: string, startEpochMs: number, endEpochMs: number) => void;
  constructor(backend: string, kernels: boolean) {
    this.backend = backend;
    if (kernels) {
      // Epoch times from any thread, to this profile's clock (ms since t0 on the calling thread).
      const origin = performance.timeOrigin + this.t0;
      this.threadSlice = (thread, fn, startEpochMs, endEpochMs) => {
        const start = startEpochMs - origin;
        const total = Math.max(0, endEpochMs - startEpochMs);
        this.events.push({
          name: fn, kind: 'kernel', pass: currentPass, module: null, moduleClass: null, track: `thread ${thread}`,
          start, total, self: total, bytes: 0, depth: 0,
        });
      };
    }
  }

  begin(name: string, cat: string, scope: ModuleScope | null): number {
    this.stack.push({
      name, kind: cat as ProfileEventKind, pass: currentPass, scope, track: cat === 'kernel' ? 'kernels' : 'main',
      start: now(), bytes0: allocatedBytes, child: 0,
    });
    return this.stack.length - 1;
  }

  end(token: number): void {
    const t = now();
    // An exception may have skipped inner ends; close them too so the stack stays consistent.
    while (this.stack.length > token + 1) this.end(this.stack.length - 1);
    const o = this.stack.pop();
    if (o === undefined) return;
    const total = t - o.start;
    let depth = 0;
    for (const p of this.stack) if (p.track === o.track) depth++;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      if (this.stack[i]!.track === o.track) {
        this.stack[i]!.child += total;
        break;
      }
    }
    this.events.push({
      name: o.name, kind: o.kind, pass: o.pass,
      module: o.scope === null ? null : o.scope.path(), moduleClass: o.scope?.className ?? null,
      track: o.track, start: o.start - this.t0, total, self: Math.max(0, total - o.child),
      bytes: allocatedBytes - o.bytes0, depth,
    });
  }
}

/** The current backend with every kernel timed on the kernels track. */
function timedBackend(base: AnyBackend, rec: ProfileRecorder): AnyBackend {
  const wrapped: Record<string, unknown> = { name: base.name };
  for (const [key, fn] of Object.entries(base)) {
    // Settings (device, allocMinBytes) as they are; every kernel timed.
    if (typeof fn !== 'function') {
      wrapped[key] = fn;
      continue;
    }
    const f = fn as (...args: unknown[]) => unknown;
    wrapped[key] = (...args: unknown[]): unknown => {
      // unary, binary and reduce take the op as their first argument: `wasm.binary.add`.
      const name = typeof args[0] === 'string' ? `${base.name}.${key}.${args[0]}` : typeof args[0] === 'object' && args[0] !== null && 'kind' in args[0] ? `${base.name}.${key}.${String((args[0] as { kind: unknown }).kind)}` : `${base.name}.${key}`;
      const token = rec.begin(name, 'kernel', null);
      try {
        return f.apply(base, args);
      } finally {
        rec.end(token);
      }
    };
  }
  return wrapped as unknown as AnyBackend;
}

let active: { rec: ProfileRecorder; base: AnyBackend; timed: AnyBackend | null } | null = null;

/** Whether a profiler is recording. */
export function isProfiling(): boolean {
  return active !== null;
}

/**
 * Starts recording (for code that awaits; else prefer `profile(fn)`). Every op, backward node, module call
 * and (unless `kernels: false`) backend kernel is timed until `stopProfiler()`.
 */
export function startProfiler(opts: ProfileOptions = {}): void {
  checkOptions('startProfiler', opts, ['kernels']);
  if (active !== null || recorder !== null) throw new Error('startProfiler: a profiler is already recording; stop it first');
  const base = getBackend();
  const rec = new ProfileRecorder(base.name, opts.kernels !== false);
  const timed = opts.kernels === false ? null : timedBackend(base, rec);
  if (timed !== null) swapCurrentBackend(timed);
  setRecorder(rec);
  active = { rec, base, timed };
}

/** Stops recording and returns what was recorded. */
export function stopProfiler(): Profile {
  if (active === null) throw new Error('stopProfiler: no profiler is recording; call startProfiler() first');
  const { rec, base, timed } = active;
  active = null;
  setRecorder(null);
  if (timed !== null && getBackend() === timed) swapCurrentBackend(base);
  return new Profile(rec.events, now() - rec.t0, rec.backend);
}

/**
 * Runs `fn` under the profiler and returns the profile, with `fn`'s result as `result` (PyTorch's
 * `torch.profiler.profile`). Synchronous functions only; use `startProfiler`/`stopProfiler` around awaits.
 * @example
 * const prof = profile(() => trainStep());
 * console.log(prof.table({ limit: 15 }));
 * await writeChromeTrace('trace.json', prof); // @tensile/tensor/node; open in ui.perfetto.dev
 */
export function profile<T>(fn: () => T, opts: ProfileOptions = {}): Profile & { result: T } {
  if (typeof fn !== 'function') throw new TypeError(`profile: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  startProfiler(opts);
  let result: T;
  let prof: Profile;
  try {
    // `scoped` refuses an async function: the profile would end at its first await.
    result = scoped('profile', 'the profiler', (on) => on, true, fn);
  } finally {
    prof = stopProfiler();
  }
  return Object.assign(prof, { result });
}

/**
 * Records `fn` as a named range in the profile (PyTorch's `record_function`); just calls `fn` when no
 * profiler runs. `pass: 'optimizer'` (what optimizers use) files the ops inside under the optimizer step.
 */
export function recordFunction<T>(name: string, fn: () => T, opts: { pass?: 'forward' | 'backward' | 'optimizer' } = {}): T {
  const rec = recorder;
  if (rec === null) return fn();
  const prevPass = opts.pass === undefined ? null : setCurrentPass(opts.pass);
  const token = rec.begin(name, 'range', null);
  try {
    return fn();
  } finally {
    rec.end(token);
    if (prevPass !== null) setCurrentPass(prevPass);
  }
}

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtBytes = (b: number): string => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KB` : `${b} B`);

/** What a profiler recorded: the events, aggregated rows, a printable table and a Chrome trace. */
export class Profile {
  constructor(
    readonly events: readonly ProfileEvent[],
    /** Wall time from start to stop, in ms. */
    readonly durationMs: number,
    /** The backend that ran the kernels. */
    readonly backend: string,
  ) {}

  /**
   * The events aggregated per name and pass (`groupBy: 'op'`, the default: ops, backward nodes, kernels,
   * ranges) or per module path and pass (`'module'`: forward from the module calls, backward from the
   * backward nodes recorded in each module), sorted by self time, largest first.
   */
  rows(opts: TableOptions = {}): ProfileRow[] {
    checkOptions('Profile.rows', opts, ['groupBy', 'sortBy', 'limit']);
    const by = opts.groupBy ?? 'op';
    const out = new Map<string, ProfileRow>();
    const add = (name: string, kind: ProfileEventKind, e: ProfileEvent, self: number, total: number): void => {
      const key = `${kind}\u0000${name}\u0000${e.pass}`;
      let row = out.get(key);
      if (row === undefined) out.set(key, (row = { name, kind, pass: e.pass, calls: 0, selfMs: 0, totalMs: 0, bytes: 0 }));
      row.calls++;
      row.selfMs += self;
      row.totalMs += total;
      row.bytes += e.bytes;
    };
    for (const e of this.events) {
      if (by === 'op') {
        if (e.kind !== 'module') add(e.name, e.kind, e, e.self, e.total);
      } else if (e.kind === 'module' || e.kind === 'backward') {
        if (e.module === null) continue;
        const name = `${e.module === '' ? '(model)' : e.module} (${e.moduleClass})`;
        // A module's forward is its call; its backward is the backward nodes of the ops it ran.
        add(name, 'module', e, e.kind === 'module' ? e.self : e.total, e.total);
      }
    }
    const key = { self: 'selfMs', total: 'totalMs', calls: 'calls', bytes: 'bytes' }[opts.sortBy ?? 'self'] as keyof ProfileRow;
    const rows = [...out.values()].sort((a, b) => (b[key] as number) - (a[key] as number));
    return opts.limit === undefined ? rows : rows.slice(0, opts.limit);
  }

  /** The rows as an aligned text table with a total line (PyTorch's `key_averages().table()`). */
  table(opts: TableOptions = {}): string {
    const rows = this.rows(opts);
    const totalSelf = this.events.filter((e) => e.track === 'main' && e.depth === 0).reduce((s, e) => s + e.total, 0);
    const head = [opts.groupBy === 'module' ? 'Module' : 'Name', 'Kind', 'Pass', 'Calls', 'Self ms', 'Self %', 'Total ms', 'Allocated'];
    const body = rows.map((r) => [
      r.name, r.kind, r.pass, String(r.calls), fmtMs(r.selfMs),
      r.kind === 'kernel' || totalSelf === 0 ? '' : `${((100 * r.selfMs) / totalSelf).toFixed(1)}%`,
      fmtMs(r.totalMs), fmtBytes(r.bytes),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
    const rule = '-'.repeat(widths.reduce((s, w) => s + w + 2, -2));
    return [rule, line(head), rule, ...body.map(line), rule,
      `Recorded: ${fmtMs(totalSelf)} ms in top-level events of ${fmtMs(this.durationMs)} ms wall time; backend ${this.backend}`].join('\n');
  }

  /**
   * The events in the Chrome trace event format: complete (`X`) events in microseconds, ops and modules on
   * the "main" track (nested by time), kernels on a "<backend> kernels" track, and the jobs of the wasm
   * backend's thread pool on one track per thread ("wasm thread 0 (calling)", "wasm worker 1", …), timed
   * on the thread that ran them.
   */
  toChromeTrace(): ChromeTrace {
    const pid = 1;
    const events: TraceEvent[] = [
      { name: 'process_name', ph: 'M', pid, tid: 0, args: { name: 'Tensile' } },
      { name: 'thread_name', ph: 'M', pid, tid: TRACKS.main, args: { name: 'main thread: modules, ops, backward' } },
      { name: 'thread_name', ph: 'M', pid, tid: TRACKS.kernels, args: { name: `${this.backend} kernels` } },
    ];
    const threads = [...new Set(this.events.filter((e) => e.track.startsWith('thread ')).map((e) => Number(e.track.slice(7))))].sort((a, b) => a - b);
    for (const n of threads) {
      events.push({ name: 'thread_name', ph: 'M', pid, tid: 10 + n, args: { name: n === 0 ? `${this.backend} thread 0 (calling thread)` : `${this.backend} worker ${n}` } });
      events.push({ name: 'thread_sort_index', ph: 'M', pid, tid: 10 + n, args: { sort_index: 10 + n } });
    }
    // Parents before children at equal timestamps, so viewers nest them.
    const sorted = [...this.events].sort((a, b) => a.start - b.start || a.depth - b.depth);
    for (const e of sorted) {
      const args: Record<string, unknown> = { pass: e.pass, self_us: Math.round(e.self * 1000), allocated_bytes: e.bytes };
      if (e.module !== null) args['module'] = e.module === '' ? `(model) ${e.moduleClass}` : `${e.module} (${e.moduleClass})`;
      events.push({
        name: e.kind === 'module' ? `${e.module === '' || e.module === null ? '(model)' : e.module}: ${e.name}` : e.name,
        cat: e.kind, ph: 'X', ts: Math.round(e.start * 1000 * 1000) / 1000, dur: Math.round(e.total * 1000 * 1000) / 1000,
        pid, tid: tidOf(e.track), args,
      });
    }
    return { traceEvents: events, displayTimeUnit: 'ms', otherData: { producer: '@tensile/tensor profiler', backend: this.backend } };
  }
}
