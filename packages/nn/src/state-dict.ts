import { Tensor, checkOptions, describeValue, fmtShape, layoutProblem, noGrad, shapesEqual } from '@tensile/tensor';

/** A checkpoint: a `Map` or a plain object from qualified names to tensors. */
export type StateDictInput = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export interface LoadStateDictOptions {
  /** Require the checkpoint's keys to be exactly the model's. Default true. */
  strict?: boolean;
}

/** What a (non-strict) load skipped, and which old-style keys it read under their new names. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
  /**
   * `[old, new]` for each checkpoint key spelled the way Tensile wrote it before it used PyTorch's
   * state-dict names (`"1.runningMean"` for `"1.running_mean"`); empty for a current checkpoint.
   */
  renamedKeys: [string, string][];
}

/**
 * A checkpoint that does not fit: a model's (`Module.loadStateDict`) or an optimizer's or scheduler's
 * (`@tensile/optim` throws this same class). The message lists every problem; for a model the fields list
 * them for code. It is thrown before anything is copied, so nothing changed.
 */
export class StateDictError extends Error {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missingKeys: readonly string[] = [],
    readonly unexpectedKeys: readonly string[] = [],
    /** One sentence per key whose value does not fit (shape, dtype, storage, not a tensor). */
    readonly mismatches: readonly string[] = [],
  ) {
    super(message);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : `a ${typeof v}`;
}

function entriesOf(owner: string, sd: StateDictInput): [string, unknown][] {
  if (sd instanceof Map) return [...(sd as ReadonlyMap<unknown, unknown>).entries()].map(([k, v]) => [String(k), v]);
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd) || sd instanceof Tensor) {
    throw new TypeError(`loadStateDict(${owner}): expected a Map or an object of name → Tensor, got ${describe(sd)}`);
  }
  return Object.entries(sd);
}

const quote = (keys: readonly string[]): string => keys.map((k) => JSON.stringify(k)).join(', ');

/** Whether two tensors are the same view of the same storage (copying one into the other changes nothing). */
function sameView(a: Tensor, b: Tensor): boolean {
  return a.storage === b.storage && a.offset === b.offset && shapesEqual(a.shape, b.shape) && shapesEqual(a.strides, b.strides);
}

/**
 * Validates `sd` against the model's `[name, tensor]` entries, then copies it in. Every problem is collected
 * before anything is written; any problem throws a `StateDictError` and changes nothing.
 * @internal Used by `Module.loadStateDict`.
 */
export function loadStateDictInto(
  owner: string,
  targets: readonly [string, Tensor][],
  sd: StateDictInput,
  opts: LoadStateDictOptions = {},
  legacyNames: ReadonlyMap<string, string> = new Map(),
): LoadStateDictResult {
  checkOptions(`loadStateDict(${owner})`, opts, ['strict']);
  const strict = opts.strict ?? true;
  if (typeof strict !== 'boolean') throw new TypeError(`loadStateDict(${owner}): strict must be true or false, got ${describeValue(strict)}`);
  const given = new Map(entriesOf(owner, sd));
  const expected = new Map(targets);
  // An old-style key counts as its new name only when the checkpoint lacks the new one (never both).
  const renamedKeys: [string, string][] = [];
  for (const [old, name] of legacyNames) {
    if (given.has(old) && !given.has(name) && !expected.has(old)) renamedKeys.push([old, name]);
  }
  for (const [old, name] of renamedKeys) {
    given.set(name, given.get(old));
    given.delete(old);
  }
  const missingKeys = [...expected.keys()].filter((k) => !given.has(k));
  const unexpectedKeys = [...given.keys()].filter((k) => !expected.has(k));
  const mismatches: string[] = [];
  const copies: [Tensor, Tensor][] = [];
  for (const [name, target] of targets) {
    if (!given.has(name)) continue;
    const v = given.get(name);
    const key = JSON.stringify(name);
    if (!(v instanceof Tensor)) mismatches.push(`${key} is ${describe(v)} in the checkpoint, not a Tensor`);
    else if (!shapesEqual(v.shape, target.shape)) {
      mismatches.push(`${key} is ${fmtShape(v.shape)} in the checkpoint but ${fmtShape(target.shape)} in the model`);
    } else if (v.dtype !== target.dtype) {
      mismatches.push(`${key} is ${v.dtype} in the checkpoint but ${target.dtype} in the model`);
    } else {
      // A tensor's fields can be changed after the constructor checked them; copying from a view past its
      // buffer would read garbage or fail half-way through the load.
      const problem = layoutProblem(v.data, v.shape, v.strides, v.offset);
      if (problem !== null) mismatches.push(`${key} in the checkpoint does not fit its storage: ${problem}`);
      else if (!sameView(v, target)) copies.push([target, v]);
    }
  }
  const problems: string[] = [];
  if (strict && missingKeys.length > 0) problems.push(`missing ${quote(missingKeys)}`);
  if (strict && unexpectedKeys.length > 0) problems.push(`unexpected ${quote(unexpectedKeys)}`);
  problems.push(...mismatches);
  if (problems.length > 0) {
    const hint = mismatches.some((m) => m.includes(' in the checkpoint but float')) ? " (convert the model with .to(dtype) first)" : '';
    throw new StateDictError(
      `loadStateDict(${owner}): ${problems.join('; ')}${hint}. Nothing was loaded.`,
      strict ? missingKeys : [],
      strict ? unexpectedKeys : [],
      mismatches,
    );
  }
  // Only now write; copy_ cannot fail here (shapes, dtypes and storage were checked). A source that shares
  // storage with a target (a state dict of this very model, entries swapped) is cloned first, so no copy
  // reads what an earlier one wrote.
  noGrad(() => {
    const written = new Set(copies.map(([target]) => target.storage));
    const sources = copies.map(([, src]) => (written.has(src.storage) ? src.clone() : src));
    copies.forEach(([target], i) => target.copy_(sources[i]!));
  });
  return { missingKeys, unexpectedKeys, renamedKeys };
}
