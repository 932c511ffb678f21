// A full training state in memory: the model's parameters and buffers, the optimizer's state by parameter
// name (with its scheduler and step count), each data loader's position, every random generator the run
// draws from, the step and epoch, and the caller's JSON. `captureState` takes a snapshot (tensors copied);
// `restoreState` puts one back all or nothing: a mismatch anywhere throws a CheckpointError naming the
// part, and the model, optimizer, loaders and generators are left as they were.
import { Module, type AnyModule } from '@tensile/nn';
import { Optimizer, type OptimizerStateDict, type StateValue } from '@tensile/optim';
import { Generator, Tensor, checkOptions, noGrad, type GeneratorState } from '@tensile/tensor';
import type { DataLoader, DataLoaderState } from '@tensile/data';
import { CheckpointError } from './errors.js';
import { runGenerators } from './generators.js';
import { decodeJson, encodeJson, jsonProblem, type JsonValue } from './json.js';

/**
 * The version of `TrainingState` and of the checkpoint file (see README "Checkpoint format"). Version 2:
 * `model.*` keys are PyTorch's state-dict names (`model.1.running_mean`). Version 1 files (Tensile's field
 * names, `model.1.runningMean`) still restore: `Module.loadStateDict` reads each old key under its new name.
 */
export const CHECKPOINT_VERSION = 2;

/** Any optimizer of @tensile/optim. */
export type AnyOptimizer = Optimizer<any, any>;

/** What a training state is taken from and restored into. */
export interface TrainingParts {
  model: AnyModule;
  optimizer?: AnyOptimizer | null;
  /** The run's data loaders by name (`{ train, val }`); each one's position is saved. */
  loaders?: Readonly<Record<string, DataLoader<any, any>>>;
  /**
   * Generators only a closure holds (an augmentation transform's). The default generator, the model's
   * (Dropout's `generator`) and the loaders' are found without being listed.
   */
  generators?: Readonly<Record<string, Generator>>;
}

/** `captureState`'s argument: the parts, and the run's counters and JSON. */
export interface CaptureOptions extends TrainingParts {
  /** Optimizer steps taken (default: the optimizer's `stepCount`, or 0). */
  step?: number;
  /** Epochs finished (default 0). */
  epoch?: number;
  /** Anything else to keep, as plain JSON (settings, a callback's state). NaN and ±Infinity are kept. */
  extra?: Readonly<Record<string, unknown>>;
}

/** A generator's saved state, or the name of the generator it is the same object as. */
export type GeneratorEntry = GeneratorState | { readonly sameAs: string };

/** A snapshot of a run (plain data; `checkpointToBytes` writes it to one safetensors file). */
export interface TrainingState {
  readonly version: number;
  readonly step: number;
  readonly epoch: number;
  /** `model.<name>` for each state-dict entry, `optimizer.<parameter>.<key>` for each tensor of optimizer state. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  /** The optimizer's state dict with each tensor replaced by `{ tensor: name }`, and its `lastLr`; null without an optimizer. */
  readonly optimizer: JsonValue | null;
  readonly loaders: Readonly<Record<string, DataLoaderState>>;
  readonly generators: Readonly<Record<string, GeneratorEntry>>;
  readonly extra: Readonly<Record<string, JsonValue>>;
}

const CAPTURE_KEYS = ['model', 'optimizer', 'loaders', 'generators', 'step', 'epoch', 'extra'];
const PART_KEYS = ['model', 'optimizer', 'loaders', 'generators'];

/**
 * A snapshot of the run: tensors are copied, so training on does not change it.
 * @example
 * const state = captureState({ model, optimizer, loaders: { train }, step: 120, epoch: 2, extra: { config } });
 * await saveCheckpoint('run.safetensors', state); // @tensile/train/node
 */
export function captureState(opts: CaptureOptions): TrainingState {
  checkOptions('captureState', opts, CAPTURE_KEYS);
  const { model, optimizer = null, loaders = {}, generators = {}, extra = {} } = opts;
  checkParts('captureState', { model, optimizer, loaders, generators });
  const step = opts.step ?? optimizer?.stepCount ?? 0;
  const epoch = opts.epoch ?? 0;
  for (const [k, v] of [['step', step], ['epoch', epoch]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`captureState: ${k} must be an integer ≥ 0, got ${String(v)}`);
  }
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) throw new TypeError('captureState: extra must be a plain object');
  const problem = jsonProblem(extra, 'extra');
  if (problem) throw new TypeError(`captureState: ${problem}`);

  const found = runGenerators({ model, loaders, generators });
  const tensors = new Map<string, Tensor>();
  noGrad(() => {
    for (const [name, t] of model.stateDict()) tensors.set(`model.${name}`, t.clone());
  });
  let optimizerJson: JsonValue | null = null;
  if (optimizer) {
    const sd = optimizer.stateDict(); // its tensors are copies already
    const state: Record<string, Record<string, JsonValue>> = {};
    for (const [param, entries] of Object.entries(sd.state)) {
      state[param] = {};
      for (const [key, v] of Object.entries(entries)) {
        if (v instanceof Tensor) {
          const name = `optimizer.${param}.${key}`;
          tensors.set(name, v);
          state[param]![key] = { tensor: name };
        } else state[param]![key] = v;
      }
    }
    optimizerJson = copyJson({ ...sd, state, lastLr: [...optimizer.lastLr] }, 'the optimizer state');
  }
  return Object.freeze({
    version: CHECKPOINT_VERSION,
    step,
    epoch,
    tensors,
    optimizer: optimizerJson,
    loaders: Object.fromEntries(Object.entries(loaders).map(([name, l]) => [name, l.state()])),
    generators: Object.fromEntries(found.map(({ name, generator, sameAs }) => [name, sameAs === null ? generator.getState() : { sameAs }])),
    extra: copyJson(extra, 'extra') as Record<string, JsonValue>,
  });
}

/** What `restoreState` gives back besides the restored parts. */
export interface RestoredCounters {
  step: number;
  epoch: number;
  extra: Readonly<Record<string, JsonValue>>;
}

/**
 * Puts a captured state back into the parts: model, optimizer (state, step count, scheduler, last
 * learning rates), loaders' positions and every generator. All or nothing: names, shapes, dtypes,
 * optimizer kind, loaders, generator names and sharing are checked, and on any mismatch a
 * CheckpointError names the part (`err.part`) and the problem, and nothing has changed.
 * @example
 * const { step, epoch, extra } = restoreState(await loadCheckpoint('run.safetensors'), { model, optimizer, loaders: { train } });
 */
export function restoreState(state: TrainingState, parts: TrainingParts): RestoredCounters {
  checkOptions('restoreState', parts, PART_KEYS);
  const { model, optimizer = null, loaders = {}, generators = {} } = parts;
  checkParts('restoreState', { model, optimizer, loaders, generators });
  checkStateShape(state);

  // Everything that can be checked without touching the run is checked first.
  const loaderProblem = namesDiffer('loaders', Object.keys(state.loaders), Object.keys(loaders));
  if (loaderProblem) throw new CheckpointError('loaders', `restoreState: ${loaderProblem}. Nothing was restored.`);
  const generatorStates = checkGenerators(state, runGenerators({ model, loaders, generators }));
  const modelSd = new Map<string, Tensor>();
  for (const [name, t] of state.tensors) {
    if (name.startsWith('model.')) modelSd.set(name.slice(6), t);
    else if (!name.startsWith('optimizer.')) throw new CheckpointError('format', `restoreState: the checkpoint has a tensor "${name}" that is neither model.… nor optimizer.…. Nothing was restored.`);
  }
  const decoded = decodeOptimizer(state, optimizer);

  // Then the parts are loaded in turn; each checks its input in full before it changes anything, and if
  // one refuses, the ones already loaded are put back.
  const undo: (() => void)[] = [];
  const rollback = () => {
    for (const f of undo.reverse()) f();
  };
  const modelBefore = noGrad(() => new Map([...model.stateDict()].map(([k, t]) => [k, t.clone()])));
  try {
    model.loadStateDict(modelSd);
  } catch (e) {
    throw new CheckpointError('model', `restoreState: the model does not fit the checkpoint: ${(e as Error).message}`, { cause: e });
  }
  undo.push(() => model.loadStateDict(modelBefore));
  if (optimizer && decoded) {
    const before = optimizer.stateDict();
    const lastLrBefore = [...optimizer.lastLr];
    try {
      optimizer.loadStateDict(decoded.sd);
    } catch (e) {
      rollback();
      throw new CheckpointError('optimizer', `restoreState: the optimizer state does not fit this optimizer: ${(e as Error).message}`, { cause: e });
    }
    optimizer.lastLr = decoded.lastLr;
    undo.push(() => {
      optimizer.loadStateDict(before);
      optimizer.lastLr = lastLrBefore;
    });
  }
  for (const [name, loader] of Object.entries(loaders)) {
    const before = loader.state();
    try {
      loader.setState(state.loaders[name]!);
    } catch (e) {
      rollback();
      throw new CheckpointError('loaders', `restoreState: the position of the data loader "${name}" does not fit it: ${(e as Error).message}`, { cause: e });
    }
    undo.push(() => loader.setState(before));
  }
  // Checked above against scratch generators, so these cannot fail.
  for (const [g, s] of generatorStates) g.setState(s);
  return { step: state.step, epoch: state.epoch, extra: state.extra };
}

function checkParts(where: string, p: Required<TrainingParts>): void {
  if (!(p.model instanceof Module)) throw new TypeError(`${where}: model must be a Module from @tensile/nn`);
  if (p.optimizer !== null && !(p.optimizer instanceof Optimizer)) throw new TypeError(`${where}: optimizer must be an Optimizer from @tensile/optim (or null)`);
  if (p.loaders === null || typeof p.loaders !== 'object') throw new TypeError(`${where}: loaders must be an object of name → DataLoader`);
  for (const [name, l] of Object.entries(p.loaders)) {
    if (l === null || typeof l !== 'object' || typeof (l as DataLoader<unknown>).state !== 'function' || typeof (l as DataLoader<unknown>).setState !== 'function') {
      throw new TypeError(`${where}: loaders.${name} must be a DataLoader from @tensile/data`);
    }
  }
  if (p.generators === null || typeof p.generators !== 'object') throw new TypeError(`${where}: generators must be an object of name → Generator`);
}

function checkStateShape(s: TrainingState): void {
  const bad = (what: string): never => {
    throw new CheckpointError('format', `restoreState: ${what}. Nothing was restored.`);
  };
  if (s === null || typeof s !== 'object') bad('expected a TrainingState from captureState or loadCheckpoint');
  if (!Number.isInteger(s.version) || s.version < 1 || s.version > CHECKPOINT_VERSION) {
    bad(`the state has version ${JSON.stringify(s.version)}; this @tensile/train reads versions 1 to ${CHECKPOINT_VERSION}`);
  }
  if (!(s.tensors instanceof Map)) bad('the state has no tensors map');
  for (const k of ['step', 'epoch'] as const) if (!Number.isSafeInteger(s[k]) || s[k] < 0) bad(`its ${k} must be an integer ≥ 0, got ${JSON.stringify(s[k])}`);
  for (const k of ['loaders', 'generators', 'extra'] as const) {
    if (s[k] === null || typeof s[k] !== 'object' || Array.isArray(s[k])) bad(`its ${k} must be an object`);
  }
}

function namesDiffer(what: string, saved: string[], here: string[]): string | null {
  const a = [...saved].sort();
  const b = [...here].sort();
  if (a.join('\0') === b.join('\0')) return null;
  const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  return `the checkpoint has ${what} ${list(a)} but this run has ${list(b)}`;
}

/** The generators' states to set, checked in full against the run's generators and their sharing. */
function checkGenerators(state: TrainingState, found: ReturnType<typeof runGenerators>): [Generator, GeneratorState][] {
  const fail = (what: string): never => {
    throw new CheckpointError('generators', `restoreState: ${what}. Nothing was restored.`);
  };
  const differ = namesDiffer('generators', Object.keys(state.generators), found.map((g) => g.name));
  if (differ) fail(`${differ} (the default generator, the user's generators and the model's, e.g. Dropout's)`);
  const out: [Generator, GeneratorState][] = [];
  for (const { name, generator, sameAs } of found) {
    const entry = state.generators[name]!;
    const savedSameAs = entry !== null && typeof entry === 'object' && 'sameAs' in entry ? entry.sameAs : null;
    if (savedSameAs !== sameAs) {
      const was = savedSameAs === null ? 'a generator of its own' : `the same generator as "${savedSameAs}"`;
      const is = sameAs === null ? 'one of its own' : `the same as "${sameAs}"`;
      fail(`generator "${name}" was ${was} in the checkpoint but is ${is} in this run`);
    }
    if (sameAs !== null) continue;
    try {
      out.push([generator, new Generator().setState(entry as GeneratorState).getState()]);
    } catch {
      fail(`generator "${name}" has an invalid state in the checkpoint`);
    }
  }
  return out;
}

/** The optimizer's state dict from the checkpoint's JSON, with each `{ tensor: name }` replaced by that tensor. */
function decodeOptimizer(state: TrainingState, optimizer: AnyOptimizer | null): { sd: OptimizerStateDict; lastLr: number[] } | null {
  const fail = (what: string): never => {
    throw new CheckpointError('optimizer', `restoreState: ${what}. Nothing was restored.`);
  };
  const json = state.optimizer;
  if (json === null && optimizer === null) return null;
  if (json === null) return fail(`the checkpoint has no optimizer state but this run has a ${optimizer!.name} optimizer`);
  if (optimizer === null) return fail('the checkpoint has optimizer state but this run has no optimizer');
  if (typeof json !== 'object' || Array.isArray(json)) return fail('the optimizer state is not an object');
  const { lastLr, state: entries, ...rest } = json as Record<string, JsonValue>;
  if (!Array.isArray(lastLr) || !lastLr.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) return fail('the optimizer state has no valid lastLr (learning rates ≥ 0)');
  if (lastLr.length !== optimizer.lastLr.length) return fail(`the checkpoint has learning rates for ${lastLr.length} parameter groups, this ${optimizer.name} has ${optimizer.lastLr.length}`);
  const decoded: OptimizerStateDict['state'] = {};
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) return fail('the optimizer state has no per-parameter state object');
  for (const [param, values] of Object.entries(entries)) {
    if (values === null || typeof values !== 'object' || Array.isArray(values)) return fail(`the optimizer state of "${param}" is not an object`);
    decoded[param] = {};
    for (const [key, v] of Object.entries(values)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.tensor === 'string') {
        const t = state.tensors.get(v.tensor);
        if (t === undefined) fail(`the optimizer state of "${param}" refers to a tensor "${v.tensor}" that is not in the checkpoint`);
        decoded[param]![key] = t!;
      } else decoded[param]![key] = v as StateValue;
    }
  }
  return { sd: { ...(rest as unknown as OptimizerStateDict), state: decoded }, lastLr: lastLr as number[] };
}

/** A deep copy through JSON (NaN and ±Infinity kept), so the snapshot cannot change under the caller. */
function copyJson(v: unknown, what: string): JsonValue {
  const problem = jsonProblem(v, what);
  if (problem) throw new TypeError(`captureState: ${problem}`);
  return decodeJson(encodeJson(v));
}
