// Argument checks shared by every package: one wording for "not a Tensor" and for unknown option keys.
import { Tensor } from './tensor.js';

/** Describes a value for an error message: `null`, `an array`, `a string ("x")`, `3`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(', ')}]`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/**
 * Throws a TypeError unless `x` is a Tensor: `op: argument 'name' must be a Tensor, got …`.
 * @example checkTensor('linear', 'weight', w)
 */
export function checkTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: argument '${name}' must be a Tensor, got ${describeValue(x)}`);
}

/** Names PyTorch, TF.js or numpy users type, and what Tensile calls them. */
const COMMON_HINTS: Readonly<Record<string, string>> = {
  requires_grad: 'requiresGrad', keepdims: 'keepdim', keep_dims: 'keepdim', axis: 'dim', batch_size: 'batchSize',
  drop_last: 'dropLast', count_include_pad: 'countIncludePad', ceil_mode: 'ceilMode', divisor_override: 'divisorOverride',
  label_smoothing: 'labelSmoothing', ignore_index: 'ignoreIndex', negative_slope: 'negativeSlope', weight_decay: 'weightDecay',
};

/**
 * Throws a TypeError naming the first key of `opts` that is not in `known`, with a hint where the key looks
 * like a known one (`hints` from the caller, a common other spelling of a known key, snake_case, a near miss). Undefined values are ignored, as absent keys.
 * `opts` itself must be undefined or a plain object.
 * @example checkOptions('DataLoader', opts, ['batchSize', 'shuffle']) // unknown option "batch_size" (Tensile calls it batchSize)
 */
export function checkOptions(where: string, opts: unknown, known: readonly string[], hints: Readonly<Record<string, string>> = {}): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (known.includes(key) || (opts as Record<string, unknown>)[key] === undefined) continue;
    const common = COMMON_HINTS[key];
    const hint = hints[key] ?? (common !== undefined && known.includes(common) ? common : undefined) ?? camelOf(key, known) ?? nearest(key, known);
    const list = known.length > 0 ? `; the options are ${known.join(', ')}` : '; it takes no options';
    throw new TypeError(`${where}: unknown option "${key}"${hint ? ` (did you mean ${hint}?)` : ''}${list}`);
  }
}

function camelOf(key: string, known: readonly string[]): string | undefined {
  const camel = key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  return camel !== key && known.includes(camel) ? camel : known.find((k) => k.toLowerCase() === key.toLowerCase());
}

/** The closest known key, if it is within an edit distance of a third of `key`'s length (1 or 2). */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.min(2, Math.floor(key.length / 3))) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Throws a TypeError unless `v` is true or false: `op: name must be true or false, got …`. */
export function checkBool(op: string, name: string, v: unknown): asserts v is boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${describeValue(v)}`);
}

/**
 * Throws a TypeError unless `v` is a number (NaN and ±Infinity included: the op decides what they mean),
 * or, with `orBoolean`, a boolean.
 */
export function checkNumber(op: string, name: string, v: unknown, orBoolean = false): asserts v is number {
  if (typeof v !== 'number' && !(orBoolean && typeof v === 'boolean')) {
    throw new TypeError(`${op}: ${name} must be a number${orBoolean ? ' or a boolean' : ''}, got ${describeValue(v)}`);
  }
}
