import { Tensor, checkOptions, type DType, isFloat, noGrad, type RemovableHandle } from '@tensile/tensor';
import { addModuleHook, wrapForward, type ForwardHook, type ForwardPreHook, type FullBackwardHook } from './hooks.js';
import { Parameter } from './parameter.js';
import { indentTail } from './repr.js';
import { loadStateDictInto, type LoadStateDictOptions, type LoadStateDictResult, type StateDictInput } from './state-dict.js';

/**
 * What `parameters()` returns: an array of the parameters that also carries their qualified names, so an
 * optimizer given `model.parameters()` can key its state by name (`new Adam(model.parameters())`).
 */
export type ParameterList = Parameter[] & { namedParameters(): [string, Parameter][] };

/** Any module, whatever its forward takes and returns (what the walk and the containers accept). */
export type AnyModule = Module<any[], unknown>;

const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`);

/** The `stateNames` a module's class declares (inherited along the class chain), or none. */
function stateNamesOf(m: object): Readonly<Record<string, string>> {
  const ctor = (Object.getPrototypeOf(m) as { constructor?: { stateNames?: Readonly<Record<string, string>> } } | null)?.constructor;
  return ctor?.stateNames ?? {};
}

/** The class's name for messages, read from the prototype: a field named `constructor` cannot hide it. */
function classNameOf(m: object): string {
  return (Object.getPrototypeOf(m) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'Module';
}

const wrapped = new WeakSet<object>();

/**
 * Routes each class's own `forward` (from `proto` up to Module) through the module-call machinery of
 * hooks.ts, once per class: hooks, the NaN guard's module path and the profiler see every call.
 */
function wrapForwards(proto: object): void {
  for (let p: object | null = proto; p !== null && p !== Module.prototype && !wrapped.has(p); p = Object.getPrototypeOf(p) as object | null) {
    wrapped.add(p);
    const own = Object.getOwnPropertyDescriptor(p, 'forward');
    if (own !== undefined && typeof own.value === 'function') {
      Object.defineProperty(p, 'forward', { ...own, value: wrapForward(own.value as (...args: unknown[]) => unknown) });
    }
  }
}

/**
 * The base class of every layer and model (PyTorch's `torch.nn.Module`). A subclass assigns `Parameter`s,
 * buffers (any other `Tensor`), child modules, and arrays or `Map`s of them to its fields in its constructor
 * and implements `forward`. There is no registration call: `namedParameters()`, `stateDict()` and the other
 * walks read the fields each time they are called, in field order, so nothing can go stale. Use `#private`
 * fields for tensors that should not be saved or trained.
 * @example
 * class MLP extends Module {
 *   fc1 = new Linear(784, 128);
 *   fc2 = new Linear(128, 10);
 *   forward(x: Tensor): Tensor { return this.fc2.forward(relu(this.fc1.forward(x))); }
 * }
 */
export abstract class Module<I extends unknown[] = [Tensor], O = Tensor> {
  /**
   * The names under which fields appear in every walk (`stateDict()`, `namedParameters()`,
   * `namedBuffers()`, `namedChildren()`) when they differ from the field's name: PyTorch's state-dict
   * names, stated once per layer, so a checkpoint crosses to and from PyTorch with no renaming. BatchNorm
   * declares `{ runningMean: 'running_mean', runningVar: 'running_var', numBatchesTracked: 'num_batches_tracked' }`.
   * A field whose entries each need their own name (a recurrent layer's per-layer `weight_ih_l0`,
   * `weight_ih_l1`, …) is named by overriding `members()` instead. `loadStateDict` still accepts a
   * checkpoint that uses the field names for `stateNames` entries (files written before the rename) and
   * reports each such key in `renamedKeys`.
   */
  static readonly stateNames?: Readonly<Record<string, string>>;

  /** Train mode (true) or eval mode (false); set with `train()` / `eval()`, which reach every child. */
  training = true;

  abstract forward(...inputs: I): O;

  constructor() {
    wrapForwards(new.target.prototype as object);
  }

  /**
   * Registers `hook(module, inputs)` to run before each `forward` (PyTorch's `register_forward_pre_hook`).
   * Returning an array replaces the arguments, another value the single argument.
   * @example const h = model.registerForwardPreHook((m, [x]) => [x.mul(2)]); … h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return addModuleHook(this, 'pre', hook, `${classNameOf(this)}.registerForwardPreHook`);
  }

  /**
   * Registers `hook(module, inputs, output)` to run after each `forward` (PyTorch's `register_forward_hook`);
   * a returned value replaces the output.
   * @example model.fc1.registerForwardHook((m, inputs, out) => console.log(out.shape));
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return addModuleHook(this, 'fwd', hook, `${classNameOf(this)}.registerForwardHook`);
  }

  /**
   * Registers `hook(module, gradInput, gradOutput)` to run once the gradients with respect to the module's
   * inputs are computed (PyTorch's `register_full_backward_hook`); a returned array replaces `gradInput`.
   * @example fc.registerFullBackwardHook((m, gIn, gOut) => gIn.map((g) => g?.clamp(-1, 1) ?? null));
   */
  registerFullBackwardHook(hook: FullBackwardHook): RemovableHandle {
    return addModuleHook(this, 'bwd', hook, `${classNameOf(this)}.registerFullBackwardHook`);
  }

  /**
   * The fields the walks visit, as `[name, value]` pairs: own enumerable fields by default, each then
   * renamed by the class's `stateNames`. Containers (`Sequential`, `ModuleList`, `ModuleDict`) override
   * this to name their children `"0"`, `"1"`, …; a layer with PyTorch names that `stateNames` cannot
   * express (one name per array entry) overrides it to yield those names.
   */
  protected members(): Iterable<[string, unknown]> {
    return Object.entries(this);
  }

  /**
   * This module's direct parameters, buffers and children, with arrays and Maps expanded (`"layers.0"`),
   * each as `[name, value, fieldName]`: the name after `stateNames`, and the one before (what checkpoints
   * written before the PyTorch names used).
   */
  private directMembers(): [string, Tensor | AnyModule, string][] {
    const out: [string, Tensor | AnyModule, string][] = [];
    const seen = new Set<unknown>();
    const visit = (name: string, field: string, v: unknown): void => {
      if (v instanceof Tensor || v instanceof Module) out.push([name, v as Tensor | AnyModule, field]);
      else if ((Array.isArray(v) || v instanceof Map) && !seen.has(v)) {
        seen.add(v);
        if (Array.isArray(v)) v.forEach((item, i) => visit(`${name}.${i}`, `${field}.${i}`, item));
        else for (const [k, item] of v) if (typeof k === 'string' || typeof k === 'number') visit(`${name}.${k}`, `${field}.${k}`, item);
      }
    };
    const names = stateNamesOf(this);
    for (const [field, v] of this.members()) {
      if (field !== 'training') visit(Object.hasOwn(names, field) ? names[field]! : field, field, v);
    }
    return out;
  }

  /** Direct children with their field names (not deduplicated, as PyTorch's `_modules`). */
  private directChildren(): [string, AnyModule][] {
    return this.directMembers().filter((e) => e[1] instanceof Module).map(([n, m]) => [n, m as AnyModule]);
  }

  /** Direct children, each once. */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    return this.directChildren().filter(([, m]) => !seen.has(m) && (seen.add(m), true));
  }

  /** Direct children, each once (PyTorch's `children()`). */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant in pre-order, each once, with dotted names (`""` for this one). */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (name: string, m: AnyModule): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [child, c] of m.directChildren()) visit(join(name, child), c);
    };
    visit(prefix, this);
    return out;
  }

  /** This module and every descendant, each once, in pre-order. */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  private namedTensors<T extends Tensor>(keep: (t: Tensor) => t is T): [string, T][] {
    const out: [string, T][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, v] of m.directMembers()) {
        if (v instanceof Tensor && keep(v) && !seen.has(v)) {
          seen.add(v);
          out.push([join(prefix, name), v]);
        }
      }
    }
    return out;
  }

  /**
   * Every parameter with its dotted name (`"0.weight"`, `"encoder.layers.2.bias"`): this module's own
   * first, then each child's in field order (PyTorch's order). A parameter shared by two fields appears
   * once, under the first name.
   */
  namedParameters(): [string, Parameter][] {
    return this.namedTensors((t): t is Parameter => t instanceof Parameter);
  }

  /**
   * The parameters, as an array that also answers `namedParameters()` with the same pairs, so
   * `new Adam(model.parameters())` can key its state by qualified name.
   */
  parameters(): ParameterList {
    const named = this.namedParameters();
    const list = named.map(([, p]) => p);
    Object.defineProperty(list, 'namedParameters', {
      value: (): [string, Parameter][] => named.map(([n, p]) => [n, p]),
      enumerable: false,
      writable: false,
      configurable: true,
    });
    return list as ParameterList;
  }

  /** Every buffer (a `Tensor` field that is not a `Parameter`, e.g. BatchNorm's `running_mean`) with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    return this.namedTensors((t): t is Tensor => !(t instanceof Parameter));
  }

  /** Every buffer, each once. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /**
   * Parameters and buffers with their names, in PyTorch's `state_dict` order (per module: parameters,
   * then buffers, then each child). A shared tensor appears under every name, as in PyTorch.
   * @internal The live tensors; `stateDict()` gives detached views of them.
   */
  stateEntries(): [string, Tensor][] {
    return this.stateEntriesWithFieldNames().map(([n, t]) => [n, t]);
  }

  /** `stateEntries()`, each with the key spelled by field names (before `stateNames`) as a third element. */
  private stateEntriesWithFieldNames(): [string, Tensor, string][] {
    const out: [string, Tensor, string][] = [];
    const path = new Set<AnyModule>();
    const visit = (prefix: string, old: string, m: AnyModule): void => {
      if (path.has(m)) return;
      path.add(m);
      const members = m.directMembers();
      for (const [name, v, field] of members) if (v instanceof Parameter) out.push([join(prefix, name), v, join(old, field)]);
      for (const [name, v, field] of members) if (v instanceof Tensor && !(v instanceof Parameter)) out.push([join(prefix, name), v, join(old, field)]);
      for (const [name, v, field] of members) if (v instanceof Module) visit(join(prefix, name), join(old, field), v);
      path.delete(m);
    };
    visit('', '', this);
    return out;
  }

  /**
   * The parameters and buffers by name (parameters then buffers of each module, then its children), as
   * detached tensors that share storage with the model: clone them to keep a snapshot.
   * @example saveSafetensors(model.stateDict())
   */
  stateDict(): Map<string, Tensor> {
    return new Map(this.stateEntries().map(([n, t]) => [n, t.detach()]));
  }

  /**
   * Copies a checkpoint into the parameters and buffers. Every key, shape and dtype is checked first; on
   * any problem a `StateDictError` lists all of them and nothing is changed. With `strict: false`, keys
   * missing from either side are skipped and reported in the result (shape and dtype must still match).
   * Keys are PyTorch's (`running_mean`); a checkpoint written before Tensile used PyTorch's names
   * (`runningMean`) still loads: such a key stands for the new one when the new one is absent, and the
   * result lists each in `renamedKeys` as `[old, new]`.
   * @example model.loadStateDict(loadSafetensors(bytes).tensors)
   */
  loadStateDict(stateDict: StateDictInput, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const entries = this.stateEntriesWithFieldNames();
    const legacy = new Map(entries.filter(([n, , old]) => old !== n).map(([n, , old]) => [old, n]));
    return loadStateDictInto(classNameOf(this), entries.map(([n, t]) => [n, t]), stateDict, opts, legacy);
  }

  /** Sets train mode on this module and every descendant (dropout drops, batch norm uses batch statistics). */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Eval mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every descendant, then on this module (PyTorch's order); returns this. */
  apply(fn: (m: AnyModule) => void): this {
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const [, c] of m.directChildren()) visit(c);
      fn(m);
    };
    visit(this);
    return this;
  }

  /** Clears every parameter's `.grad` (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Sets `requiresGrad` on every float parameter (freeze with `false`); returns this. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) if (isFloat(p.dtype)) p.requiresGrad = flag;
    return this;
  }

  /** The number of parameter elements (shared parameters counted once), or only the trainable ones. */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    checkOptions(`${classNameOf(this)}.numParameters`, opts, ['trainableOnly']);
    return this.parameters().reduce((n, p) => n + (opts.trainableOnly && !p.requiresGrad ? 0 : p.numel), 0);
  }

  /**
   * Converts every float parameter and buffer to `dtype` in place (the fields get new tensors; int buffers
   * such as `num_batches_tracked` keep theirs). Shared parameters stay shared. Create optimizers after this,
   * since they hold the old parameters.
   * @example new Linear(2, 3).to('float64')
   */
  to(dtype: DType): this {
    if (!isFloat(dtype)) throw new TypeError(`${classNameOf(this)}.to: expected 'float32' or 'float64', got ${String(dtype)}`);
    const converted = new Map<Tensor, Tensor>();
    const convert = (t: Tensor): Tensor => {
      if (!isFloat(t.dtype) || t.dtype === dtype) return t;
      let out = converted.get(t);
      if (out === undefined) {
        out = noGrad(() => {
          const c = t.detach().to(dtype);
          if (!(t instanceof Parameter)) return c;
          const p = new Parameter(c, t.requiresGrad);
          p.grad = t.grad === null ? null : t.grad.detach().to(dtype);
          return p;
        });
        converted.set(t, out);
      }
      return out;
    };
    for (const m of this.modules()) m.mapOwnTensors(convert);
    return this;
  }

  /** Replaces the tensors held by this module's own fields (directly, or in arrays and Maps). */
  private mapOwnTensors(fn: (t: Tensor) => Tensor): void {
    const seen = new Set<unknown>();
    const mapValue = (v: unknown): unknown => {
      if (v instanceof Tensor) return fn(v);
      if (Array.isArray(v) && !seen.has(v)) {
        seen.add(v);
        v.forEach((item, i) => (v[i] = mapValue(item)));
      } else if (v instanceof Map && !seen.has(v)) {
        seen.add(v);
        for (const [k, item] of v) v.set(k, mapValue(item));
      }
      return v;
    };
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const v = self[key];
      const mapped = mapValue(v);
      if (mapped !== v) self[key] = mapped;
    }
  }

  /** The text inside this module's parentheses, e.g. `in_features=784, out_features=128, bias=true`. */
  extraRepr(): string {
    return '';
  }

  /**
   * The module tree the way PyTorch prints it:
   * `Sequential(\n  (0): Linear(in_features=784, out_features=128, bias=true)\n  (1): ReLU()\n)`.
   */
  toString(): string {
    return this.repr(new Set());
  }

  private repr(path: Set<AnyModule>): string {
    const name = classNameOf(this);
    // A module reached again through its own descendants (a cycle) is printed without its contents.
    if (path.has(this)) return `${name}(…)`;
    path.add(this);
    const extra = this.extraRepr();
    const children = this.directChildren().map(([n, child]) => `(${n}): ${indentTail(child.repr(path))}`);
    path.delete(this);
    if (children.length === 0 && !extra.includes('\n')) return `${name}(${extra})`;
    const lines = [...(extra === '' ? [] : extra.split('\n')), ...children];
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }

  /** Node's `console.log` shows the tree too. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
