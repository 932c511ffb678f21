// Module calls: every `forward` of a Module subclass runs through `callModule` when a hook is registered or
// the NaN guard or the profiler is on (else it is called directly, after three checks). `callModule` keeps
// the stack of module calls, so an op knows which module it runs in (`encoder.layers.1.fc2`), times the
// call for the profiler, and runs PyTorch's hooks in PyTorch 1.13's order: global forward pre-hooks, the
// module's own, forward, global forward hooks, the module's own; full backward hooks wrap the inputs and
// outputs so they fire with the gradients of both.
import {
  RemovableHandle, Tensor, getRecorder, groupForBackward, isWatching, setCurrentScope, type ModuleScope,
} from '@tensile/tensor';
import type { AnyModule } from './module.js';

/**
 * Called before `forward` with the module and its arguments. Returning an array replaces the arguments;
 * returning anything else (other than undefined) replaces the single argument (PyTorch's tuple rule: a
 * forward whose one argument is itself an array gets it back from a hook as `[[...]]`).
 */
export type ForwardPreHook = (module: AnyModule, inputs: unknown[]) => unknown;
/** Called after `forward` with the module, its arguments and its output; a returned value replaces the output. */
export type ForwardHook = (module: AnyModule, inputs: unknown[], output: unknown) => unknown;
/**
 * Called once the gradients with respect to the module's inputs are computed (PyTorch's
 * `register_full_backward_hook`): `gradInput` has one entry per argument (null for an argument that is not a
 * tensor requiring grad), `gradOutput` one per output tensor. A returned array of the same length replaces
 * `gradInput`. Must not modify its arguments in place.
 */
export type FullBackwardHook = (module: AnyModule, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | void | undefined | null;

interface HookSet {
  pre: Map<number, ForwardPreHook>;
  fwd: Map<number, ForwardHook>;
  bwd: Map<number, FullBackwardHook>;
}

const newHookSet = (): HookSet => ({ pre: new Map(), fwd: new Map(), bwd: new Map() });
const HOOKS = Symbol('tensile.moduleHooks');
const globalHooks = newHookSet();
let globalCount = 0;

function add<K extends keyof HookSet>(set: HookSet, kind: K, hook: unknown, owner: string, isGlobal: boolean): RemovableHandle {
  if (typeof hook !== 'function') throw new TypeError(`${owner}: expected a function, got ${hook === null ? 'null' : typeof hook}`);
  if (isGlobal) globalCount++;
  const handle: RemovableHandle = new RemovableHandle(() => {
    if (set[kind].delete(handle.id) && isGlobal) globalCount--;
  });
  (set[kind] as Map<number, unknown>).set(handle.id, hook);
  return handle;
}

/** @internal The module's hook set, created on first registration (a non-enumerable symbol property: the walks never see it). */
export function hooksOf(m: AnyModule, create: boolean): HookSet | undefined {
  const own = (m as unknown as Record<symbol, HookSet | undefined>)[HOOKS];
  if (own !== undefined || !create) return own;
  const set = newHookSet();
  Object.defineProperty(m, HOOKS, { value: set, enumerable: false, writable: false, configurable: true });
  return set;
}

/** @internal Registers a hook on one module. */
export function addModuleHook<K extends keyof HookSet>(m: AnyModule, kind: K, hook: unknown, owner: string): RemovableHandle {
  return add(hooksOf(m, true)!, kind, hook, owner, false);
}

/** Registers a forward pre-hook on every module (PyTorch's `register_module_forward_pre_hook`); global hooks run before a module's own. */
export function registerModuleForwardPreHook(hook: ForwardPreHook): RemovableHandle {
  return add(globalHooks, 'pre', hook, 'registerModuleForwardPreHook', true);
}

/** Registers a forward hook on every module (PyTorch's `register_module_forward_hook`), for tools such as `summary`. */
export function registerModuleForwardHook(hook: ForwardHook): RemovableHandle {
  return add(globalHooks, 'fwd', hook, 'registerModuleForwardHook', true);
}

/** Registers a full backward hook on every module (PyTorch's `register_module_full_backward_hook`). */
export function registerModuleFullBackwardHook(hook: FullBackwardHook): RemovableHandle {
  return add(globalHooks, 'bwd', hook, 'registerModuleFullBackwardHook', true);
}

const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`);

/** The class's name, read from the prototype. */
export function classNameOf(m: object): string {
  return (Object.getPrototypeOf(m) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'Module';
}

/** One module call on the stack: what the guard's and the profiler's reports name. */
class Frame implements ModuleScope {
  private cachedPath: string | undefined;
  /** The frame's own forward body is running (so its `super.forward` opens no second frame). */
  inBody = false;
  constructor(
    readonly module: AnyModule,
    readonly parent: Frame | null,
  ) {}

  get className(): string {
    return classNameOf(this.module);
  }

  path(): string {
    if (this.cachedPath === undefined) {
      if (this.parent === null) this.cachedPath = '';
      else {
        const found = this.parent.module.namedModules().find(([, m]) => m === this.module);
        this.cachedPath = join(this.parent.path(), found === undefined ? `<${this.className} not registered in ${this.parent.className}>` : found[0]);
      }
    }
    return this.cachedPath;
  }

  memberName(t: Tensor): string | null {
    for (const [name, v] of this.module.stateEntries()) if (v === t) return join(this.path(), name);
    return null;
  }
}

let current: Frame | null = null;

/** The module whose forward is running (innermost), or null. */
export function currentModule(): AnyModule | null {
  return current?.module ?? null;
}

const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;

/**
 * @internal Wraps a class's own `forward` so each call goes through `callModule` when something listens.
 * A subclass's forward that calls `super.forward` runs the parent's body directly (one call, one frame).
 */
export function wrapForward(original: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return function forward(this: AnyModule, ...args: unknown[]): unknown {
    if (globalCount === 0 && !isWatching() && hooksOf(this, false) === undefined) return original.apply(this, args);
    if (current !== null && current.module === this && current.inBody) return original.apply(this, args);
    return callModule(this, original, args);
  };
}

const NONE: readonly never[] = [];

/** The hooks of one kind to run now, global ones first: a copy (a hook may remove itself), none allocated when there are none. */
function listOf<T>(global: Map<number, T>, own: Map<number, T> | undefined): readonly T[] {
  const mine = own !== undefined && own.size > 0;
  if (global.size === 0) return mine ? [...own.values()] : NONE;
  return mine ? [...global.values(), ...own.values()] : [...global.values()];
}

function callModule(module: AnyModule, original: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  const frame = new Frame(module, current);
  const prevFrame = current;
  current = frame;
  const prevScope = setCurrentScope(isWatching() ? frame : null);
  const rec = getRecorder();
  const token = rec === null ? -1 : rec.begin(frame.className, 'module', frame);
  try {
    const own = hooksOf(module, false);
    for (const hook of listOf(globalHooks.pre, own?.pre)) {
      const r = hook(module, args);
      if (r !== undefined && r !== null) args = Array.isArray(r) ? [...r] : [r];
    }
    const bwHooks = listOf(globalHooks.bwd, own?.bwd);
    const bw = bwHooks.length > 0 ? new BackwardHook(module, bwHooks) : null;
    if (bw !== null) args = bw.setupInputs(args);
    frame.inBody = true;
    let out = original.apply(module, args);
    frame.inBody = false;
    for (const hook of listOf(globalHooks.fwd, own?.fwd)) {
      const r = hook(module, args, out);
      if (r !== undefined && r !== null) out = r;
    }
    if (bw !== null) out = bw.setupOutputs(out);
    return out;
  } finally {
    if (rec !== null) rec.end(token);
    current = prevFrame;
    setCurrentScope(prevScope);
  }
}

/** PyTorch 1.13's `torch.utils.hooks.BackwardHook`: one call's full backward hooks. */
class BackwardHook {
  private nInputs = 0;
  private inputGrouped = false;
  private gradOutputs: (Tensor | null)[] | null = null;
  constructor(
    private readonly module: AnyModule,
    private readonly hooks: readonly FullBackwardHook[],
  ) {}

  private name(): string {
    return `full backward hook of ${classNameOf(this.module)}`;
  }

  setupInputs(args: unknown[]): unknown[] {
    this.nInputs = args.length;
    const positions = args.map((a, i) => (isTensor(a) && a.requiresGrad ? i : -1)).filter((i) => i >= 0);
    const wrapped = groupForBackward('BackwardHookFunction', args, (grads) => {
      let gradInputs: (Tensor | null)[] = args.map(() => null);
      positions.forEach((p, k) => (gradInputs[p] = grads[k]!));
      for (const hook of this.hooks) {
        const res = hook(this.module, gradInputs, this.gradOutputs ?? []);
        if (res === undefined || res === null) continue;
        if (!Array.isArray(res) || res.length !== gradInputs.length) {
          throw new TypeError(
            `${this.name()}: the hook returned an invalid number of grad_input, got ${Array.isArray(res) ? res.length : typeof res}, but expected ${gradInputs.length}`,
          );
        }
        gradInputs = res;
      }
      return positions.map((p) => gradInputs[p] ?? null);
    }, isTensor);
    this.inputGrouped = wrapped.some((w, i) => w !== args[i]);
    return wrapped;
  }

  setupOutputs(out: unknown): unknown {
    const single = !Array.isArray(out);
    const outs = single ? [out] : (out as unknown[]);
    const positions = outs.map((o, i) => (isTensor(o) && o.requiresGrad ? i : -1)).filter((i) => i >= 0);
    const wrapped = groupForBackward('BackwardHookFunctionBackward', outs, (grads) => {
      const gradOutputs: (Tensor | null)[] = outs.map(() => null);
      positions.forEach((p, k) => (gradOutputs[p] = grads[k]!));
      this.gradOutputs = gradOutputs;
      if (!this.inputGrouped) {
        // No input requires grad: the hooks see None for every input and may not return gradients.
        const gradInputs: (Tensor | null)[] = new Array(this.nInputs).fill(null);
        for (const hook of this.hooks) {
          const res = hook(this.module, gradInputs, gradOutputs);
          if (res !== undefined && res !== null && !(Array.isArray(res) && res.every((g) => g === null || g === undefined))) {
            throw new TypeError(`${this.name()}: backward hook for modules where no input requires gradient should always return nothing or null for all gradients`);
          }
        }
      }
    }, isTensor);
    return single ? wrapped[0] : wrapped;
  }
}
