// The hostile-input harness. A case is a bad (or tricky) input to a public API and what PyTorch's behaviour
// says must happen: a clear typed error whose message names what was wrong, or the right answer. Each
// outcome is classified as one of
//   error       a clear typed error matching the spec (counted as "clear errors given")
//   right       the right answer
//   wrong       a SILENT WRONG ANSWER: a value where an error was due, a wrong value, or a failed call that
//               changed state
//   hang        the case did not finish within its time limit
//   raw         a RAW ENGINE ERROR: the JavaScript engine's message leaked out (`Cannot read properties`…)
//   unexpected  anything else: another error class or message than the spec's, an error where PyTorch answers
// The cases of a category run in a worker thread, one after another; the main thread watches each one with a
// timer, and a case that overruns is recorded as a hang, its worker terminated and the next case run in a
// fresh worker. So a hang fails its case and blocks nothing.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** An error class an expectation accepts (built-in or one of Tensile's). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** The call must throw one of `error` whose message matches every pattern. */
export interface ErrorExpectation {
  readonly error: ErrorClass | readonly ErrorClass[];
  readonly message: RegExp | readonly RegExp[];
}

/** The call must return: `check` says what is wrong with the value, or null when it is right. */
export interface ValueExpectation {
  readonly check: (value: unknown) => string | null;
}

/** Full control (the command-line cases): the case classifies what `run` returned. */
export interface ClassifyExpectation {
  readonly classify: (value: unknown) => Outcome;
}

export type Expectation = ErrorExpectation | ValueExpectation | ClassifyExpectation;

/** One hostile input. `S` is what `setup` builds for `run` and `unchanged`. */
export interface Case<S = unknown> {
  readonly name: string;
  /** Builds the objects the case works on (not timed separately; its errors are the harness's problem). */
  readonly setup?: () => S;
  /** The hostile call. May return a promise only when `async` is set. */
  readonly run: (state: S) => unknown;
  readonly expect: Expectation;
  /** A snapshot of the state a failing call must leave alone ("check everything before mutating"). */
  readonly unchanged?: (state: S) => unknown;
  /** The call is asynchronous: await what `run` returns. */
  readonly async?: boolean;
  /** Time limit in ms (default `DEFAULT_TIMEOUT_MS`). */
  readonly timeoutMs?: number;
}

/** The cases of one category, as each `cases/*.ts` module exports them by default. */
export interface Category {
  readonly title: string;
  readonly cases: readonly Case<any>[];
}

/** Declares a category; case names must be unique within it. */
export function category(title: string, cases: readonly Case<any>[]): Category {
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`hostile suite: the case name "${c.name}" appears twice in ${title}`);
    seen.add(c.name);
  }
  return { title, cases };
}

/** Shorthand for an error expectation: `err(ShapeError, /matmul/, /\[2, 3\]/)`. */
export function err(error: ErrorClass | readonly ErrorClass[], ...message: RegExp[]): ErrorExpectation {
  return { error, message };
}

/** Shorthand for a value expectation. */
export function ok(check: (value: any) => string | null): ValueExpectation {
  return { check };
}

export type Kind = 'error' | 'right' | 'wrong' | 'hang' | 'raw' | 'unexpected';

/** What happened to one case. */
export interface Outcome {
  readonly kind: Kind;
  readonly detail: string;
}

/** The kinds that fail the suite. */
export const FAILURE_KINDS: readonly Kind[] = ['wrong', 'hang', 'raw', 'unexpected'];

export const DEFAULT_TIMEOUT_MS = 20_000;

/** Messages only the engine writes: a bug in our code surfaced instead of a check. */
export const RAW_MESSAGE =
  /Invalid typed array length|Cannot read propert|is not a function|undefined is not|Maximum call stack|Array buffer allocation failed|is not iterable|Invalid array length|Cannot set propert|is not a constructor|Cannot convert a |Invalid string length|outside the bounds of the DataView|Offset is outside|out of memory/;
const BUILTIN_ERRORS: readonly ErrorClass[] = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
/** Tensile's messages start by naming where they come from: `zeros: …`, `loadStateDict(Linear): …`, `--epochs …`. */
const NAMED_PREFIX = /^(--|[\w.$[\]'"-]+(\([^)]*\))?(\.\w+)?:\s)/;

/** `ShapeError: matmul: …`, cut to a readable length. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `a thrown non-Error ${typeof e}: ${String(e).slice(0, 200)}`;
  const msg = e.message.length > 400 ? `${e.message.slice(0, 400)}…` : e.message;
  return `${e.constructor?.name ?? e.name}: ${msg}`;
}

/** Whether `e` is the engine's own error rather than one of ours. */
export function isRawEngineError(e: unknown): boolean {
  if (!(e instanceof Error)) return true;
  if (RAW_MESSAGE.test(e.message)) return true;
  // A built-in class thrown by the engine (JSON.parse's SyntaxError, a ReferenceError) has no "where:" prefix.
  const builtin = BUILTIN_ERRORS.some((E) => e.constructor === E);
  return builtin && !NAMED_PREFIX.test(e.message);
}

const classesOf = (x: ErrorClass | readonly ErrorClass[]): readonly ErrorClass[] => (Array.isArray(x) ? x : [x as ErrorClass]);
const patternsOf = (x: RegExp | readonly RegExp[]): readonly RegExp[] => (x instanceof RegExp ? [x] : x);
const className = (E: ErrorClass): string => (E as unknown as { name: string }).name;

/** Classifies what a case's call did: `threw` with `error`, or returned `value`. */
export function classify(expect: Expectation, result: { threw: true; error: unknown } | { threw: false; value: unknown }): Outcome {
  if ('classify' in expect) {
    if (result.threw) return { kind: isRawEngineError(result.error) ? 'raw' : 'unexpected', detail: `the case itself threw ${describeError(result.error)}` };
    return expect.classify(result.value);
  }
  if (result.threw) {
    const e = result.error;
    if (isRawEngineError(e)) return { kind: 'raw', detail: describeError(e) };
    if ('check' in expect) return { kind: 'unexpected', detail: `expected an answer, got ${describeError(e)}` };
    const classes = classesOf(expect.error);
    const patterns = patternsOf(expect.message);
    const rightClass = classes.some((E) => e instanceof E);
    const missing = e instanceof Error ? patterns.filter((p) => !p.test(e.message)) : patterns;
    if (rightClass && missing.length === 0) return { kind: 'error', detail: describeError(e) };
    const want = `${classes.map(className).join(' or ')} matching ${patterns.map(String).join(' and ')}`;
    return { kind: 'unexpected', detail: `expected ${want}, got ${describeError(e)}${missing.length && rightClass ? ` (no match for ${missing.map(String).join(', ')})` : ''}` };
  }
  if ('check' in expect) {
    let problem: string | null;
    try {
      problem = expect.check(result.value);
    } catch (e) {
      problem = `checking the answer threw ${describeError(e)}`;
    }
    return problem === null ? { kind: 'right', detail: 'right answer' } : { kind: 'wrong', detail: problem };
  }
  const classes = classesOf(expect.error).map(className).join(' or ');
  return { kind: 'wrong', detail: `expected ${classes}, but the call returned ${describeValue(result.value)}` };
}

/** A short description of a returned value for the report. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (v instanceof Promise) return 'a Promise';
  if (typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v && typeof (v as { toArray?: unknown }).toArray === 'function') {
    const t = v as { shape: number[]; dtype: string; numel: number; toArray(): unknown };
    let values: string;
    try {
      values = t.numel <= 12 ? ` ${JSON.stringify(t.toArray())}` : '';
    } catch (e) {
      values = ` whose elements cannot be read (${describeError(e)})`;
    }
    return `a ${t.dtype} tensor of shape [${String(t.shape).replace(/,/g, ', ')}]${values}`;
  }
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v).slice(0, 80)}`;
}

/** Deep equality of snapshots (plain data), with NaN equal to NaN. Returns where they differ, or null. */
export function diff(a: unknown, b: unknown, path = ''): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a === 'number' && typeof b === 'number') return `${path || 'value'}: ${a} became ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path || 'value'}: length ${a.length} became ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return `${path || 'value'}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`;
}

/** Runs one case to its outcome (in the worker). */
export async function runCase(c: Case<any>): Promise<Outcome> {
  let state: unknown;
  try {
    state = c.setup?.();
  } catch (e) {
    return { kind: isRawEngineError(e) ? 'raw' : 'unexpected', detail: `setup threw ${describeError(e)}` };
  }
  let before: unknown;
  try {
    before = c.unchanged ? structuredClone(c.unchanged(state)) : undefined;
  } catch (e) {
    return { kind: 'unexpected', detail: `the snapshot before the call threw ${describeError(e)}` };
  }
  let result: { threw: true; error: unknown } | { threw: false; value: unknown };
  try {
    let value = c.run(state);
    if (c.async) {
      // A promise that never settles must read as a hang, not let the worker's event loop drain and exit.
      const keepAlive = setInterval(() => undefined, 2 ** 30);
      try {
        value = await value;
      } finally {
        clearInterval(keepAlive);
      }
    }
    // A promise the case did not await must not take the worker down when it rejects.
    else if (value instanceof Promise) value.catch(() => undefined);
    result = { threw: false, value };
  } catch (error) {
    result = { threw: true, error };
  }
  let outcome: Outcome;
  try {
    outcome = classify(c.expect, result);
  } catch (e) {
    outcome = { kind: 'unexpected', detail: `classifying the outcome threw ${describeError(e)}` };
  }
  if (c.unchanged && result.threw) {
    let changed: string | null;
    try {
      changed = diff(before, c.unchanged(state));
    } catch (e) {
      changed = `the snapshot after the call threw ${describeError(e)}`;
    }
    if (changed !== null) {
      return { kind: outcome.kind === 'error' ? 'wrong' : outcome.kind, detail: `${outcome.detail}; and the failed call changed the state: ${changed}` };
    }
  }
  return outcome;
}

// ---- the main thread: workers, watchdog, report ----

/** A category's outcomes, in case order. */
export interface CategoryReport {
  readonly file: string;
  readonly title: string;
  readonly names: readonly string[];
  readonly outcomes: readonly Outcome[];
}

type FromWorker =
  | { type: 'list'; title: string; cases: { name: string; timeoutMs: number }[] }
  | { type: 'start'; index: number }
  | { type: 'result'; index: number; outcome: Outcome }
  | { type: 'done' };

function workerUrl(): URL {
  const url = new URL('../dist/worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`hostile suite: ${fileURLToPath(url)} is missing; run \`pnpm build\` first`);
  return url;
}

interface Running {
  readonly worker: Worker;
  /** The worker's reports come over a port of their own, so that when the worker dies the ones it sent first can be read synchronously. */
  readonly port: MessagePort;
}

function startWorker(file: string, from: number, listOnly: boolean): Running {
  const { port1, port2 } = new MessageChannel();
  // The JS heap is capped so a runaway case takes its worker down, not the machine.
  const worker = new Worker(workerUrl(), {
    workerData: { file, from, listOnly, port: port2 },
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: 2048 },
    stdout: false,
    stderr: false,
  });
  return { worker, port: port1 };
}

function stop(r: Running): void {
  r.worker.removeAllListeners();
  r.port.removeAllListeners();
  r.port.close();
  void r.worker.terminate();
}

/** The title and case names of a category module (`cases/data`; loaded in a worker, nothing run). */
export function listCases(file: string): Promise<{ title: string; names: string[] }> {
  return new Promise((resolve, reject) => {
    const r = startWorker(file, 0, true);
    r.port.on('message', (m: FromWorker) => {
      if (m.type !== 'list') return;
      resolve({ title: m.title, names: m.cases.map((c) => c.name) });
      stop(r);
    });
    r.worker.on('error', reject);
  });
}

/**
 * Runs every case of `file` (a module path under dist/, `cases/data`) in worker threads, each under a watchdog: a case that
 * overruns its time limit is a hang; its worker is terminated and a new one carries on with the next case.
 */
export function runCategory(file: string): Promise<CategoryReport> {
  return new Promise((resolve, reject) => {
    let title = file;
    let cases: { name: string; timeoutMs: number }[] = [];
    const outcomes: Outcome[] = [];
    let current = -1;
    let last = -1;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Running;

    const finish = () => {
      done = true;
      resolve({ file, title, names: cases.map((c) => c.name), outcomes });
    };
    // Ends the worker and records `outcome` for the case under way (or, when it died between cases, the
    // one it had just finished), then carries on with the next case in a fresh worker.
    const abandon = (outcome: Outcome) => {
      clearTimeout(timer);
      const index = current >= 0 ? current : last;
      stop(running);
      if (index < 0) return reject(new Error(`hostile suite: the worker for ${file} failed before its first case: ${outcome.detail}`));
      outcomes[index] = current >= 0 ? outcome : { ...outcome, detail: `after its result, ${outcome.detail}` };
      current = -1;
      last = index;
      if (index + 1 < cases.length) launch(index + 1);
      else finish();
    };
    const onMessage = (m: FromWorker) => {
      if (m.type === 'list') {
        title = m.title;
        cases = m.cases;
      } else if (m.type === 'start') {
        current = m.index;
        const limit = cases[m.index]!.timeoutMs;
        timer = setTimeout(() => abandon({ kind: 'hang', detail: `did not finish within ${limit / 1000} s` }), limit);
      } else if (m.type === 'result') {
        clearTimeout(timer);
        outcomes[m.index] = m.outcome;
        last = m.index;
        current = -1;
      } else {
        stop(running);
        finish();
      }
    };
    // A worker's death and its messages travel apart, so the death can arrive first: read what it had sent
    // (a case's 'start', say) before deciding which case the death belongs to.
    const died = (outcome: Outcome) => {
      const r = running;
      for (let m = receiveMessageOnPort(r.port); m !== undefined && running === r && !done; m = receiveMessageOnPort(r.port)) onMessage(m.message as FromWorker);
      if (running === r && !done) abandon(outcome);
    };
    const launch = (from: number) => {
      running = startWorker(file, from, false);
      running.port.on('message', onMessage);
      // A worker that dies in a case (an uncaught error from a stray callback, heap exhaustion) fails that case.
      running.worker.on('error', (e) => died({ kind: isRawEngineError(e) ? 'raw' : 'unexpected', detail: `the worker died: ${describeError(e)}` }));
      running.worker.on('exit', (code) => died({ kind: 'unexpected', detail: `the worker exited with code ${code}` }));
    };
    launch(0);
  });
}

/** Per kind, how many outcomes of a report have it. */
export function tally(report: CategoryReport): Record<Kind, number> {
  const t: Record<Kind, number> = { error: 0, right: 0, wrong: 0, hang: 0, raw: 0, unexpected: 0 };
  for (const o of report.outcomes) t[o.kind] += 1;
  return t;
}

const COLUMNS: [string, (r: CategoryReport, t: Record<Kind, number>) => number][] = [
  ['inputs tried', (r) => r.outcomes.length],
  ['clear errors', (_, t) => t.error],
  ['right answers', (_, t) => t.right],
  ['WRONG (silent)', (_, t) => t.wrong],
  ['HANG', (_, t) => t.hang],
  ['RAW ENGINE', (_, t) => t.raw],
  ['unexpected', (_, t) => t.unexpected],
];

/** The summary table, one row per category and a total, then every failure (or, `verbose`, every outcome) with its reason. */
export function formatReport(reports: readonly CategoryReport[], verbose = false): string {
  const rows = reports.map((r) => {
    const t = tally(r);
    return [r.title, ...COLUMNS.map(([, f]) => String(f(r, t)))];
  });
  const totals = COLUMNS.map((_, i) => String(rows.reduce((s, row) => s + Number(row[i + 1]), 0)));
  const all = [['category', ...COLUMNS.map(([h]) => h)], ...rows, ['total', ...totals]];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const out = ['Hostile-input suite', line(all[0]!), rule, ...rows.map(line), rule, line(all[all.length - 1]!)];
  const failures = reports.flatMap((r) => r.outcomes.map((o, i) => ({ o, name: r.names[i]!, title: r.title })).filter(({ o }) => FAILURE_KINDS.includes(o.kind)));
  if (verbose) {
    out.push('', 'Every outcome:');
    for (const r of reports) r.outcomes.forEach((o, i) => out.push(`  [${o.kind}] ${r.title} › ${r.names[i]}: ${o.detail}`));
  }
  if (failures.length > 0) {
    out.push('', `Failures (${failures.length}):`);
    for (const { o, name, title } of failures) out.push(`  [${o.kind.toUpperCase()}] ${title} › ${name}: ${o.detail}`);
  }
  return out.join('\n');
}
