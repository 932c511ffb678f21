import { Tensor, fmtShape, noGrad } from '@tensile/tensor';

/** A checkpoint: a `Map` or a plain object from qualified names to tensors. */
export type StateDictInput = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export interface LoadStateDictOptions {
  /** Require the checkpoint's keys to be exactly the model's. Default true. */
  strict?: boolean;
}

/** What a (non-strict) load skipped. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * A checkpoint that does not fit the model. The message lists every problem; the fields list them for
 * code. It is thrown before anything is copied, so the model is unchanged.
 */
export class StateDictError extends Error {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    /** One sentence per key whose value does not fit (shape, dtype, not a tensor). */
    readonly mismatches: readonly string[],
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
): LoadStateDictResult {
  const strict = opts.strict ?? true;
  const given = new Map(entriesOf(owner, sd));
  const expected = new Map(targets);
  const missingKeys = [...expected.keys()].filter((k) => !given.has(k));
  const unexpectedKeys = [...given.keys()].filter((k) => !expected.has(k));
  const mismatches: string[] = [];
  const copies: [Tensor, Tensor][] = [];
  for (const [name, target] of targets) {
    if (!given.has(name)) continue;
    const v = given.get(name);
    const key = JSON.stringify(name);
    if (!(v instanceof Tensor)) mismatches.push(`${key} is ${describe(v)} in the checkpoint, not a Tensor`);
    else if (v.shape.length !== target.shape.length || v.shape.some((d, i) => d !== target.shape[i])) {
      mismatches.push(`${key} is ${fmtShape(v.shape)} in the checkpoint but ${fmtShape(target.shape)} in the model`);
    } else if (v.dtype !== target.dtype) {
      mismatches.push(`${key} is ${v.dtype} in the checkpoint but ${target.dtype} in the model`);
    } else copies.push([target, v]);
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
  // Only now write; copy_ cannot fail here (shapes and dtypes were checked) and copies aliased sources.
  noGrad(() => {
    for (const [target, src] of copies) target.copy_(src);
  });
  return { missingKeys, unexpectedKeys };
}
