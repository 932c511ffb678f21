// summary(model, input): the table torchinfo.summary prints: every module's path, class, output shape and
// parameter counts, the totals, and the memory that parameters, gradients and optimizer state take.
import { Tensor, checkOptions, noGrad, zeros, type DType } from '@tensile/tensor';
import { classNameOf } from './hooks.js';
import { registerModuleForwardHook } from './hooks.js';
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
  /** Show modules down to this depth (the model is depth 0; default: all). The totals always count everything. */
  depth?: number;
}

/** One module of the summary. */
export interface SummaryRow {
  /** Dotted path (`"encoder.layers.0.fc1"`; `""` for the model). */
  path: string;
  className: string;
  depth: number;
  /** The shape of the output of its last call, or null when forward did not call it (a ModuleList). Several outputs: the first. The table adds "(n calls)" for a module called more than once. */
  outputShape: number[] | null;
  /** Calls during the forward. */
  calls: number;
  /** Elements of its own parameters (not its children's). */
  params: number;
  /** Of those, the ones that require grad. */
  trainable: number;
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
    const body = shown.map((r) => [
      r.depth === 0 ? '(model)' : `${'  '.repeat(r.depth - 1)}${r.path}`,
      r.className,
      r.outputShape === null ? '--' : `[${r.outputShape.join(', ')}]${r.calls > 1 ? ` (${r.calls} calls)` : ''}`,
      r.params === 0 ? '--' : fmt(r.params),
      r.params === 0 ? '--' : fmt(r.trainable),
    ]);
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
 * an array of tensors for a forward of several arguments), records each module's output shape with global
 * forward hooks, and returns the table `torchinfo.summary` prints: per module its path, class, output shape,
 * parameter and trainable counts, then the totals and the memory of parameters, gradients (trainable
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
  const seen = new Map<AnyModule, { shape: number[] | null; calls: number }>();
  const handle = registerModuleForwardHook((m, _inputs, out) => {
    const first = out instanceof Tensor ? out : Array.isArray(out) ? out.find((o) => o instanceof Tensor) : undefined;
    const rec = seen.get(m) ?? { shape: null, calls: 0 };
    rec.calls++;
    rec.shape = first instanceof Tensor ? [...first.shape] : null;
    seen.set(m, rec);
  });
  const modes = modules.map(([, m]) => m.training);
  try {
    model.eval();
    noGrad(() => model.forward(...args));
  } finally {
    handle.remove();
    modules.forEach(([, m], i) => (m.training = modes[i]!));
  }
  const rows: SummaryRow[] = modules.map(([path, m]) => {
    const own = m.namedParameters().filter(([n]) => !n.includes('.')).map(([, p]) => p);
    const rec = pathOf.has(m) ? seen.get(m) : undefined;
    return {
      path, className: classNameOf(m), depth: path === '' ? 0 : path.split('.').length,
      outputShape: rec?.shape ?? null, calls: rec?.calls ?? 0,
      params: own.reduce((s, p) => s + p.numel, 0),
      trainable: own.reduce((s, p) => s + (p.requiresGrad ? p.numel : 0), 0),
    };
  });
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
