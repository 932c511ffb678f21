// The shapes `params` may take, turned into `[qualifiedName, tensor]` pairs.
import { Tensor, DTypeError, isFloat } from '@tensile/tensor';
import { ParameterError } from './errors.js';

/** Anything that lists its parameters by qualified name: a Module, or the array `module.parameters()` returns. */
export interface HasNamedParameters {
  namedParameters(): Iterable<readonly [string, Tensor]>;
}

export type NamedTensor = readonly [string, Tensor];

/** One list of parameters: a Module (walked on every use), `[name, tensor]` pairs, or bare tensors (named by position). */
export type ParamSource = HasNamedParameters | readonly NamedTensor[] | readonly Tensor[];

export function hasNamedParameters(x: unknown): x is HasNamedParameters {
  return typeof x === 'object' && x !== null && typeof (x as { namedParameters?: unknown }).namedParameters === 'function';
}

export function isParamSource(x: unknown): x is ParamSource {
  if (hasNamedParameters(x)) return true;
  if (!Array.isArray(x)) return false;
  return x.length === 0 || x[0] instanceof Tensor || isNamedTensor(x[0]);
}

function isNamedTensor(x: unknown): x is NamedTensor {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'string';
}

/**
 * The `[name, tensor]` pairs of `source`. Bare tensors are named by their position, counted from `first`
 * (PyTorch numbers parameters across all groups). `owner` prefixes error messages.
 */
export function namedTensors(owner: string, source: ParamSource, first = 0, prefix?: string): NamedTensor[] {
  let pairs: NamedTensor[];
  if (hasNamedParameters(source)) {
    pairs = [...source.namedParameters()];
  } else if (Array.isArray(source)) {
    pairs = source.map((x: unknown, i): NamedTensor => {
      if (x instanceof Tensor) return [String(first + i), x];
      if (isNamedTensor(x)) return x;
      throw new TypeError(`${owner}: parameter ${first + i} must be a Tensor or a [name, Tensor] pair, got ${describe(x)}`);
    });
  } else {
    throw new TypeError(`${owner}: params must be a Module (anything with namedParameters()), an array of tensors, of [name, tensor] pairs, or of parameter groups; got ${describe(source)}`);
  }
  for (const [name, t] of pairs) {
    if (typeof name !== 'string' || name === '') throw new TypeError(`${owner}: parameter names must be non-empty strings, got ${describe(name)}`);
    if (!(t instanceof Tensor)) throw new TypeError(`${owner}: parameter "${name}" must be a Tensor, got ${describe(t)}`);
    if (!isFloat(t.dtype)) throw new DTypeError(`${owner}: parameter "${name}" is a ${t.dtype} tensor; only float32 and float64 tensors can be optimized`);
    if (!t.isLeaf) throw new ParameterError(`${owner}: parameter "${name}" is not a leaf tensor (it was computed by ${t.gradFn?.op ?? 'an op'}); optimize the tensor it came from`);
  }
  return prefix === undefined ? pairs : pairs.map(([n, t]) => [`${prefix}.${n}`, t] as const);
}

/** Throws if a name repeats or a tensor appears under two names. */
export function checkUnique(owner: string, pairs: readonly NamedTensor[], groupOf?: readonly number[]): void {
  const byName = new Map<string, number>();
  const byTensor = new Map<Tensor, string>();
  pairs.forEach(([name, t], i) => {
    const j = byName.get(name);
    if (j !== undefined) {
      const where = groupOf && groupOf[i] !== groupOf[j] ? ` in parameter groups ${groupOf[j]} and ${groupOf[i]}; give the groups distinct \`prefix\`es, e.g. { params: model.encoder.parameters(), prefix: 'encoder' }` : ' twice';
      throw new ParameterError(`${owner}: the parameter name "${name}" appears${where}`);
    }
    const other = byTensor.get(t);
    if (other !== undefined) throw new ParameterError(`${owner}: the same tensor appears as "${other}" and "${name}"; list each parameter once`);
    byName.set(name, i);
    byTensor.set(t, name);
  });
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x instanceof Tensor) return `a Tensor`;
  return typeof x === 'object' ? `an object (${Object.getPrototypeOf(x)?.constructor?.name ?? 'Object'})` : typeof x;
}
