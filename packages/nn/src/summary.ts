// summary(model, input): the table torchinfo.summary prints: a row per module call, in call order, with
// the module's path, class, that call's output shape and its parameter counts, the totals, and the memory
// that parameters, gradients and optimizer state take.
import { Tensor, checkOptions, noGrad, zeros, type DType } from '@tensile/tensor';
import { classNameOf } from './hooks.js';
import { registerModuleForwardHook, registerModuleForwardPreHook } from './hooks.js';
import type { AnyModule } from './module.js';

/** The optimizer, as summary reads it: its name, its state by parameter name, and its hyperparameters. */
export interface SummaryOptimizer {
  readonly name: string;
  readonly state: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly defaults?: Readonly<Record<string, unknown>>;
}

export interface SummaryOptions {
  /** The input's dtype when a shape is given (default: the dtype of the model's first float parameter, else float32). */
  dtype?: DType;
  /** Count its state; before its first step (no state yet), estimate it from its kind. Default: assume Adam. */
  optimizer?: SummaryOptimizer;
  /**
   * Show modules down to this depth (the model is depth 0; default: all). A row at this depth whose children
   * are hidden counts its whole subtree's parameters, as torchinfo does. The totals always count everything.
   */
  depth?: number;
}

/**
 * One row of the summary: one call of a module, as torchinfo lists them (in call order; a module called
 * twice has two rows, the second `recursive`), or a module that forward never called (a ModuleList, an
 * unused layer), placed before its first called descendant or else at the end of its parent's rows.
 */
export interface SummaryRow {
  /** Dotted path (`"encoder.layers.0.fc1"`; `""` for the model). */
  path: string;
  className: string;
  depth: number;
  /**
   * The shape of this call's output, or null for a module forward did not call. For several outputs (a
   * tuple such as LSTM's `[output, [h, c]]` or MultiheadAttention's `[output, weights]`) the first tensor's,
   * as torchinfo reports them.
   */
  outputShape: number[] | null;
  /** Which call of the module this row is (1 for the first; 0 for a module forward did not call). */
  call: number;
  /** Calls of the module during the forward. */
  calls: number;
  /** The module ran earlier in this forward (torchinfo's "(recursive)": its parameters are counted at its first row). */
  recursive: boolean;
  /** Elements of its own parameters (not its children's). */
  params: number;
  /** Of those, the ones that require grad. */
  trainable: number;
  /** Elements of the parameters of the module and all its descendants (each once). */
  subtreeParams: number;
  /** Of those, the ones that require grad. */
  subtreeTrainable: number;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const MB = 1024 * 1024;

/** What `summary` returns: the rows, the totals and the memory estimate; `toString()` prints the table. */
export class ModelSummary {
  constructor(
    readonly model: string,
    readonly rows: readonly SummaryRow[],
    readonly totalParams: number,
    readonly trainableParams: number,
    readonly inputBytes: number,
    readonly paramBytes: number,
    readonly gradBytes: number,
    readonly optimizerStateBytes: number,
    /** How the optimizer state was counted: measured, estimated for its kind, or Adam assumed. */
    readonly optimizerNote: string,
    private readonly maxDepth: number,
  ) {}

  toString(): string {
    const fmt = (n: number): string => n.toLocaleString('en-US');
    const shown = this.rows.filter((r) => r.depth <= this.maxDepth);
    const head = ['Layer (path)', 'Type', 'Output Shape', 'Param #', 'Trainable #'];
    const body = shown.map((r) => {
      // At the depth limit a row stands for its hidden children too.
      const [p, t] = r.depth === this.maxDepth ? [r.subtreeParams, r.subtreeTrainable] : [r.params, r.trainable];
      return [
        r.depth === 0 ? '(model)' : `${'  '.repeat(r.depth - 1)}${r.path}`,
        r.className,
        r.outputShape === null ? '--' : `[${r.outputShape.join(', ')}]`,
        r.recursive ? '(recursive)' : p === 0 ? '--' : fmt(p),
        r.recursive ? '(recursive)' : p === 0 ? '--' : fmt(t),
      ];
    });
    const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (c: string[]): string => c.map((s, i) => (i < 3 ? s.padEnd(w[i]!) : s.padStart(w[i]!))).join('   ');
    const width = w.reduce((s, x) => s + x + 3, -3);
    const bar = '='.repeat(width);
    const mb = (b: number): string => (b / MB).toFixed(2);
    return [
      bar, line(head), bar, ...body.map(line), bar,
      `Total params: ${fmt(this.totalParams)}`,
      `Trainable params: ${fmt(this.trainableParams)}`,
      `Non-trainable params: ${fmt(this.totalParams - this.trainableParams)}`,
      bar,
      `Input size (MB): ${mb(this.inputBytes)}`,
      `Params size (MB): ${mb(this.paramBytes)}`,
      `Gradients size (MB): ${mb(this.gradBytes)}`,
      `Optimizer state size (MB): ${mb(this.optimizerStateBytes)} (${this.optimizerNote})`,
      `Estimated total size (MB): ${mb(this.inputBytes + this.paramBytes + this.gradBytes + this.optimizerStateBytes)}`,
      bar,
    ].join('\n');
  }
}

/** Per-parameter buffers of the built-in optimizers, for an optimizer that has not stepped yet. */
function buffersOf(opt: SummaryOptimizer): [number, string] {
  const h = opt.defaults ?? {};
  const on = (k: string): number => (h[k] !== undefined && h[k] !== 0 && h[k] !== false ? 1 : 0);
  switch (opt.name) {
    case 'Adam': case 'AdamW': return [2 + on('amsgrad'), `estimated for ${opt.name}: ${2 + on('amsgrad')} buffers per trainable parameter, before its first step`];
    case 'SGD': return [on('momentum'), `estimated for SGD: ${on('momentum')} buffer per trainable parameter, before its first step`];
    case 'RMSProp': { const n = 1 + on('centered') + on('momentum'); return [n, `estimated for RMSProp: ${n} buffers per trainable parameter, before its first step`]; }
    case 'AdaGrad': return [1, 'estimated for AdaGrad: 1 buffer per trainable parameter, before its first step'];
    default: return [2, `${opt.name} has no state yet; assuming Adam's 2 buffers per trainable parameter`];
  }
}

/**
 * Runs one forward pass (eval mode, no graph) on `input` (a shape with the batch dimension, a tensor, or
 * an array of tensors for a forward of several arguments), records every module call with global forward
 * pre-hooks and hooks, and returns the table `torchinfo.summary` prints: a row per call in call order (a
 * module called twice gets two rows, the second marked "(recursive)"), with the module's path, class, that
 * call's output shape (a tuple's first tensor, as for LSTM or MultiheadAttention), its own parameter and
 * trainable counts, then the totals and the memory of parameters, gradients (trainable
 * parameters) and optimizer state (given `optimizer`: its state, or an estimate for its kind before its
 * first step; without one, Adam's two buffers per trainable parameter, as the table says).
 * @example console.log(summary(model, [64, 1, 28, 28]).toString());
 */
export function summary(model: AnyModule, input: readonly number[] | Tensor | readonly Tensor[], opts: SummaryOptions = {}): ModelSummary {
  const who = `summary(${classNameOf(model)})`;
  checkOptions(who, opts, ['dtype', 'optimizer', 'depth']);
  const named = model.namedParameters();
  let args: Tensor[];
  if (input instanceof Tensor) args = [input];
  else if (Array.isArray(input) && input.every((v) => v instanceof Tensor)) args = [...(input as Tensor[])];
  else if (Array.isArray(input) && input.every((v) => Number.isInteger(v) && (v as number) >= 0)) {
    const dtype = opts.dtype ?? named.find(([, p]) => p.dtype === 'float32' || p.dtype === 'float64')?.[1].dtype ?? 'float32';
    args = [zeros(input as number[], { dtype })];
  } else {
    throw new TypeError(`${who}: input must be a shape (an array of non-negative integers, batch first), a Tensor or an array of Tensors`);
  }
  const modules = model.namedModules();
  const pathOf = new Map(modules.map(([n, m]) => [m, n]));
  // A row per call, opened by a global forward pre-hook (so parents come before their children) and given
  // its output's shape by the forward hook of the same call.
  interface Call { module: AnyModule; call: number; shape: number[] | null }
  const calls: Call[] = [];
  const open: Call[] = [];
  const count = new Map<AnyModule, number>();
  const pre = registerModuleForwardPreHook((m) => {
    if (!pathOf.has(m)) return; // a module outside the model (a temporary one built in forward)
    const n = (count.get(m) ?? 0) + 1;
    count.set(m, n);
    const c: Call = { module: m, call: n, shape: null };
    calls.push(c);
    open.push(c);
  });
  const post = registerModuleForwardHook((m, _inputs, out) => {
    if (!pathOf.has(m)) return;
    for (let i = open.length - 1; i >= 0; i--) {
      if (open[i]!.module !== m) continue;
      open[i]!.shape = firstShape(out);
      open.splice(i, 1);
      break;
    }
  });
  const modes = modules.map(([, m]) => m.training);
  try {
    model.eval();
    noGrad(() => model.forward(...args));
  } finally {
    pre.remove();
    post.remove();
    modules.forEach(([, m], i) => (m.training = modes[i]!));
  }
  const counts = (m: AnyModule): Pick<SummaryRow, 'params' | 'trainable' | 'subtreeParams' | 'subtreeTrainable'> => {
    const own = m.namedParameters().filter(([n]) => !n.includes('.')).map(([, p]) => p);
    const all = m.namedParameters().map(([, p]) => p);
    return {
      params: own.reduce((s, p) => s + p.numel, 0),
      trainable: own.reduce((s, p) => s + (p.requiresGrad ? p.numel : 0), 0),
      subtreeParams: all.reduce((s, p) => s + p.numel, 0),
      subtreeTrainable: all.reduce((s, p) => s + (p.requiresGrad ? p.numel : 0), 0),
    };
  };
  const depthOf = (path: string): number => (path === '' ? 0 : path.split('.').length);
  const rows: SummaryRow[] = calls.map((c) => {
    const path = pathOf.get(c.module)!;
    return {
      path, className: classNameOf(c.module), depth: depthOf(path), outputShape: c.shape,
      call: c.call, calls: count.get(c.module)!, recursive: c.call > 1, ...counts(c.module),
    };
  });
  // Modules forward never called, in module order: before the first row of a called descendant (torchinfo
  // shows such containers there), else after the last row of their parent's subtree.
  const within = (path: string, prefix: string): boolean => prefix === '' || path === prefix || path.startsWith(`${prefix}.`);
  for (const [path, m] of modules) {
    if (count.has(m)) continue;
    const row: SummaryRow = {
      path, className: classNameOf(m), depth: depthOf(path), outputShape: null, call: 0, calls: 0, recursive: false, ...counts(m),
    };
    let at = rows.findIndex((r) => r.path.startsWith(`${path}.`));
    if (at < 0) {
      const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
      let last = -1;
      rows.forEach((r, i) => {
        if (within(r.path, parent)) last = i;
      });
      at = last + 1;
    }
    rows.splice(at, 0, row);
  }
  const total = named.reduce((s, [, p]) => s + p.numel, 0);
  const trainable = named.reduce((s, [, p]) => s + (p.requiresGrad ? p.numel : 0), 0);
  const paramBytes = named.reduce((s, [, p]) => s + p.numel * BYTES[p.dtype], 0);
  const gradBytes = named.reduce((s, [, p]) => s + (p.requiresGrad ? p.numel * BYTES[p.dtype] : 0), 0);
  let stateBytes = 0;
  let note: string;
  const opt = opts.optimizer;
  if (opt !== undefined && opt.state.size > 0) {
    for (const st of opt.state.values()) for (const v of Object.values(st)) if (v instanceof Tensor) stateBytes += v.numel * BYTES[v.dtype];
    note = `${opt.name}'s state, measured`;
  } else {
    const [n, why] = opt === undefined ? [2, "no optimizer given; assuming Adam's 2 buffers per trainable parameter"] : buffersOf(opt);
    stateBytes = gradBytes * n;
    note = why;
  }
  const inputBytes = args.reduce((s, t) => s + t.numel * BYTES[t.dtype], 0);
  return new ModelSummary(classNameOf(model), rows, total, trainable, inputBytes, paramBytes, gradBytes, stateBytes, note, opts.depth ?? Infinity);
}

/** The shape torchinfo reports for a module's output: a tensor's, or for an array (a tuple) its first element's. */
function firstShape(out: unknown): number[] | null {
  if (out instanceof Tensor) return [...out.shape];
  if (Array.isArray(out) && out.length > 0) return firstShape(out[0]);
  return null;
}
