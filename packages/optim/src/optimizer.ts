// The optimizer base class does the bookkeeping once: hyperparameter validation, parameter groups,
// per-name state, the step count, the scheduler, the notebook's per-parameter clipNorm, noGrad, zeroGrad,
// and all-or-nothing state dicts. A concrete optimizer is `static defaults`, `initState` and one
// `updateParam(param, grad, state, h, name)` that changes `param` in place.
import {
  Tensor, ShapeError, checkOptions, checkParamUpdate, checkTensor, enableGrad, fmtShape, isNanGuardEnabled, noGrad, recordFunction,
  shapesEqual, type ModuleScope,
} from '@tensile/tensor';
import { StateDictError } from './errors.js';
import { checkUnique, describe, hasNamedParameters, isParamSource, namedTensors, type NamedTensor, type ParamSource } from './params.js';
import { resolveOptions, rules, type HyperValue, type Resolution, type Rule } from './hyperparams.js';
import type { Scheduler, SchedulerState } from './schedulers/scheduler.js';

/** Marks Tensile's own optimizer classes (an own static property: a subclass does not inherit the mark). */
export const BUILTIN: unique symbol = Symbol('tensile.builtinOptimizer');
const readPrivately = (p: Tensor): Tensor | null => p.gradForUpdate();
const readPublicly = (p: Tensor): Tensor | null => p.grad;

/**
 * Whose formulas and defaults an optimizer follows: the reference notebook's (numpy-ml's), or
 * `torch.optim` 1.13's, so a PyTorch script ported to Tensile gets PyTorch's numbers.
 */
export type Dialect = 'notebook' | 'torch';

/** The hyperparameters every optimizer has. */
export interface BaseHyper {
  /** The learning rate. Inside `updateParam` it is this step's rate (the scheduler's, scaled per group). */
  lr: number;
  /** The notebook's per-parameter clip: a gradient whose L2 norm exceeds `clipNorm` is rescaled to it. */
  clipNorm: number | null;
  dialect: Dialect;
}

/** The resolved hyperparameters of one parameter group. */
export type Hyper<H> = H & BaseHyper;

/** One entry of a parameter's optimizer state. */
export type StateValue = Tensor | number | null;

/** Constructor options: any hyperparameter, plus the dialect and a scheduler. */
export type OptimizerOptions<H> = { [K in keyof H]?: H[K] } & {
  clipNorm?: number | null;
  dialect?: Dialect;
  /** Gives the learning rate at each step; groups with their own `lr` get it scaled by `group.lr / lr`. */
  scheduler?: Scheduler | null;
};

/** A parameter group: its parameters and the hyperparameters it overrides. */
export type ParamGroup<H> = { params: ParamSource; prefix?: string } & { [K in keyof H]?: H[K] } & { clipNorm?: number | null };

/** A Module, `module.parameters()`, `[name, tensor]` pairs, bare tensors, or parameter groups. */
export type ParamsInput<H> = ParamSource | readonly ParamGroup<H>[];

/** What a checkpoint of an optimizer holds: state keyed by qualified parameter name, never by position. */
export interface OptimizerStateDict {
  optimizer: string;
  step: number;
  groups: { params: string[]; options: Record<string, HyperValue> }[];
  state: Record<string, Record<string, StateValue>>;
  scheduler: SchedulerState | null;
}

/** A loss as `step()` takes it: a number or a one-element tensor. */
export type LossLike = number | Tensor;

interface Group<H> {
  readonly source: ParamSource | null;
  readonly prefix: string | undefined;
  options: Hyper<H>;
}

interface Resolved<H> {
  readonly group: Group<H>;
  readonly params: readonly NamedTensor[];
}

type OptimizerClass = {
  readonly id?: string;
  readonly name: string;
  readonly defaults: Readonly<Record<string, HyperValue>>;
  readonly torchDefaults: Readonly<Record<string, HyperValue>>;
  readonly rules: Readonly<Record<string, Rule>>;
};

/**
 * The base of every optimizer. `step(loss?)` increments the step count, asks the scheduler for the
 * learning rate once, then, under `noGrad`, clips each gradient to `clipNorm` (per parameter, as the
 * notebook does) and calls `updateParam` for every named parameter that has a gradient.
 *
 * A subclass declares `static defaults` (and `static torchDefaults`, `static rules` where needed),
 * `initState(param, h)` and `updateParam(param, grad, state, h, name)`.
 */
export abstract class Optimizer<H extends { lr: number }, S extends Record<string, StateValue>> {
  /** The name used in messages and checkpoints (defaults to the class name). */
  static readonly id?: string;
  /** Hyperparameters and their defaults; `lr` is required. */
  static readonly defaults: Readonly<Record<string, HyperValue>> = {};
  /** Defaults that `dialect: 'torch'` changes. */
  static readonly torchDefaults: Readonly<Record<string, HyperValue>> = {};
  /** Checks per hyperparameter; without one, a number must be finite and ≥ 0 and a boolean a boolean. */
  static readonly rules: Readonly<Record<string, Rule>> = {};

  /** Per-parameter state, keyed by qualified parameter name. */
  readonly state = new Map<string, S>();
  /** Steps taken; the first update sees step 1. */
  stepCount = 0;
  scheduler: Scheduler | null;
  /** The hyperparameters given to the constructor, completed with the defaults. */
  readonly defaults: Readonly<Hyper<H>>;
  /** The learning rate each group used at the last step. */
  lastLr: number[];
  private readonly groups: Group<H>[];

  /**
   * @param params a Module (anything with `namedParameters()`), `model.parameters()`, `[name, tensor]`
   *   pairs, bare tensors (named "0", "1", …) or parameter groups `[{ params, lr, … }]`. Omit it (pass
   *   the options first) for the notebook's functional form, used only through `update()`.
   */
  constructor(params?: ParamsInput<H> | OptimizerOptions<H>, options?: OptimizerOptions<H>) {
    const [input, opts] = splitArgs(this.name, params, options);
    const { scheduler = null, ...rest } = opts as OptimizerOptions<H> & Record<string, unknown>;
    if (scheduler !== null && typeof (scheduler as Partial<Scheduler>).lr !== 'function') {
      throw new TypeError(`${this.name}: scheduler must have an lr(step, loss?) method, got ${describe(scheduler)}`);
    }
    this.scheduler = scheduler;
    this.defaults = this.resolveOrThrow(rest, this.baseDefaults(rest.dialect ?? 'notebook'), '');
    this.groups = groupsOf(this.name, input).map(({ source, prefix, overrides }, i, all) => {
      if ('dialect' in overrides) throw new TypeError(`${this.name}: dialect is set for the whole optimizer, not per parameter group (group ${i})`);
      const where = all.length > 1 ? ` (parameter group ${i})` : '';
      return { source, prefix, options: this.resolveOrThrow(overrides, this.defaults, where) };
    });
    const resolved = this.resolveParams();
    if (input !== null && resolved.every(({ params }) => params.length === 0)) {
      throw new RangeError(`${this.name}: got an empty parameter list`);
    }
    if (scheduler !== null && this.defaults.lr === 0 && this.groups.some((g) => g.options.lr !== 0)) {
      throw new RangeError(`${this.name}: with a scheduler, group learning rates are scaled by group.lr / lr, so lr must not be 0`);
    }
    this.lastLr = this.groups.map((g) => g.options.lr);
  }

  /** The optimizer's name in messages and checkpoints. */
  get name(): string {
    const cls = this.constructor as unknown as OptimizerClass;
    return Object.hasOwn(cls, 'id') && cls.id !== undefined ? cls.id : cls.name;
  }

  /** The parameter groups: their current parameter names and hyperparameters. */
  get paramGroups(): { names: string[]; options: Readonly<Hyper<H>> }[] {
    return this.resolveParams().map(({ group, params }) => ({ names: params.map(([n]) => n), options: { ...group.options } }));
  }

  /** The initial state of one parameter. */
  protected abstract initState(param: Tensor, h: Hyper<H>): S;

  /**
   * Updates `param` in place from `grad` (already clipped; never modify it) and `state`. `h` holds the
   * group's hyperparameters with `h.lr` the learning rate of this step. Runs under `noGrad`.
   */
  protected abstract updateParam(param: Tensor, grad: Tensor, state: S, h: Hyper<H>, name: string): void;

  /** Cross-option checks; returns what is wrong, or null. */
  protected checkOptions(_h: Hyper<H>): string | null {
    return null;
  }

  /**
   * Why `state` does not fit `param` (or null). By default every tensor in the state has the
   * parameter's shape; override for an optimizer with differently shaped state.
   */
  protected checkState(param: Tensor, state: Readonly<Record<string, StateValue>>): string | null {
    for (const [key, v] of Object.entries(state)) {
      if (v instanceof Tensor && !shapesEqual(v.shape, param.shape)) return `state "${key}" is ${fmtShape(v.shape)}`;
    }
    return null;
  }

  /**
   * One optimization step over every named parameter that has a gradient. `loss` (a number, a 0-d
   * tensor, or a closure that recomputes it, run with grad enabled) goes to the scheduler.
   * @returns the loss, or what the closure returned
   */
  step(loss?: LossLike | (() => LossLike)): LossLike | undefined {
    const value = typeof loss === 'function' ? enableGrad(loss) : loss;
    const lossValue = value === undefined ? undefined : lossToNumber(this.name, value);
    const resolved = this.resolveParams();
    const gradOf = this.gradReader();
    for (const { params } of resolved) for (const [name, p] of params) {
      const g = gradOf(p);
      if (g !== null) this.checkParam(name, p, g);
    }
    const step = this.stepCount + 1;
    const scheduled = this.askScheduler(step, lossValue);
    this.stepCount = step;
    this.lastLr = resolved.map(({ group }) => this.groupLr(group, scheduled));
    const guard = isNanGuardEnabled();
    recordFunction(`${this.name}.step`, () => noGrad(() => {
      resolved.forEach(({ group, params }, i) => {
        const h = { ...group.options, lr: this.lastLr[i]! };
        for (const [name, p] of params) {
          const g = gradOf(p);
          if (g === null) continue;
          this.apply(p, g, name, h);
          // The NaN guard: a parameter that the update made non-finite names itself and its module.
          if (guard) checkParamUpdate(this.name, name, p, ownerScope(group.source, name));
        }
      });
    }), { pass: 'optimizer' });
    return value;
  }

  /**
   * How `step` reads gradients. Tensile's own optimizers keep no reference to a gradient past the step, so
   * they read it without exposing it (`gradForUpdate`), which lets `zeroGrad` free its storage at once; a
   * subclass defined elsewhere might keep one, so it reads the public `grad`.
   */
  private gradReader(): (p: Tensor) => Tensor | null {
    return Object.prototype.hasOwnProperty.call(this.constructor, BUILTIN) ? readPrivately : readPublicly;
  }

  /**
   * The notebook's functional form: returns the updated parameter (a new tensor; `param` is unchanged)
   * and keeps the per-name state, so the notebook's code replays line for line. It uses the current
   * step count's learning rate and does not advance the step.
   * @example
   * const opt = new Adam({ lr: 0.01 });
   * w = opt.update(w, dw, 'w');
   */
  update(param: Tensor, grad: Tensor, name: string, curLoss?: number): Tensor {
    checkTensor(`${this.name}.update`, 'param', param);
    checkTensor(`${this.name}.update`, 'grad', grad);
    if (typeof name !== 'string' || name === '') throw new TypeError(`${this.name}.update: name must be a non-empty string, got ${describe(name)}`);
    this.checkParam(name, param, grad);
    const resolved = this.resolveParams();
    const { group } = resolved.find(({ params }) => params.some(([n]) => n === name)) ?? resolved[0]!;
    const h = { ...group.options, lr: this.groupLr(group, this.askScheduler(this.stepCount, curLoss)) };
    return noGrad(() => {
      const out = param.detach().clone();
      this.apply(out, grad, name, h);
      return out;
    });
  }

  /** Clears the gradients: sets them to null (the default, as PyTorch 2) or fills them with zeros. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    checkOptions(`${this.name}.zeroGrad`, opts, ['setToNone'], { set_to_none: 'setToNone' });
    const { setToNone = true } = opts;
    if (typeof setToNone !== 'boolean') throw new TypeError(`${this.name}.zeroGrad: setToNone must be true or false, got ${describe(setToNone)}`);
    noGrad(() => {
      for (const { params } of this.resolveParams()) {
        for (const [, p] of params) {
          if (setToNone) p.grad = null;
          else p.grad?.zero_();
        }
      }
    });
  }

  /** A snapshot (tensors copied) of the hyperparameters, step count, per-name state and scheduler state. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    noGrad(() => {
      for (const [name, s] of this.state) {
        state[name] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.detach().clone() : v]));
      }
    });
    return {
      optimizer: this.name,
      step: this.stepCount,
      groups: this.resolveParams().map(({ group, params }) => ({ params: params.map(([n]) => n), options: { ...(group.options as unknown as Record<string, HyperValue>) } })),
      state,
      scheduler: this.scheduler?.stateDict() ?? null,
    };
  }

  /**
   * Loads a checkpoint by parameter name. Everything is checked first (optimizer, groups,
   * hyperparameters, names, state keys and shapes, scheduler); one error lists every problem and
   * nothing is loaded. `strict: false` skips parameters missing from the checkpoint (they start
   * fresh) and ignores state for names the optimizer does not have.
   */
  loadStateDict(sd: OptimizerStateDict, opts: { strict?: boolean } = {}): void {
    const who = `loadStateDict(${this.name})`;
    checkOptions(who, opts, ['strict']);
    const { strict = true } = opts;
    if (typeof strict !== 'boolean') throw new TypeError(`${who}: strict must be true or false, got ${describe(strict)}`);
    if (typeof sd !== 'object' || sd === null) throw new TypeError(`${who}: expected a state dict, got ${describe(sd)}`);
    if (sd.optimizer !== this.name) throw new StateDictError(`${who}: the checkpoint is from ${describe(sd.optimizer)}, not ${this.name}. Nothing was loaded.`);
    const problems: string[] = [];
    if (!Number.isInteger(sd.step) || sd.step < 0) problems.push(`step must be an integer ≥ 0, got ${describe(sd.step)}`);
    const resolved = this.resolveParams();
    const groups = Array.isArray(sd.groups) ? sd.groups : [];
    if (groups.length !== resolved.length) problems.push(`the checkpoint has ${groups.length} parameter groups, the optimizer has ${resolved.length}`);
    const options = resolved.map((_, i) => {
      const o = groups[i]?.options;
      if (typeof o !== 'object' || o === null) return null;
      const r = this.resolve(o, this.baseDefaults(typeof o.dialect === 'string' ? o.dialect : 'notebook'));
      if ('problem' in r) problems.push(`group ${i}: ${r.problem}`);
      return 'options' in r ? r.options : null;
    });

    const current = new Map<string, { p: Tensor; group: number }>();
    resolved.forEach(({ params }, group) => params.forEach(([n, p]) => current.set(n, { p, group })));
    const functional = this.groups.every((g) => g.source === null);
    const sdState = typeof sd.state === 'object' && sd.state !== null ? sd.state : {};
    if (!functional) {
      const listed = new Set(groups.flatMap((g) => (Array.isArray(g?.params) ? g.params : [])));
      const missing = [...current.keys()].filter((n) => !listed.has(n));
      const unexpected = [...new Set([...listed, ...Object.keys(sdState)])].filter((n) => !current.has(n));
      if (strict && missing.length > 0) problems.push(`missing ${missing.map(quote).join(', ')}`);
      if (strict && unexpected.length > 0) problems.push(`unexpected ${unexpected.map(quote).join(', ')}`);
      if (strict && missing.length > 0 && unexpected.length > 0) problems.push('(renamed parameters? { strict: false } loads the names that match)');
    }

    const loaded = new Map<string, S>();
    for (const [name, st] of Object.entries(sdState)) {
      const entry = current.get(name);
      if (entry === undefined && !functional) continue;
      const h = options[entry?.group ?? 0];
      if (!h) continue;
      const s = this.checkLoadedState(name, st, entry?.p, h, problems);
      if (s) loaded.set(name, s);
    }

    if (sd.scheduler !== null && sd.scheduler !== undefined) {
      if (this.scheduler === null) problems.push(`the checkpoint has state for a ${describe(sd.scheduler.name)} scheduler but this optimizer has none`);
      else if (sd.scheduler.name !== this.scheduler.name) problems.push(`the checkpoint's scheduler is ${describe(sd.scheduler.name)}, this optimizer's is ${this.scheduler.name}`);
    }
    if (problems.length > 0) throw new StateDictError(`${who}: ${problems.join('; ')}. Nothing was loaded.`);

    // Everything fits: the scheduler validates its own state before changing anything, then we commit.
    if (sd.scheduler) this.scheduler!.loadStateDict(sd.scheduler);
    this.stepCount = sd.step;
    resolved.forEach(({ group }, i) => (group.options = options[i]!));
    this.state.clear();
    for (const [name, s] of loaded) this.state.set(name, s);
  }

  private checkLoadedState(name: string, st: unknown, p: Tensor | undefined, h: Hyper<H>, problems: string[]): S | null {
    if (typeof st !== 'object' || st === null) {
      problems.push(`the state of "${name}" is ${describe(st)}`);
      return null;
    }
    const entries = Object.entries(st as Record<string, unknown>);
    const expected: Record<string, StateValue> | null = p ? this.initState(p, h) : null;
    if (expected) {
      const want = Object.keys(expected).sort().join(', ');
      const got = entries.map(([k]) => k).sort().join(', ');
      if (want !== got) {
        problems.push(`the state of "${name}" has keys [${got}] but ${this.name} with these hyperparameters keeps [${want}]`);
        return null;
      }
    }
    const out: Record<string, StateValue> = {};
    for (const [key, v] of entries) {
      const e = expected?.[key];
      if (v instanceof Tensor) {
        if (expected && typeof e === 'number') return fail(`"${name}" state "${key}" is a tensor, expected a number`);
        const shape = e instanceof Tensor ? e.shape : p?.shape;
        if (shape && !shapesEqual(v.shape, shape)) return fail(`"${name}" state "${key}" is ${fmtShape(v.shape)} in the checkpoint but the parameter is ${fmtShape(shape)}`);
        out[key] = noGrad(() => v.detach().to(p?.dtype ?? v.dtype).clone());
      } else if (typeof v === 'number') {
        if (expected && typeof e !== 'number') return fail(`"${name}" state "${key}" is a number, expected a tensor`);
        if (!Number.isFinite(v)) return fail(`"${name}" state "${key}" is ${v}`);
        out[key] = v;
      } else if (v === null) {
        if (e instanceof Tensor || typeof e === 'number') return fail(`"${name}" state "${key}" is null, expected a ${typeof e === 'number' ? 'number' : 'tensor'}`);
        out[key] = null;
      } else {
        return fail(`"${name}" state "${key}" is ${describe(v)}`);
      }
    }
    return out as S;

    function fail(problem: string): null {
      problems.push(problem);
      return null;
    }
  }

  private apply(param: Tensor, grad: Tensor, name: string, h: Hyper<H>): void {
    const g = clipToNorm(grad.detach(), h.clipNorm);
    let s = this.state.get(name);
    if (s === undefined) {
      s = this.initState(param, h);
      this.state.set(name, s);
    }
    this.updateParam(param, g, s, h, name);
  }

  private checkParam(name: string, p: Tensor, grad: Tensor): void {
    if (!shapesEqual(grad.shape, p.shape)) {
      throw new ShapeError(`${this.name}: the gradient of "${name}" is ${fmtShape(grad.shape)} but the parameter is ${fmtShape(p.shape)}`);
    }
    const s = this.state.get(name);
    const problem = s === undefined ? null : this.checkState(p, s);
    if (problem !== null) {
      throw new ShapeError(
        `${this.name}: the ${problem} but the parameter "${name}" is ${fmtShape(p.shape)}; it was replaced or reshaped, so delete its state with optimizer.state.delete(${JSON.stringify(name)})`,
      );
    }
  }

  private askScheduler(step: number, loss: number | undefined): number | undefined {
    if (this.scheduler === null) return undefined;
    const lr = this.scheduler.lr(step, loss);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new RangeError(`${this.name}: the scheduler ${this.scheduler.name} gave lr = ${describe(lr)} at step ${step}`);
    }
    return lr;
  }

  private groupLr(group: Group<H>, scheduled: number | undefined): number {
    if (scheduled === undefined) return group.options.lr;
    const base = this.defaults.lr;
    return group.options.lr === base ? scheduled : scheduled * (group.options.lr / base);
  }

  private resolveParams(): Resolved<H>[] {
    let position = 0;
    const out = this.groups.map((group) => {
      const params = group.source === null ? [] : namedTensors(this.name, group.source, position, group.prefix);
      position += params.length;
      return { group, params };
    });
    checkUnique(this.name, out.flatMap((r) => r.params), out.flatMap((r, i) => r.params.map(() => i)));
    return out;
  }

  private baseDefaults(dialect: unknown): Hyper<H> {
    const cls = this.constructor as unknown as OptimizerClass;
    if (!rules.dialect.ok(dialect)) throw new TypeError(`${this.name}: dialect must be ${rules.dialect.must}, got ${describe(dialect)}`);
    if (typeof cls.defaults.lr !== 'number') throw new TypeError(`${this.name}: static defaults must include lr`);
    return { clipNorm: null, ...cls.defaults, ...(dialect === 'torch' ? cls.torchDefaults : {}), dialect } as unknown as Hyper<H>;
  }

  private resolveOrThrow(input: Record<string, unknown>, base: Hyper<H>, where: string): Hyper<H> {
    const r = this.resolve(input, base);
    if ('problem' in r) throw new r.Err(`${this.name}: ${r.problem}${where}`);
    return r.options;
  }

  /** `base` with `input`'s values checked against the class's rules, then the cross-option check. */
  private resolve(input: Record<string, unknown>, base: Hyper<H>): Resolution<Hyper<H>> {
    const cls = this.constructor as unknown as OptimizerClass;
    return resolveOptions(input, base, cls.rules, (h) => this.checkOptions(h));
  }
}

/** The notebook's per-parameter clip: `g·c/‖g‖` when `‖g‖ > c`, the L2 norm of the whole array, no epsilon. */
function clipToNorm(g: Tensor, clipNorm: number | null): Tensor {
  if (clipNorm === null) return g;
  const norm = g.square().sum().sqrt().item();
  return norm > clipNorm ? g.mul(clipNorm).div(norm) : g;
}

function splitArgs<H>(owner: string, params: unknown, options: unknown): [ParamsInput<H> | null, Record<string, unknown>] {
  const opts = options ?? {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new TypeError(`${owner}: options must be an object, got ${describe(opts)}`);
  if (params === undefined || params === null) return [null, opts as Record<string, unknown>];
  if (Array.isArray(params) || hasNamedParameters(params)) return [params as ParamsInput<H>, opts as Record<string, unknown>];
  if (typeof params === 'object' && 'params' in params) return [[params] as unknown as ParamsInput<H>, opts as Record<string, unknown>];
  if (typeof params === 'object' && options === undefined && !(params instanceof Tensor)) return [null, params as Record<string, unknown>];
  throw new TypeError(`${owner}: params must be a Module (anything with namedParameters()), an array of tensors, of [name, tensor] pairs, or of parameter groups; got ${describe(params)}`);
}

function groupsOf<H>(owner: string, input: ParamsInput<H> | null): { source: ParamSource | null; prefix: string | undefined; overrides: Record<string, unknown> }[] {
  if (input === null) return [{ source: null, prefix: undefined, overrides: {} }];
  if (isParamSource(input)) return [{ source: fixed(input), prefix: undefined, overrides: {} }];
  return (input as readonly unknown[]).map((g, i) => {
    if (typeof g !== 'object' || g === null || Array.isArray(g) || g instanceof Tensor || !('params' in g)) {
      throw new TypeError(`${owner}: parameter group ${i} must be an object { params, … }, got ${describe(g)} (do not mix groups with tensors)`);
    }
    const { params, prefix, ...overrides } = g as { params: unknown; prefix?: unknown } & Record<string, unknown>;
    if (!isParamSource(params)) throw new TypeError(`${owner}: parameter group ${i}: params must be a Module, an array of tensors or of [name, tensor] pairs; got ${describe(params)}`);
    if (prefix !== undefined && (typeof prefix !== 'string' || prefix === '')) throw new TypeError(`${owner}: parameter group ${i}: prefix must be a non-empty string, got ${describe(prefix)}`);
    return { source: fixed(params), prefix, overrides };
  });
}

/** A plain array is copied (the optimizer keeps its own list); a Module is walked again at every use. */
function fixed(source: ParamSource): ParamSource {
  return hasNamedParameters(source) ? source : [...(source as readonly unknown[])] as ParamSource;
}

function lossToNumber(owner: string, loss: LossLike): number {
  if (typeof loss === 'number') return loss;
  if (loss instanceof Tensor && loss.numel === 1) return loss.item();
  throw new TypeError(`${owner}.step: the loss must be a number or a one-element tensor, got ${loss instanceof Tensor ? `a tensor of shape ${fmtShape(loss.shape)}` : describe(loss)}`);
}

function quote(name: string): string {
  return JSON.stringify(name);
}

/**
 * The module that owns the parameter `name` (`"encoder.fc2.weight"` → `"encoder.fc2"`), for the NaN guard's
 * message: its class is looked up when the optimizer was given the model itself.
 */
function ownerScope(source: ParamSource | null, name: string): ModuleScope {
  return new OwnerScope(source, name);
}

/** A parameter's owner for the guard's message; the class is looked up only when the guard reports. */
class OwnerScope implements ModuleScope {
  readonly parent = null;
  private cls: string | undefined;
  constructor(
    private readonly source: ParamSource | null,
    private readonly name: string,
  ) {}

  get className(): string {
    if (this.cls === undefined) {
      const path = this.path();
      const modules = (this.source as { namedModules?: () => [string, object][] } | null)?.namedModules;
      const owner = typeof modules === 'function' ? modules.call(this.source).find(([n]) => n === path)?.[1] : undefined;
      this.cls = owner === undefined ? 'unknown class' : (Object.getPrototypeOf(owner) as { constructor: { name: string } }).constructor.name;
    }
    return this.cls;
  }

  path(): string {
    const dot = this.name.lastIndexOf('.');
    return dot < 0 ? '' : this.name.slice(0, dot);
  }

  memberName(): string {
    return this.name;
  }
}
