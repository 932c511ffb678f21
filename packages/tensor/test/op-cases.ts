// The op registry that the cross-cutting suites loop over (gradcheck, PyTorch parity, errors).
// One entry per public op: how to run it, its sample cases (seeded input specs: shapes and value ranges
// kept away from kinks and ties) and its error cases (class + message regex).
//
// The sample cases are plain JSON data. tools/fixtures/make_tensor_fixtures.py holds the same cases
// (name, op, input specs, attrs) and writes PyTorch's results into fixtures/*.json; parity.test.ts checks
// that both tables agree, so a case added here without its PyTorch twin (or vice versa) fails a test.
import {
  Generator, Tensor, DTypeError, ShapeError, type DType,
  add, sub, mul, div, pow, neg, exp, log, sqrt, rsqrt, abs, sign, square, reciprocal, erf, relu, leakyRelu, elu,
  sigmoid, tanh, gelu, softplus, clamp, maximum, minimum, where, eq, ne, lt, le, gt, ge, cast,
  sum, mean, variance, std, max, min, amax, amin, argmax, argmin, logsumexp, softmax, logSoftmax,
  matmul, reshape, view, permute, transpose, t, expand, squeeze, unsqueeze, narrow, slice, flatten, contiguous, clone,
  indexSelect, gather, scatterAdd, cat, stack, split, chunk, pad, oneHot, conv2d, maxPool2d, avgPool2d, crossEntropyIndices,
  tensor, full, tril, triu, maskedFill, bmm, baddbmm, addmm, topk, multinomial,
} from '../src/index.js';

/** How one input of a case is sampled. Plain JSON: the Python fixture script builds the same objects. */
export interface InputSpec {
  readonly kind: 'float' | 'int32' | 'bool';
  readonly shape: readonly number[];
  /** A fixed float dtype; without it a float input takes the suite's dtype. */
  readonly dtype?: 'float32' | 'float64';
  /** Uniform in [lo, hi). */
  readonly range?: readonly [number, number];
  /** |x| uniform in [lo, hi) with a random sign: keeps samples away from a kink at 0. */
  readonly magnitude?: readonly [number, number];
  /** Values within 0.05 of these points are redrawn (kinks that are not at 0, e.g. clamp bounds). */
  readonly avoid?: readonly number[];
  /** Round the float samples to integers, so comparisons see ties. */
  readonly integers?: boolean;
  /** int32 inputs: uniform in [0, high). */
  readonly high?: number;
}

/** Op attributes (JSON-able). Each op reads the keys it knows. */
export interface Attrs {
  /** A JS number operand, passed second (or first with `scalarFirst`). */
  readonly scalar?: number;
  readonly scalarFirst?: boolean;
  readonly alpha?: number;
  readonly exponent?: number;
  readonly negativeSlope?: number;
  readonly min?: number;
  readonly max?: number;
  readonly dim?: number | readonly number[];
  readonly keepdim?: boolean;
  readonly correction?: number;
  readonly shape?: readonly number[];
  readonly dims?: readonly number[];
  readonly dim0?: number;
  readonly dim1?: number;
  readonly start?: number;
  readonly end?: number;
  readonly step?: number;
  readonly length?: number;
  readonly startDim?: number;
  readonly endDim?: number;
  readonly size?: number | readonly number[];
  readonly chunks?: number;
  readonly padding?: number | readonly number[] | 'same' | 'valid';
  readonly value?: number;
  readonly numClasses?: number;
  readonly kernelSize?: number | readonly number[];
  readonly stride?: number | readonly number[];
  readonly dilation?: number | readonly number[];
  readonly groups?: number;
  readonly dtype?: DType;
  /** where's `other` as a JS number, with `scalar` as its `input`. */
  readonly otherScalar?: number;
  readonly beta?: number;
  readonly threshold?: number;
  readonly ceilMode?: boolean;
  readonly countIncludePad?: boolean;
  readonly divisorOverride?: number;
  /** tril/triu's diagonal offset. */
  readonly diagonal?: number;
  /** topk's k. */
  readonly k?: number;
  readonly largest?: boolean;
  readonly sorted?: boolean;
  readonly numSamples?: number;
  readonly replacement?: boolean;
}

export type RunFn = (inputs: Tensor[], attrs: Attrs) => Tensor | Tensor[];

/** A sample case: the suites build its inputs from the specs (or take them from a fixture). */
export interface OpCase {
  /** `op` or `op/variant`; unique, and the key of the PyTorch fixture. */
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly attrs: Attrs;
  /** Draw all float elements of the case from one shuffled grid, so no two are equal (no ties for max/min). */
  readonly distinct?: boolean;
  /**
   * Deliberately samples on a kink (ties, zeros, clamp bounds) to pin PyTorch's choice of subgradient;
   * parity checks it, gradcheck skips it.
   */
  readonly onKink?: boolean;
  /** gradcheck options replacing the suite's, for cases whose outputs are rounded to float32 (cast). */
  readonly gradcheck?: { readonly eps: number; readonly atol: number; readonly rtol: number };
}

/** A call that must throw `error` with a message matching `message`, changing none of its inputs. */
export interface ErrorCase {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly attrs: Attrs;
  /** Replaces the op's `run` (for errors that need an argument `run` cannot express). */
  readonly run?: RunFn;
  readonly error: new (...args: never[]) => Error;
  readonly message: RegExp;
}

export interface OpEntry {
  /** The public function's name. */
  readonly op: string;
  readonly run: RunFn;
  /** Has a backward (false for comparisons, argmax/argmin, oneHot: forward cases only). */
  readonly differentiable: boolean;
  /** Broadcasts its operands: its cases include operands of different shapes. */
  readonly broadcasts: boolean;
  /** Where the op is not differentiable, which the samples avoid ('' when smooth everywhere). */
  readonly kinks: string;
  /** Only views its input (never copies), so it refuses layouts whose dims cannot merge: skip those variants. */
  readonly viewOnly: boolean;
  readonly cases: readonly OpCase[];
  readonly errors: readonly ErrorCase[];
}

// ---------------------------------------------------------------------------------------------------
// Input spec shorthands (the Python script has the same ones).

/** Uniform in [−1, 1). */
const f = (...shape: number[]): InputSpec => ({ kind: 'float', shape, range: [-1, 1] });
/** Uniform in [lo, hi). */
const within = (lo: number, hi: number, ...shape: number[]): InputSpec => ({ kind: 'float', shape, range: [lo, hi] });
/** Positive, away from 0 (log, sqrt, divisors, pow bases). */
const pos = (...shape: number[]): InputSpec => within(0.5, 2, ...shape);
/** |x| in [0.1, 1) with a random sign: away from a kink at 0. */
const mag = (...shape: number[]): InputSpec => ({ kind: 'float', shape, magnitude: [0.1, 1] });
/** |x| in [0.5, 2) with a random sign (divisors that may be negative). */
const magPos = (...shape: number[]): InputSpec => ({ kind: 'float', shape, magnitude: [0.5, 2] });
/** Integer-valued floats in [−2, 2], so comparisons see ties. */
const ints = (...shape: number[]): InputSpec => ({ kind: 'float', shape, range: [-2, 2], integers: true });
/** int32 indices in [0, high). */
const idx = (high: number, ...shape: number[]): InputSpec => ({ kind: 'int32', shape, high });
const bool = (...shape: number[]): InputSpec => ({ kind: 'bool', shape });
/** A float input with a fixed dtype. */
const fixed = (dtype: 'float32' | 'float64', spec: InputSpec): InputSpec => ({ ...spec, dtype });

const c = (name: string, inputs: InputSpec[], attrs: Attrs = {}, extra: Partial<OpCase> = {}): OpCase => ({ name, inputs, attrs, ...extra });
const e = (name: string, inputs: InputSpec[], attrs: Attrs, error: ErrorCase['error'], message: RegExp, run?: RunFn): ErrorCase =>
  ({ name, inputs, attrs, error, message, ...(run ? { run } : {}) });

interface EntryInit {
  run: RunFn;
  differentiable?: boolean;
  broadcasts?: boolean;
  kinks?: string;
  viewOnly?: boolean;
  cases: OpCase[];
  errors?: ErrorCase[];
}
const entry = (op: string, init: EntryInit): OpEntry => ({
  op,
  run: init.run,
  differentiable: init.differentiable ?? true,
  broadcasts: init.broadcasts ?? false,
  kinks: init.kinks ?? '',
  viewOnly: init.viewOnly ?? false,
  cases: init.cases,
  errors: init.errors ?? [],
});

// ---------------------------------------------------------------------------------------------------
// Run adapters.

type Binary = (a: Tensor | number, b: Tensor | number) => Tensor;
/** A binary op on two tensors, or on a tensor and the JS number `attrs.scalar`. */
const binary = (fn: Binary): RunFn => ([a, b], { scalar, scalarFirst }) =>
  scalar === undefined ? fn(a!, b!) : scalarFirst ? fn(scalar, a!) : fn(a!, scalar);
const withAlpha = (fn: (a: Tensor | number, b: Tensor | number, alpha?: number) => Tensor): RunFn => ([a, b], { scalar, alpha }) =>
  fn(a!, scalar ?? b!, alpha);
const unary = (fn: (x: Tensor) => Tensor): RunFn => ([x]) => fn(x!);
type Dims = number | readonly number[] | undefined;
const reduction = (fn: (x: Tensor, dim: Dims, keepdim?: boolean) => Tensor): RunFn => ([x], { dim, keepdim }) => fn(x!, dim, keepdim);
const pair = (v: number | readonly number[] | undefined): number | [number, number] | undefined =>
  v === undefined || typeof v === 'number' ? v : [v[0]!, v[1]!];

const bcastError = (op: string, run?: RunFn): ErrorCase =>
  e(`${op}/bad-broadcast`, [f(2, 3), f(4)], {}, ShapeError, new RegExp(`^${op}: shapes \\[2, 3\\] and \\[4\\] cannot be broadcast \\(dimension -1: 3 vs 4\\)`), run);
/** The op called with a JS number where it needs a tensor. */
const notATensor = (op: string, fn: (x: Tensor) => Tensor): ErrorCase =>
  e(`${op}/not-a-tensor`, [], {}, TypeError, new RegExp(`^${op}: argument 'input' must be a Tensor, got 1$`), () => fn(1 as never));
const dimError = (op: string, attrs: Attrs = { dim: 2 }): ErrorCase =>
  e(`${op}/dim-out-of-range`, [f(2, 3)], attrs, RangeError, new RegExp(`^${op}: dim 2 is out of range for a tensor of 2 dimensions`));

// ---------------------------------------------------------------------------------------------------
// Elementwise.

// A float32 input or output carries ~1e-7 relative rounding, so finite differences through it need a
// larger step and PyTorch's default tolerances (the ops using this are linear, so the step costs nothing).
const F32_GRADCHECK = { eps: 1e-3, atol: 1e-5, rtol: 1e-3 };

const elementwise: OpEntry[] = [
  entry('add', {
    run: withAlpha(add), broadcasts: true,
    cases: [
      c('add', [f(2, 3), f(2, 3)]),
      c('add/broadcast', [f(2, 1, 3), f(4, 1)]),
      c('add/scalar', [f(2, 3)], { scalar: 0.5 }),
      c('add/alpha', [f(2, 3), f(3)], { alpha: 2.5 }),
      c('add/0d', [f(), f(2, 3)]),
      c('add/mixed-dtypes', [fixed('float32', f(2, 3)), fixed('float64', f(3))], {}, { gradcheck: F32_GRADCHECK }),
      c('add/int-float-scalar', [idx(5, 2, 3)], { scalar: 0.5 }),
      c('add/int32', [idx(5, 2, 3), idx(5, 3)]),
    ],
    errors: [
      bcastError('add'),
      e('add/not-a-tensor', [f(2)], {}, TypeError, /^add: argument 'other' must be a Tensor or a number, got a string \("x"\)/, ([a]) => add(a!, 'x' as never)),
      e('add/int32-overflow', [idx(5, 2, 3)], { scalar: 3e9 }, RangeError,
        /^add: the number 3000000000 is outside the int32 range \[-2147483648, 2147483647\] and would overflow; use a float dtype/),
      e('add/int32-overflow-alpha', [idx(5, 2, 3), idx(5, 2, 3)], { alpha: 3e9 }, RangeError, /^add: alpha 3000000000 is outside the int32 range/),
      e('add/int32-fractional-alpha', [idx(5, 2, 3), idx(5, 2, 3)], { alpha: 0.5 }, DTypeError,
        /^add: alpha must be an integer for int32 operands, got 0\.5; cast an operand to float first/),
    ],
  }),
  entry('sub', {
    run: withAlpha(sub), broadcasts: true,
    cases: [
      c('sub', [f(2, 3), f(2, 3)]),
      c('sub/broadcast', [f(3, 1), f(1, 4)]),
      c('sub/scalar', [f(2, 3)], { scalar: -1.5 }),
      c('sub/alpha', [f(2, 3), f(2, 3)], { alpha: -0.5 }),
    ],
    errors: [bcastError('sub')],
  }),
  entry('mul', {
    run: binary(mul), broadcasts: true,
    cases: [
      c('mul', [f(2, 3), f(2, 3)]),
      c('mul/broadcast', [f(2, 1, 3), f(4, 1)]),
      c('mul/scalar', [f(2, 3)], { scalar: 3 }),
      c('mul/self-shaped', [f(4), f(2, 4)]),
      c('mul/int-operand', [idx(5, 2, 3), f(2, 3)]),
      c('mul/bool-operand', [bool(2, 3), f(2, 3)]),
    ],
    errors: [bcastError('mul')],
  }),
  entry('div', {
    run: binary(div), broadcasts: true, kinks: 'divisor = 0',
    cases: [
      c('div', [f(2, 3), magPos(2, 3)]),
      c('div/broadcast', [f(2, 3), magPos(3)]),
      c('div/scalar', [f(2, 3)], { scalar: 4 }),
      c('div/scalar-first', [magPos(2, 3)], { scalar: 2, scalarFirst: true }),
      c('div/int32', [idx(5, 2, 3), idx(5, 2, 3)]),
    ],
    errors: [bcastError('div')],
  }),
  entry('pow', {
    run: ([x, y], { exponent, scalar, scalarFirst }) =>
      exponent !== undefined ? pow(x!, exponent) : scalarFirst ? pow(scalar!, x!) : pow(x!, y!),
    broadcasts: true, kinks: 'base ≤ 0 with a tensor or fractional exponent',
    cases: [
      c('pow', [pos(2, 3), f(2, 3)]),
      c('pow/broadcast', [pos(2, 3), within(-2, 2, 3)]),
      c('pow/scalar-int', [f(2, 3)], { exponent: 3 }),
      c('pow/scalar-square', [f(2, 3)], { exponent: 2 }),
      c('pow/scalar-frac', [pos(2, 3)], { exponent: 2.5 }),
      c('pow/scalar-neg', [pos(2, 3)], { exponent: -1.5 }),
      c('pow/scalar-base', [f(2, 3)], { scalar: 2, scalarFirst: true }),
      c('pow/int-base', [idx(5, 2, 3)], { exponent: 0.5 }),
      c('pow/int-int', [idx(4, 2, 3), idx(3, 2, 3)]),
    ],
    errors: [
      bcastError('pow'),
      e('pow/int-negative-scalar', [idx(5, 2, 3)], { exponent: -1 }, DTypeError,
        /^pow: Integers to negative integer powers are not allowed\. \(a int32 tensor to the power -1; use x\.float\(\)\.pow\(-1\)\)/),
      e('pow/int-negative-tensor', [idx(5, 2, 3)], {}, DTypeError, /^pow: Integers to negative integer powers are not allowed\. \(a int32 exponent holds -2; cast the base to float first\)/,
        ([x]) => pow(x!, tensor([[1, -2, 0]], { dtype: 'int32' }))),
      e('pow/int-negative-tensor-scalar-base', [], {}, DTypeError, /^pow: Integers to negative integer powers are not allowed\./,
        () => pow(2, tensor([3, -1], { dtype: 'int32' }))),
    ],
  }),
  entry('maximum', {
    run: binary(maximum), broadcasts: true, kinks: 'ties (a = b)',
    cases: [
      c('maximum', [f(2, 3), f(2, 3)], {}, { distinct: true }),
      c('maximum/broadcast', [f(2, 1, 3), f(4, 1)], {}, { distinct: true }),
      c('maximum/ties', [ints(3, 4), ints(3, 4)], {}, { onKink: true }),
    ],
    errors: [bcastError('maximum')],
  }),
  entry('minimum', {
    run: binary(minimum), broadcasts: true, kinks: 'ties (a = b)',
    cases: [
      c('minimum', [f(2, 3), f(2, 3)], {}, { distinct: true }),
      c('minimum/broadcast', [f(3), f(2, 1)], {}, { distinct: true }),
      c('minimum/ties', [ints(3, 4), ints(4)], {}, { onKink: true }),
    ],
    errors: [bcastError('minimum')],
  }),
  entry('where', {
    run: ([cond, a, b], { scalar, otherScalar }) => (otherScalar !== undefined ? where(cond!, scalar!, otherScalar) : where(cond!, a!, scalar ?? b!)),
    broadcasts: true,
    cases: [
      c('where', [bool(2, 3), f(2, 3), f(2, 3)]),
      c('where/broadcast', [bool(3), f(2, 3), f(2, 1)]),
      c('where/scalar', [bool(2, 3), f(2, 3)], { scalar: 0.25 }),
      c('where/two-numbers', [bool(2, 3)], { scalar: 1, otherScalar: 0.5 }),
      c('where/two-integers', [bool(2, 3)], { scalar: 1, otherScalar: -3 }),
      c('where/int-tensor-float-number', [bool(2, 3), idx(5, 2, 3)], { scalar: 0.5 }),
    ],
    errors: [
      e('where/bad-broadcast', [bool(2, 3), f(4), f(4)], {}, ShapeError, /^where: shapes \[2, 3\] and \[4\] cannot be broadcast/),
      e('where/condition-not-a-tensor', [f(2)], {}, TypeError, /^where: argument 'condition' must be a Tensor, got true/, ([a]) => where(true as never, a!, a!)),
      e('where/float-condition', [f(2, 3), f(2, 3), f(2, 3)], {}, DTypeError,
        /^where: the condition must be a bool tensor, got a float32 tensor of shape \[2, 3\]; make one with a comparison \(x\.gt\(0\)\) or \.bool\(\)/),
      e('where/int-condition', [idx(2, 3), f(3), f(3)], {}, DTypeError, /^where: the condition must be a bool tensor, got a int32 tensor of shape \[3\]/),
      e('where/int32-overflow', [bool(3), idx(5, 3)], { scalar: 3e9 }, RangeError, /^where: the number 3000000000 is outside the int32 range/),
    ],
  }),
  ...(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((op) => {
    const fn = { eq, ne, lt, le, gt, ge }[op];
    return entry(op, {
      run: binary(fn), differentiable: false, broadcasts: true,
      cases: [c(op, [ints(2, 3), ints(2, 3)]), c(`${op}/broadcast`, [ints(2, 3), ints(3)]), c(`${op}/scalar`, [ints(2, 3)], { scalar: 0 })],
      errors: [bcastError(op)],
    });
  }),
];

/** Unary entries: `[op, fn, input spec, kinks]`. */
const unaryTable: [string, (x: Tensor) => Tensor, InputSpec, string][] = [
  ['neg', neg, f(2, 3), ''],
  ['exp', exp, f(2, 3), ''],
  ['log', log, pos(2, 3), 'x ≤ 0'],
  ['sqrt', sqrt, pos(2, 3), 'x ≤ 0'],
  ['rsqrt', rsqrt, pos(2, 3), 'x ≤ 0'],
  ['abs', abs, mag(2, 3), 'x = 0'],
  ['sign', sign, mag(2, 3), 'x = 0'],
  ['square', square, f(2, 3), ''],
  ['reciprocal', reciprocal, magPos(2, 3), 'x = 0'],
  ['erf', erf, within(-2, 2, 2, 3), ''],
  ['relu', relu, mag(2, 3), 'x = 0'],
  ['sigmoid', sigmoid, within(-3, 3, 2, 3), ''],
  ['tanh', tanh, within(-2, 2, 2, 3), ''],
  ['gelu', gelu, within(-3, 3, 2, 3), ''],
];

/** Error cases of unary ops beyond "not a tensor". */
const unaryErrors: Record<string, ErrorCase[]> = {
  neg: [e('neg/bool', [bool(2, 3)], {}, DTypeError, /^neg: negation of a bool tensor \(shape \[2, 3\]\) is not supported; to invert a mask use logicalNot\(\)/)],
};

/** Extra unary cases over wider ranges (tails of erf, gelu's negative tail computed through erfc). */
const wide: Record<string, InputSpec> = { erf: within(-5, 5, 2, 3), gelu: within(-4, 4, 2, 4) };

/** Unary ops that also take int32 tensors (int32 out for the first four, float32 for exp/sqrt, as PyTorch). */
const intOps = ['neg', 'abs', 'square', 'relu', 'sign', 'exp', 'sqrt'];

const unaries: OpEntry[] = [
  ...unaryTable.map(([op, fn, spec, kinks]) =>
    entry(op, {
      run: unary(fn), kinks,
      cases: [
        c(op, [spec]),
        ...(op === 'exp' || op === 'tanh' ? [c(`${op}/0d`, [{ ...spec, shape: [] }])] : []),
        ...(wide[op] ? [c(`${op}/wide`, [wide[op]!])] : []),
        ...(kinks ? [c(`${op}/at-kink`, [ints(3, 4)], {}, { onKink: true })] : []),
        ...(intOps.includes(op) ? [c(`${op}/int32`, [idx(5, 2, 3)])] : []),
      ],
      errors: [notATensor(op, fn), ...(unaryErrors[op] ?? [])],
    }),
  ),
  entry('softplus', {
    run: ([x], { beta, threshold }) => softplus(x!, { beta, threshold }),
    cases: [
      c('softplus', [within(-3, 3, 2, 3)]),
      // βx crosses the threshold at x = 1.5, where the function jumps (PyTorch's definition): samples avoid it.
      c('softplus/beta-threshold', [{ ...within(-3, 3, 3, 4), avoid: [1.5] }], { beta: 2, threshold: 3 }),
      c('softplus/beta', [within(-3, 3, 2, 3)], { beta: 0.5 }),
      c('softplus/above-default-threshold', [{ ...within(15, 25, 2, 4), avoid: [20] }]),
    ],
    errors: [
      notATensor('softplus', softplus),
      e('softplus/zero-beta', [f(2)], { beta: 0 }, RangeError, /^softplus: beta must be a finite nonzero number, got 0/),
      e('softplus/unknown-option', [f(2)], {}, TypeError, /^softplus: unknown option "Beta" \(did you mean beta\?\); the options are beta, threshold/,
        ([x]) => softplus(x!, { Beta: 2 } as never)),
    ],
  }),
  entry('leakyRelu', {
    run: ([x], { negativeSlope }) => leakyRelu(x!, negativeSlope), kinks: 'x = 0',
    cases: [
      c('leakyRelu', [mag(2, 3)]),
      c('leakyRelu/slope', [mag(2, 3)], { negativeSlope: 0.2 }),
      c('leakyRelu/at-kink', [ints(3, 4)], { negativeSlope: 0.2 }, { onKink: true }),
    ],
    errors: [notATensor('leakyRelu', leakyRelu)],
  }),
  entry('elu', {
    run: ([x], { alpha }) => elu(x!, alpha), kinks: 'x = 0 (for alpha ≠ 1)',
    cases: [c('elu', [mag(2, 3)]), c('elu/alpha', [mag(2, 3)], { alpha: 1.5 }), c('elu/at-kink', [ints(3, 4)], { alpha: 1.5 }, { onKink: true })],
    errors: [notATensor('elu', elu)],
  }),
  entry('clamp', {
    run: ([x], { min, max }) => clamp(x!, min, max), kinks: 'x = min, x = max',
    cases: [
      c('clamp', [{ ...f(3, 4), avoid: [-0.5, 0.5] }], { min: -0.5, max: 0.5 }),
      c('clamp/min', [{ ...f(3, 4), avoid: [-0.25] }], { min: -0.25 }),
      c('clamp/max', [{ ...f(3, 4), avoid: [0.25] }], { max: 0.25 }),
      c('clamp/at-kink', [ints(3, 4)], { min: -1, max: 1 }, { onKink: true }),
    ],
    errors: [e('clamp/no-bounds', [f(2, 3)], {}, TypeError, /^clamp: at least one of min and max must be given/)],
  }),
  entry('cast', {
    run: ([x], { dtype }) => cast(x!, dtype!),
    cases: [
      c('cast/float64-float32', [fixed('float64', f(2, 3))], { dtype: 'float32' }, { gradcheck: F32_GRADCHECK }),
      c('cast/float32-float64', [fixed('float32', f(2, 3))], { dtype: 'float64' }, { gradcheck: F32_GRADCHECK }),
    ],
    errors: [
      e('cast/unknown-dtype', [f(2)], { dtype: 'float16' as DType }, DTypeError, /^to: unknown dtype float16/),
      e('cast/int32-overflow', [within(3e9, 4e9, 2, 2)], { dtype: 'int32' }, RangeError,
        /^to: cannot convert a float32 tensor of shape \[2, 2\] to int32: it holds 3\d{9}, outside the int32 range \[-2147483648, 2147483647\]; clamp it or keep a float dtype/),
      e('cast/int32-negative-overflow', [within(-4e9, -3e9, 3)], { dtype: 'int32' }, RangeError, /^to: cannot convert a float32 tensor of shape \[3\] to int32: it holds -3\d{9}/),
      e('cast/int32-nan', [f(3)], { dtype: 'int32' }, RangeError, /^to: cannot convert a float32 tensor of shape \[4\] to int32: it holds NaN/,
        ([x]) => cast(cat([x!, tensor([NaN])]), 'int32')),
      e('cast/int32-infinity', [f(3)], { dtype: 'int32' }, RangeError, /^to: cannot convert a float32 tensor of shape \[3\] to int32: it holds -Infinity/,
        ([x]) => cast(x!.abs().add(1).div(0).neg(), 'int32')),
    ],
  }),
];

// ---------------------------------------------------------------------------------------------------
// Reductions and softmax.

const reductions: OpEntry[] = [
  entry('sum', {
    run: reduction(sum),
    cases: [
      c('sum', [f(2, 3, 4)]),
      c('sum/dim', [f(2, 3, 4)], { dim: 1 }),
      c('sum/dims-keepdim', [f(2, 3, 4)], { dim: [0, 2], keepdim: true }),
      c('sum/neg-dim', [f(2, 3, 4)], { dim: -1 }),
      c('sum/0d', [f()]),
      c('sum/int32', [idx(5, 2, 3)], { dim: 1 }),
      c('sum/0d-dim', [f()], { dim: 0 }),
      c('sum/empty', [f(0, 3)], { dim: 0 }),
      c('sum/bool', [bool(2, 3)], { dim: 1 }),
    ],
    errors: [
      e('sum/dim-out-of-range', [f(2, 3)], { dim: 2 }, RangeError, /^sum: dim 2 is out of range for a tensor of 2 dimensions/),
      e('sum/repeated-dim', [f(2, 3)], { dim: [1, -1] }, RangeError, /^sum: dim 1 appears more than once in \[1,-1\]/),
    ],
  }),
  entry('mean', {
    run: reduction(mean),
    cases: [c('mean', [f(2, 3, 4)]), c('mean/dim', [f(2, 3, 4)], { dim: 2 }), c('mean/dims-keepdim', [f(2, 3, 4)], { dim: [0, 1], keepdim: true })],
    errors: [dimError('mean')],
  }),
  entry('var', {
    run: ([x], { dim, correction, keepdim }) => variance(x!, dim, { correction, keepdim }),
    cases: [
      c('var', [f(2, 3, 4)]),
      c('var/dim', [f(2, 3, 4)], { dim: 1 }),
      c('var/correction0-keepdim', [f(2, 3, 4)], { dim: [0, 2], correction: 0, keepdim: true }),
    ],
    errors: [
      dimError('var'),
      e('var/unknown-option', [f(2, 3)], { dim: 1 }, TypeError, /^var: unknown option "keepdims" \(did you mean keepdim\?\); the options are correction, unbiased, keepdim/,
        ([x], { dim }) => variance(x!, dim, { keepdims: true } as never)),
      e('var/negative-correction', [f(2, 3)], { dim: 1, correction: -1 }, RangeError, /^var: correction must be a non-negative number, got -1/),
    ],
  }),
  entry('std', {
    run: ([x], { dim, correction, keepdim }) => std(x!, dim, { correction, keepdim }),
    cases: [
      c('std', [f(2, 3, 4)]),
      c('std/dim', [f(2, 3, 4)], { dim: 2 }),
      c('std/correction0-keepdim', [f(3, 4)], { dim: 0, correction: 0, keepdim: true }),
    ],
    errors: [
      dimError('std'),
      e('std/both-corrections', [f(2, 3)], {}, TypeError, /^std: pass either correction or unbiased, not both/,
        ([x]) => std(x!, 1, { correction: 0, unbiased: false })),
    ],
  }),
  entry('amax', {
    run: reduction(amax), kinks: 'ties',
    cases: [
      c('amax', [f(2, 3, 4)], {}, { distinct: true }),
      c('amax/dim', [f(2, 3, 4)], { dim: 1 }, { distinct: true }),
      c('amax/dims-keepdim', [f(2, 3, 4)], { dim: [0, 2], keepdim: true }, { distinct: true }),
      c('amax/ties', [ints(3, 4)], { dim: 1 }, { onKink: true }),
      c('amax/ties-all', [ints(3, 4)], {}, { onKink: true }),
    ],
    errors: [dimError('amax'), e('amax/empty', [f(2, 0)], { dim: 1 }, ShapeError, /^amax: cannot reduce over dimension 1 of size 0 \(shape \[2, 0\]\)/)],
  }),
  entry('amin', {
    run: reduction(amin), kinks: 'ties',
    cases: [
      c('amin', [f(2, 3, 4)], {}, { distinct: true }),
      c('amin/dim', [f(2, 3, 4)], { dim: -1 }, { distinct: true }),
      c('amin/ties', [ints(3, 4)], { dim: 0 }, { onKink: true }),
    ],
    errors: [dimError('amin')],
  }),
  ...(['max', 'min'] as const).map((op) =>
    entry(op, {
      run: ([x], { dim, keepdim }) => {
        if (dim === undefined) return op === 'max' ? max(x!) : min(x!);
        const r = op === 'max' ? max(x!, dim as number, keepdim) : min(x!, dim as number, keepdim);
        return [r.values, r.indices];
      },
      kinks: 'ties',
      cases: [
        c(op, [f(3, 4)], {}, { distinct: true }),
        c(`${op}/dim`, [f(2, 3, 4)], { dim: 1 }, { distinct: true }),
        c(`${op}/dim-keepdim`, [f(3, 4)], { dim: 0, keepdim: true }, { distinct: true }),
        c(`${op}/0d-dim`, [f()], { dim: 0 }),
        c(`${op}/ties`, [ints(3, 4)], {}, { onKink: true }),
        c(`${op}/dim-ties`, [ints(3, 4)], { dim: 1 }, { onKink: true }),
      ],
      errors: [dimError(op)],
    }),
  ),
  ...(['argmax', 'argmin'] as const).map((op) =>
    entry(op, {
      run: ([x], { dim, keepdim }) => (op === 'argmax' ? argmax : argmin)(x!, dim as number | undefined, keepdim),
      differentiable: false,
      cases: [
        c(op, [f(3, 4)], {}, { distinct: true }),
        c(`${op}/dim`, [f(2, 3, 4)], { dim: 1 }, { distinct: true }),
        c(`${op}/dim-keepdim`, [f(3, 4)], { dim: -1, keepdim: true }, { distinct: true }),
        c(`${op}/ties`, [ints(3, 4)], { dim: 1 }),
      ],
      errors: [dimError(op)],
    }),
  ),
  entry('logsumexp', {
    run: reduction((x, dim, keepdim) => logsumexp(x, dim!, keepdim)),
    cases: [
      c('logsumexp', [within(-2, 2, 2, 3, 4)], { dim: 1 }),
      c('logsumexp/dims-keepdim', [within(-2, 2, 2, 3, 4)], { dim: [0, 2], keepdim: true }),
      c('logsumexp/large', [within(100, 110, 3, 4)], { dim: -1 }),
    ],
    errors: [dimError('logsumexp')],
  }),
  ...(['softmax', 'logSoftmax'] as const).map((op) =>
    entry(op, {
      run: ([x], { dim }) => (op === 'softmax' ? softmax : logSoftmax)(x!, dim as number),
      cases: [
        c(op, [within(-2, 2, 2, 3, 4)], { dim: -1 }),
        c(`${op}/dim0`, [within(-2, 2, 3, 4)], { dim: 0 }),
        c(`${op}/dim1`, [within(-2, 2, 2, 3, 4)], { dim: 1 }),
        c(`${op}/wide`, [within(-30, 30, 3, 5)], { dim: -1 }),
        c(`${op}/0d`, [f()], { dim: 0 }),
      ],
      errors: [dimError(op)],
    }),
  ),
  entry('crossEntropyIndices', {
    run: ([x, t]) => crossEntropyIndices(x!, t!),
    cases: [
      c('crossEntropyIndices', [within(-2, 2, 4, 5), idx(5, 4)]),
      c('crossEntropyIndices/wide', [within(-30, 30, 3, 7), idx(7, 3)]),
      c('crossEntropyIndices/one-class', [f(3, 1), idx(1, 3)]),
      // 320 logits: the wasm backend runs its own kernels (forward, and softmax in backward)
      c('crossEntropyIndices/wasm-sized', [within(-3, 3, 16, 20), idx(20, 16)]),
      c('crossEntropyIndices/empty', [f(0, 4), idx(4, 0)]),
    ],
    errors: [
      e('crossEntropyIndices/not-a-tensor', [], {}, TypeError, /^crossEntropyIndices: argument 'input' must be a Tensor, got 1$/,
        () => crossEntropyIndices(1 as never, tensor([0], { dtype: 'int32' }))),
      e('crossEntropyIndices/int-logits', [idx(5, 3, 5), idx(5, 3)], {}, DTypeError, /^crossEntropyIndices: expected float logits, got int32/),
      e('crossEntropyIndices/3d', [f(2, 3, 4), idx(3, 2)], {}, ShapeError, /^crossEntropyIndices: expected logits of shape \[N, C\], got \[2, 3, 4\]/),
      e('crossEntropyIndices/float-target', [f(3, 5), f(3)], {}, DTypeError, new RegExp(
        "^crossEntropyIndices: the target must be int32 class indices, got float32; class indices must be an int32 tensor: convert with target\\.int\\(\\) " +
        "or build them with tensor\\(labels, \\{ dtype: 'int32' \\}\\); a float target of the input's shape \\[N, C\\] would be class probabilities, which nn's crossEntropy takes$")),
      e('crossEntropyIndices/target-shape', [f(4, 5), idx(5, 3)], {}, ShapeError,
        /^crossEntropyIndices: for logits of shape \[4, 5\] the target must have shape \[4\], got \[3\]/),
      e('crossEntropyIndices/too-large', [f(3, 5)], {}, RangeError, /^crossEntropyIndices: target 5 \(element 1 of the target\) is out of range for 5 classes/,
        ([x]) => crossEntropyIndices(x!, tensor([0, 5, 2], { dtype: 'int32' }))),
      e('crossEntropyIndices/negative', [f(3, 5)], {}, RangeError, /^crossEntropyIndices: target -1 \(element 2 of the target\) is out of range for 5 classes/,
        ([x]) => crossEntropyIndices(x!, tensor([0, 4, -1], { dtype: 'int32' }))),
    ],
  }),
];

// ---------------------------------------------------------------------------------------------------
// matmul.

const matmuls: OpEntry[] = [
  entry('matmul', {
    run: ([a, b]) => matmul(a!, b!), broadcasts: true,
    cases: [
      c('matmul/vector-vector', [f(4), f(4)]),
      c('matmul/matrix-vector', [f(3, 4), f(4)]),
      c('matmul/vector-matrix', [f(4), f(4, 5)]),
      c('matmul/matrix-matrix', [f(3, 4), f(4, 5)]),
      c('matmul/blocked', [f(6, 7), f(7, 5)]),
      c('matmul/empty-inner', [f(2, 0), f(0, 3)]),
      c('matmul/int32', [idx(5, 2, 3), idx(5, 3, 2)]),
      c('matmul/batched', [f(2, 3, 4), f(2, 4, 5)]),
      c('matmul/batch-matrix', [f(2, 3, 4), f(4, 2)]),
      c('matmul/broadcast-batch', [f(2, 1, 3, 4), f(3, 4, 2)]),
      c('matmul/vector-batched', [f(4), f(2, 4, 3)]),
    ],
    errors: [
      e('matmul/inner-dims', [f(2, 3), f(4, 5)], {}, ShapeError, /^matmul: inner dimensions differ: a has shape \[2, 3\], b has shape \[4, 5\] \(3 ≠ 4\)/),
      e('matmul/0d', [f(), f(3)], {}, ShapeError, /^matmul: both arguments need at least 1 dimension, got shapes \[\] and \[3\]/),
      e('matmul/batch-broadcast', [f(2, 3, 4), f(3, 4, 5)], {}, ShapeError, /^matmul: shapes \[2\] and \[3\] cannot be broadcast/),
    ],
  }),
];

// ---------------------------------------------------------------------------------------------------
// Movement.

const movement: OpEntry[] = [
  entry('reshape', {
    run: ([x], { shape }) => reshape(x!, shape!),
    cases: [
      c('reshape', [f(2, 3, 4)], { shape: [4, -1] }),
      c('reshape/to-0d', [f(1, 1)], { shape: [] }),
      c('reshape/from-0d', [f()], { shape: [1, 1] }),
    ],
    errors: [
      e('reshape/bad-size', [f(2, 3)], { shape: [4, -1] }, ShapeError, /^reshape: shape \[4, -1\] is invalid for input of size 6/),
      e('reshape/two-minus-ones', [f(2, 3)], { shape: [-1, -1] }, ShapeError, /^reshape: only one dimension can be -1, got \[-1, -1\]/),
    ],
  }),
  entry('view', {
    run: ([x], { shape }) => view(x!, shape!), viewOnly: true,
    cases: [c('view', [f(2, 3, 4)], { shape: [6, 4] }), c('view/split-dim', [f(6, 2)], { shape: [2, 3, 2] })],
    errors: [
      e('view/non-viewable', [f(2, 3)], { shape: [6] }, ShapeError, /^view: a tensor of shape \[3, 2\] with strides \[1, 3\] cannot be viewed as \[6\]; use reshape\(\)/,
        ([x], { shape }) => view(transpose(x!, 0, 1), shape!)),
    ],
  }),
  entry('permute', {
    run: ([x], { dims }) => permute(x!, dims!),
    cases: [c('permute', [f(2, 3, 4)], { dims: [2, 0, 1] }), c('permute/neg', [f(2, 3, 4)], { dims: [-1, 1, 0] })],
    errors: [
      e('permute/wrong-count', [f(2, 3, 4)], { dims: [1, 0] }, ShapeError, /^permute: got 2 dims \[1, 0\] for a tensor of 3 dimensions \(shape \[2, 3, 4\]\)/),
      e('permute/repeated', [f(2, 3)], { dims: [1, 1] }, RangeError, /^permute: dims \[1, 1\] repeat a dimension/),
    ],
  }),
  entry('transpose', {
    run: ([x], { dim0, dim1 }) => transpose(x!, dim0!, dim1!),
    cases: [c('transpose', [f(2, 3, 4)], { dim0: 0, dim1: 2 }), c('transpose/neg', [f(2, 3, 4)], { dim0: -1, dim1: -2 })],
    errors: [e('transpose/dim-out-of-range', [f(2, 3)], { dim0: 0, dim1: 2 }, RangeError, /^transpose: dim 2 is out of range for a tensor of 2 dimensions/)],
  }),
  entry('t', {
    run: unary(t),
    cases: [c('t', [f(3, 4)]), c('t/vector', [f(4)])],
    errors: [e('t/3d', [f(2, 3, 4)], {}, ShapeError, /^t: expects a tensor with at most 2 dimensions, got shape \[2, 3, 4\]/)],
  }),
  entry('expand', {
    run: ([x], { shape }) => expand(x!, shape!),
    cases: [
      c('expand', [f(3, 1)], { shape: [2, 3, 4] }),
      c('expand/minus-one', [f(1, 4)], { shape: [3, -1] }),
      c('expand/0d', [f()], { shape: [2, 3] }),
    ],
    errors: [
      e('expand/incompatible', [f(2, 3)], { shape: [2, 4] }, ShapeError, /^expand: cannot expand shape \[2, 3\] to \[2, 4\] \(dimension -1: 3 is not 1 and differs from 4\)/),
      e('expand/fewer-dims', [f(2, 3)], { shape: [3] }, ShapeError, /^expand: cannot expand shape \[2, 3\] to \[3\]: the target has fewer dimensions/),
      // PyTorch: "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0".
      e('expand/leading-minus-one', [f(3)], { shape: [-1, 3] }, ShapeError,
        /^expand: the expanded size of the tensor \(-1\) isn't allowed in a leading, non-existing dimension 0 \(expanding shape \[3\] to \[-1, 3\]\)/),
      e('expand/negative-size', [f(1)], { shape: [-2] }, ShapeError, /^expand: sizes must be non-negative integers or -1 \(keep the size\), got -2 at dimension 0 of \[-2\]/),
      e('expand/fractional-size', [f(2, 1)], { shape: [2, 2.5] }, ShapeError, /^expand: sizes must be non-negative integers or -1 \(keep the size\), got 2\.5 at dimension 1/),
    ],
  }),
  entry('squeeze', {
    run: ([x], { dim }) => squeeze(x!, dim),
    cases: [c('squeeze', [f(2, 1, 3, 1)]), c('squeeze/dim', [f(2, 1, 3, 1)], { dim: 1 }), c('squeeze/dims', [f(1, 2, 1, 3)], { dim: [0, 2] })],
    errors: [e('squeeze/dim-out-of-range', [f(2, 1)], { dim: 2 }, RangeError, /^squeeze: dim 2 is out of range for a tensor of 2 dimensions/)],
  }),
  entry('unsqueeze', {
    run: ([x], { dim }) => unsqueeze(x!, dim as number),
    cases: [
      c('unsqueeze', [f(2, 3)], { dim: 1 }),
      c('unsqueeze/last', [f(2, 3)], { dim: -1 }),
      c('unsqueeze/first', [f(2, 3)], { dim: 0 }),
      c('unsqueeze/0d', [f()], { dim: 0 }),
    ],
    errors: [e('unsqueeze/dim-out-of-range', [f(2, 3)], { dim: 3 }, RangeError, /^unsqueeze: dim 3 is out of range for inserting a dimension into a tensor of 2 dimensions \(expected an integer in \[-3, 2\]\)/)],
  }),
  entry('narrow', {
    run: ([x], { dim, start, length }) => narrow(x!, dim as number, start!, length!),
    cases: [c('narrow', [f(4, 5)], { dim: 1, start: 1, length: 3 }), c('narrow/dim0', [f(4, 5)], { dim: 0, start: 2, length: 2 })],
    errors: [e('narrow/outside', [f(4, 5)], { dim: 1, start: 3, length: 3 }, RangeError, /^narrow: start 3 and length 3 fall outside dimension 1 of size 5 \(shape \[4, 5\]\)/)],
  }),
  entry('slice', {
    run: ([x], { dim, start, end, step }) => slice(x!, dim as number, start, end, step),
    cases: [
      c('slice', [f(5, 6)], { dim: 1, start: 1, end: 5 }),
      c('slice/step', [f(5, 6)], { dim: 1, start: 1, end: 6, step: 2 }),
      c('slice/negative', [f(5, 6)], { dim: 0, start: -4, end: -1 }),
      c('slice/step3', [f(7, 3)], { dim: 0, start: 0, end: 7, step: 3 }),
    ],
    errors: [e('slice/zero-step', [f(5)], { dim: 0, start: 0, end: 5, step: 0 }, RangeError, /^slice: step must be a positive integer, got 0/)],
  }),
  entry('flatten', {
    run: ([x], { startDim, endDim }) => flatten(x!, startDim, endDim),
    cases: [
      c('flatten', [f(2, 3, 4)]),
      c('flatten/start1', [f(2, 3, 4)], { startDim: 1 }),
      c('flatten/middle', [f(2, 3, 4, 2)], { startDim: 1, endDim: 2 }),
    ],
    errors: [e('flatten/start-after-end', [f(2, 3, 4)], { startDim: 2, endDim: 1 }, RangeError, /^flatten: startDim 2 comes after endDim 1/)],
  }),
  entry('contiguous', { run: unary(contiguous), cases: [c('contiguous', [f(3, 4)])], errors: [notATensor('contiguous', contiguous)] }),
  entry('clone', { run: unary(clone), cases: [c('clone', [f(3, 4)])], errors: [notATensor('clone', clone)] }),
];

// ---------------------------------------------------------------------------------------------------
// Indexing and joining.

const indexing: OpEntry[] = [
  entry('indexSelect', {
    run: ([x, i], { dim }) => indexSelect(x!, dim as number, i!),
    cases: [c('indexSelect', [f(4, 3), idx(4, 5)], { dim: 0 }), c('indexSelect/dim1', [f(2, 5), idx(5, 3)], { dim: 1 })],
    errors: [
      e('indexSelect/float-index', [f(4, 3), f(2)], { dim: 0 }, DTypeError, /^indexSelect: index must be an int32 tensor, got float32/),
      e('indexSelect/out-of-range', [f(4, 3)], { dim: 0 }, RangeError, /^indexSelect: index \d+ \(element \d+ of the index\) is out of range for dimension 0 of size 4/,
        ([x]) => indexSelect(x!, 0, tensor([0, 4], { dtype: 'int32' }))),
      e('indexSelect/2d-index', [f(4, 3), idx(4, 2, 2)], { dim: 0 }, ShapeError, /^indexSelect: index must be 1-d, got shape \[2, 2\]/),
    ],
  }),
  entry('gather', {
    run: ([x, i], { dim }) => gather(x!, dim as number, i!),
    cases: [c('gather', [f(3, 4), idx(4, 3, 2)], { dim: 1 }), c('gather/dim0', [f(3, 4), idx(3, 2, 4)], { dim: 0 })],
    errors: [
      e('gather/rank', [f(3, 4), idx(4, 3)], { dim: 1 }, ShapeError, /^gather: index has 1 dimensions \(shape \[3\]\) but input has 2 \(shape \[3, 4\]\)/),
      e('gather/out-of-range', [f(3, 4)], { dim: 1 }, RangeError, /^gather: index 7 \(element 0 of the index\) is out of range for dimension 1 of size 4/,
        ([x]) => gather(x!, 1, full([3, 2], 7, { dtype: 'int32' }))),
      e('gather/float-index', [f(3, 4), f(3, 2)], { dim: 1 }, DTypeError, /^gather: index must be an int32 tensor, got float32/),
    ],
  }),
  entry('scatterAdd', {
    run: ([x, i, s], { dim }) => scatterAdd(x!, dim as number, i!, s!),
    cases: [c('scatterAdd', [f(3, 4), idx(4, 3, 2), f(3, 2)], { dim: 1 }), c('scatterAdd/dim0', [f(3, 4), idx(3, 2, 4), f(2, 4)], { dim: 0 })],
    errors: [e('scatterAdd/out-of-range', [f(3, 4), f(3, 2)], { dim: 1 }, RangeError, /^scatterAdd: index -1 \(element 0 of the index\) is out of range for dimension 1 of size 4/,
      ([x, s]) => scatterAdd(x!, 1, full([3, 2], -1, { dtype: 'int32' }), s!))],
  }),
  entry('cat', {
    run: (xs, { dim }) => cat(xs, dim as number),
    cases: [
      c('cat', [f(2, 3), f(2, 2)], { dim: 1 }),
      c('cat/three', [f(1, 3), f(2, 3), f(3, 3)], { dim: 0 }),
      c('cat/empty-piece', [f(2, 0), f(2, 3)], { dim: 1 }),
      c('cat/int-float', [idx(5, 1, 3), f(2, 3)], { dim: 0 }),
      c('cat/mixed-dtypes', [fixed('float32', f(2, 3)), fixed('float64', f(1, 3))], { dim: 0 }, { gradcheck: F32_GRADCHECK }),
    ],
    errors: [
      e('cat/mismatch', [f(2, 3), f(3, 2)], { dim: 0 }, ShapeError, /^cat: tensors\[1\] has shape \[3, 2\], which does not match tensors\[0\]'s \[2, 3\] outside dimension 0/),
      e('cat/empty', [], { dim: 0 }, RangeError, /^cat: expected a non-empty list of tensors/),
      e('cat/0d', [f(), f()], { dim: 0 }, ShapeError, /^cat: zero-dimensional tensors cannot be concatenated; use stack/),
    ],
  }),
  entry('stack', {
    run: (xs, { dim }) => stack(xs, dim as number),
    cases: [c('stack', [f(2, 3), f(2, 3), f(2, 3)], { dim: 1 }), c('stack/last', [f(2, 3), f(2, 3)], { dim: -1 })],
    errors: [
      e('stack/dim-out-of-range', [f(2, 3), f(2, 3)], { dim: -4 }, RangeError, /^stack: dim -4 is out of range for inserting a dimension into a tensor of 2 dimensions \(expected an integer in \[-3, 2\]\)/),
      e('stack/mismatch', [f(2, 3), f(3, 2)], { dim: 0 }, ShapeError, /^stack: every tensor must have the same shape, but tensors\[0\] is \[2, 3\] and tensors\[1\] is \[3, 2\]/),
    ],
  }),
  entry('split', {
    run: ([x], { size, dim }) => split(x!, size!, dim as number),
    cases: [c('split', [f(5, 3)], { size: 2, dim: 0 }), c('split/sections', [f(4, 5)], { size: [2, 3], dim: 1 })],
    errors: [e('split/bad-sections', [f(4, 5)], { size: [2, 2], dim: 1 }, RangeError, /^split: sizes \[2, 2\] must be non-negative integers summing to 5 \(dimension 1 of shape \[4, 5\]\)/)],
  }),
  entry('chunk', {
    run: ([x], { chunks, dim }) => chunk(x!, chunks!, dim as number),
    cases: [c('chunk', [f(5, 4)], { chunks: 3, dim: 0 }), c('chunk/dim1', [f(2, 6)], { chunks: 2, dim: 1 })],
    errors: [e('chunk/zero', [f(5, 4)], { chunks: 0, dim: 0 }, RangeError, /^chunk: chunks must be a positive integer, got 0/)],
  }),
  entry('pad', {
    run: ([x], { padding, value }) => pad(x!, padding as number[], value),
    cases: [
      c('pad', [f(2, 3, 4)], { padding: [1, 2] }),
      c('pad/two-dims-value', [f(2, 3, 4)], { padding: [1, 1, 2, 0], value: 0.5 }),
      c('pad/crop', [f(3, 4)], { padding: [-1, 1] }),
    ],
    errors: [e('pad/odd', [f(2, 3)], { padding: [1, 2, 3] }, RangeError, /^pad: padding must be an even number \(at most 4\) of integers, got \[1, 2, 3\]/)],
  }),
  entry('oneHot', {
    run: ([i], { numClasses }) => oneHot(i!, numClasses), differentiable: false,
    cases: [
      c('oneHot', [idx(5, 4)], { numClasses: 5 }),
      c('oneHot/2d', [idx(3, 2, 3)], { numClasses: 4 }),
      c('oneHot/infer', [idx(5, 6)], { numClasses: -1 }),
    ],
    errors: [
      e('oneHot/float', [f(4)], { numClasses: 5 }, DTypeError, /^oneHot: indices must be an int32 tensor, got float32/),
      e('oneHot/too-few-classes', [], { numClasses: 2 }, RangeError, /^oneHot: index 4 \(element 0 of the index\) is out of range/,
        (_x, { numClasses }) => oneHot(tensor([4, 0], { dtype: 'int32' }), numClasses)),
    ],
  }),
];

// ---------------------------------------------------------------------------------------------------
// Convolution and pooling.

const nn: OpEntry[] = [
  entry('conv2d', {
    run: ([x, w, b], { stride, padding, dilation, groups }) =>
      conv2d(x!, w!, b ?? null, {
        stride: pair(stride),
        padding: padding === 'same' || padding === 'valid' ? padding : pair(padding as number | number[] | undefined),
        dilation: pair(dilation),
        groups,
      }),
    cases: [
      c('conv2d', [f(2, 3, 5, 5), f(4, 3, 3, 3)]),
      c('conv2d/bias-stride-padding', [f(2, 3, 5, 5), f(4, 3, 3, 3), f(4)], { stride: 2, padding: 1 }),
      c('conv2d/same', [f(1, 2, 5, 5), f(3, 2, 3, 3), f(3)], { padding: 'same' }),
      c('conv2d/same-even-kernel', [f(1, 2, 5, 5), f(3, 2, 2, 4)], { padding: 'same' }),
      c('conv2d/dilation', [f(1, 2, 7, 7), f(3, 2, 3, 3)], { dilation: 2, padding: 1 }),
      c('conv2d/groups', [f(2, 4, 5, 5), f(6, 2, 3, 3), f(6)], { groups: 2 }),
      c('conv2d/rectangular', [f(1, 2, 6, 5), f(3, 2, 2, 3)], { stride: [2, 1], padding: [1, 0] }),
    ],
    errors: [
      e('conv2d/channels', [f(1, 3, 5, 5), f(4, 2, 3, 3)], {}, ShapeError, /^conv2d: the input has 3 channels \(shape \[1, 3, 5, 5\]\) but the weight of shape \[4, 2, 3, 3\] with groups=1 expects 2/),
      e('conv2d/3d-input', [f(3, 5, 5), f(4, 3, 3, 3)], {}, ShapeError, /^conv2d: expected a 4-d input \[N, C, H, W\], got shape \[3, 5, 5\]/),
      e('conv2d/too-small', [f(1, 1, 2, 2), f(1, 1, 3, 3)], {}, ShapeError, /^conv2d: the input of shape \[1, 1, 2, 2\] is too small for a 3×3 kernel/),
      e('conv2d/same-strided', [f(1, 1, 5, 5), f(1, 1, 3, 3)], { padding: 'same', stride: 2 }, RangeError, /^conv2d: padding='same' needs stride 1, got stride \[2, 2\]/),
      e('conv2d/groups', [f(1, 4, 5, 5), f(3, 2, 3, 3)], { groups: 2 }, ShapeError, /^conv2d: out channels 3 are not divisible by groups=2/),
      e('conv2d/bias', [f(1, 1, 5, 5), f(2, 1, 3, 3), f(3)], {}, ShapeError, /^conv2d: bias must have shape \[2\], got \[3\]/),
      e('conv2d/unknown-option', [f(1, 1, 5, 5), f(2, 1, 3, 3)], {}, TypeError,
        /^conv2d: unknown option "strides" \(did you mean stride\?\); the options are stride, padding, dilation, groups/,
        ([x, w]) => conv2d(x!, w!, null, { strides: 2 } as never)),
      e('conv2d/padding-string', [f(1, 1, 5, 5), f(2, 1, 3, 3)], {}, RangeError, /^conv2d: padding must be a number, a pair, 'same' or 'valid', got a string \("full"\)/,
        ([x, w]) => conv2d(x!, w!, null, { padding: 'full' as never })),
      e('conv2d/stride-triple', [f(1, 1, 5, 5), f(2, 1, 3, 3)], {}, TypeError, /^conv2d: stride must be a number or a pair of numbers, got \[1,2,3\]/,
        ([x, w]) => conv2d(x!, w!, null, { stride: [1, 2, 3] as never })),
    ],
  }),
  entry('maxPool2d', {
    run: ([x], { kernelSize, stride, padding, dilation, ceilMode }) =>
      maxPool2d(x!, pair(kernelSize)!, { stride: pair(stride), padding: pair(padding as number | number[] | undefined), dilation: pair(dilation), ceilMode }),
    kinks: 'ties within a window',
    cases: [
      c('maxPool2d', [f(2, 2, 4, 4)], { kernelSize: 2 }, { distinct: true }),
      c('maxPool2d/stride-padding', [f(1, 2, 5, 5)], { kernelSize: 3, stride: 2, padding: 1 }, { distinct: true }),
      c('maxPool2d/dilation', [f(1, 1, 5, 5)], { kernelSize: 2, stride: 1, dilation: 2 }, { distinct: true }),
      c('maxPool2d/rectangular', [f(1, 2, 4, 6)], { kernelSize: [2, 3], stride: [1, 2] }, { distinct: true }),
      c('maxPool2d/ties', [ints(1, 2, 4, 4)], { kernelSize: 2 }, { onKink: true }),
      // ceil mode: 5×5 by 2×2 windows gives 3×3, the last row and column of windows partial
      c('maxPool2d/ceil', [f(1, 2, 5, 5)], { kernelSize: 2, ceilMode: true }, { distinct: true }),
      c('maxPool2d/ceil-stride-padding', [f(1, 1, 6, 7)], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }, { distinct: true }),
      // (4 − 1)·2 ≥ 5 + 1: the fourth window would start in the right padding, so it is dropped (3×3, as floor mode)
      c('maxPool2d/ceil-last-window-dropped', [f(1, 1, 5, 5)], { kernelSize: 2, stride: 2, padding: 1, ceilMode: true }, { distinct: true }),
      // 324 outputs: the wasm backend runs its own kernel
      c('maxPool2d/ceil-wasm-sized', [within(-3, 3, 1, 4, 17, 17)], { kernelSize: 3, stride: 2, ceilMode: true }, { distinct: true }),
      c('maxPool2d/ceil-dilation', [f(1, 1, 8, 6)], { kernelSize: 2, stride: 3, dilation: 2, padding: 1, ceilMode: true }, { distinct: true }),
    ],
    errors: [
      e('maxPool2d/padding', [f(1, 1, 4, 4)], { kernelSize: 2, padding: 2 }, RangeError, /^maxPool2d: padding \[2, 2\] must be at most half the kernel size \[2, 2\]/),
      e('maxPool2d/3d', [f(1, 4, 4)], { kernelSize: 2 }, ShapeError, /^maxPool2d: expected a 4-d input \[N, C, H, W\], got shape \[1, 4, 4\]/),
      e('maxPool2d/avg-option', [f(1, 1, 4, 4)], { kernelSize: 2 }, TypeError,
        /^maxPool2d: unknown option "countIncludePad"; the options are stride, padding, dilation, ceilMode/,
        ([x]) => maxPool2d(x!, 2, { countIncludePad: false } as never)),
      e('maxPool2d/ceil-mode-type', [f(1, 1, 4, 4)], { kernelSize: 2 }, TypeError, /^maxPool2d: ceilMode must be a boolean, got 1/,
        ([x]) => maxPool2d(x!, 2, { ceilMode: 1 as never })),
    ],
  }),
  entry('avgPool2d', {
    run: ([x], { kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride }) =>
      avgPool2d(x!, pair(kernelSize)!, { stride: pair(stride), padding: pair(padding as number | number[] | undefined), ceilMode, countIncludePad, divisorOverride }),
    cases: [
      c('avgPool2d', [f(2, 2, 4, 4)], { kernelSize: 2 }),
      c('avgPool2d/stride-padding', [f(1, 2, 5, 5)], { kernelSize: 3, stride: 2, padding: 1 }),
      c('avgPool2d/rectangular', [f(1, 1, 5, 6)], { kernelSize: [3, 2], stride: [2, 2], padding: [1, 0] }),
      // Border windows divide by the input elements they cover only (4 or 6 instead of 9).
      c('avgPool2d/exclude-pad', [f(1, 2, 5, 5)], { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
      c('avgPool2d/ceil', [f(1, 2, 5, 5)], { kernelSize: 2, ceilMode: true }),
      // Partial last windows divide by their part inside the padded input (include) or the input (exclude).
      c('avgPool2d/ceil-padding', [f(1, 1, 6, 7)], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
      c('avgPool2d/ceil-exclude-pad', [f(1, 1, 6, 7)], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
      c('avgPool2d/divisor-override', [f(1, 2, 5, 5)], { kernelSize: 3, stride: 2, padding: 1, divisorOverride: 4 }),
      c('avgPool2d/divisor-override-ceil', [f(1, 1, 5, 5)], { kernelSize: 2, ceilMode: true, divisorOverride: 3 }),
    ],
    errors: [
      e('avgPool2d/kernel', [f(1, 1, 4, 4)], { kernelSize: 0 }, RangeError, /^avgPool2d: kernelSize must be positive integers, got 0/),
      e('avgPool2d/snake-case-option', [f(1, 1, 4, 4)], { kernelSize: 2 }, TypeError,
        /^avgPool2d: unknown option "count_include_pad" \(did you mean countIncludePad\?\); the options are stride, padding, ceilMode, countIncludePad, divisorOverride/,
        ([x]) => avgPool2d(x!, 2, { count_include_pad: false } as never)),
      e('avgPool2d/dilation', [f(1, 1, 4, 4)], { kernelSize: 2 }, TypeError, /^avgPool2d: unknown option "dilation"/,
        ([x]) => avgPool2d(x!, 2, { dilation: 2 } as never)),
      e('avgPool2d/zero-divisor', [f(1, 1, 4, 4)], { kernelSize: 2, divisorOverride: 0 }, RangeError, /^avgPool2d: divisorOverride must be a nonzero integer, got 0/),
      e('avgPool2d/fractional-divisor', [f(1, 1, 4, 4)], { kernelSize: 2, divisorOverride: 2.5 }, RangeError, /^avgPool2d: divisorOverride must be a nonzero integer, got 2\.5/),
      e('avgPool2d/count-include-pad-type', [f(1, 1, 4, 4)], { kernelSize: 2 }, TypeError, /^avgPool2d: countIncludePad must be a boolean, got a string \("no"\)/,
        ([x]) => avgPool2d(x!, 2, { countIncludePad: 'no' as never })),
    ],
  }),
];

// ---------------------------------------------------------------------------------------------------
// Sequence-model helpers: triangles, masked fills, batched products, top-k, sampling.

const triangleEntry = (op: 'tril' | 'triu', fn: typeof tril): OpEntry => entry(op, {
  run: ([x], { diagonal }) => fn(x!, diagonal),
  cases: [
    c(op, [f(3, 4)]),
    c(`${op}/diagonal1`, [f(2, 3, 4)], { diagonal: 1 }),
    c(`${op}/diagonal-neg`, [f(4, 3)], { diagonal: -1 }),
    c(`${op}/past-the-corner`, [f(2, 3)], { diagonal: op === 'tril' ? -3 : 4 }),
    c(`${op}/int32`, [idx(5, 3, 3)], { diagonal: 0 }),
  ],
  errors: [
    e(`${op}/1d`, [f(3)], {}, ShapeError, new RegExp(`^${op}: input must have at least 2 dimensions, got shape \\[3\\]`)),
    e(`${op}/fractional-diagonal`, [f(2, 2)], { diagonal: 0.5 }, RangeError, new RegExp(`^${op}: diagonal must be an integer, got 0\\.5`)),
    notATensor(op, (x) => fn(x)),
  ],
});

const sequence: OpEntry[] = [
  triangleEntry('tril', tril),
  triangleEntry('triu', triu),
  entry('maskedFill', {
    run: ([x, mask, v], { value }) => maskedFill(x!, mask!, v ?? value!),
    broadcasts: true,
    cases: [
      c('maskedFill', [f(3, 4), bool(3, 4)], { value: -1.5 }),
      c('maskedFill/broadcast-mask', [f(2, 3, 4), bool(3, 1)], { value: 0 }),
      c('maskedFill/broadcast-input', [f(4), bool(3, 4)], { value: 2 }),
      c('maskedFill/tensor-value', [f(3, 4), bool(3, 4), f()]),
      c('maskedFill/int32', [idx(5, 3, 4), bool(3, 4)], { value: 7 }),
    ],
    errors: [
      e('maskedFill/float-mask', [f(3), fixed('float32', f(3))], { value: 0 }, DTypeError, /^maskedFill: mask must be a bool tensor, got a float32 tensor of shape \[3\]/),
      e('maskedFill/bad-broadcast', [f(2, 3), bool(4)], { value: 0 }, ShapeError, /^maskedFill: shapes \[2, 3\] and \[4\] cannot be broadcast \(dimension -1: 3 vs 4\)/),
      e('maskedFill/value-shape', [f(2, 3), bool(2, 3), f(2)], {}, ShapeError, /^maskedFill: value must be a number or a 0-d tensor, got a tensor of shape \[2\]/),
      e('maskedFill/value-type', [f(2, 3), bool(2, 3)], {}, TypeError, /^maskedFill: value must be a number, a boolean or a 0-d tensor, got a string \("x"\)/,
        ([x, m]) => maskedFill(x!, m!, 'x' as never)),
      e('maskedFill/int-overflow', [idx(5, 2, 3), bool(2, 3)], { value: 3e9 }, RangeError, /^maskedFill: value 3000000000 is outside the int32 range/),
      notATensor('maskedFill', (x) => maskedFill(x, x, 0)),
    ],
  }),
  entry('bmm', {
    run: ([a, b]) => bmm(a!, b!),
    cases: [
      c('bmm', [f(2, 3, 4), f(2, 4, 5)]),
      c('bmm/wasm-sized', [f(2, 12, 8), f(2, 8, 22)]),
      c('bmm/one-batch', [f(1, 4, 3), f(1, 3, 2)]),
      c('bmm/int32', [idx(5, 2, 2, 3), idx(5, 2, 3, 2)]),
    ],
    errors: [
      e('bmm/2d', [f(3, 4), f(2, 4, 5)], {}, ShapeError, /^bmm: batch1 must be a 3-d tensor, got shape \[3, 4\]/),
      e('bmm/batch-mismatch', [f(2, 3, 4), f(3, 4, 5)], {}, ShapeError, /^bmm: batch2 must have shape \[2, 4, n\] to multiply batch1 of shape \[2, 3, 4\], got \[3, 4, 5\]/),
      e('bmm/inner-mismatch', [f(2, 3, 4), f(2, 5, 5)], {}, ShapeError, /^bmm: batch2 must have shape \[2, 4, n\]/),
      e('bmm/dtypes', [fixed('float32', f(2, 3, 4)), fixed('float64', f(2, 4, 5))], {}, DTypeError, /^bmm: batch1 and batch2 must have the same dtype .*got float32 and float64/),
      e('bmm/not-a-tensor', [f(2, 3, 4)], {}, TypeError, /^bmm: argument 'batch2' must be a Tensor, got 1$/, ([a]) => bmm(a!, 1 as never)),
    ],
  }),
  entry('baddbmm', {
    run: ([x, b1, b2], { alpha, beta }) => baddbmm(x!, b1!, b2!, { alpha, beta }),
    broadcasts: true,
    cases: [
      c('baddbmm', [f(2, 3, 5), f(2, 3, 4), f(2, 4, 5)]),
      c('baddbmm/broadcast-alpha-beta', [f(1, 5), f(2, 3, 4), f(2, 4, 5)], { beta: 0.5, alpha: -2 }),
    ],
    errors: [
      e('baddbmm/input-shape', [f(2, 3, 4), f(2, 3, 4), f(2, 4, 5)], {}, ShapeError, /^baddbmm: cannot expand shape \[2, 3, 4\] to \[2, 3, 5\]/),
      e('baddbmm/dtypes', [fixed('float64', f(3, 5)), fixed('float32', f(2, 3, 4)), fixed('float32', f(2, 4, 5))], {}, DTypeError,
        /^baddbmm: input and the batches must have the same dtype .*got float64 and float32/),
      e('baddbmm/unknown-option', [f(2, 3, 5), f(2, 3, 4), f(2, 4, 5)], {}, TypeError, /^baddbmm: unknown option "gamma"; the options are beta, alpha/,
        ([x, b1, b2]) => baddbmm(x!, b1!, b2!, { gamma: 1 } as never)),
      e('baddbmm/alpha-type', [f(2, 3, 5), f(2, 3, 4), f(2, 4, 5)], {}, TypeError, /^baddbmm: alpha must be a number, got a string \("2"\)/,
        ([x, b1, b2]) => baddbmm(x!, b1!, b2!, { alpha: '2' as never })),
    ],
  }),
  entry('addmm', {
    run: ([x, m1, m2], { alpha, beta }) => addmm(x!, m1!, m2!, { alpha, beta }),
    broadcasts: true,
    cases: [
      c('addmm', [f(3, 5), f(3, 4), f(4, 5)]),
      c('addmm/bias-row', [f(5), f(3, 4), f(4, 5)]),
      c('addmm/wasm-sized', [f(22), f(24, 16), f(16, 22)]),
      c('addmm/alpha-beta', [f(1, 5), f(3, 4), f(4, 5)], { beta: 0.5, alpha: -2 }),
      c('addmm/int32', [idx(5, 2, 3), idx(5, 2, 4), idx(5, 4, 3)]),
    ],
    errors: [
      e('addmm/mat1-1d', [f(5), f(4), f(4, 5)], {}, ShapeError, /^addmm: mat1 must be a 2-d tensor, got shape \[4\]/),
      e('addmm/inner-mismatch', [f(5), f(3, 4), f(3, 5)], {}, ShapeError, /^addmm: mat1 and mat2 shapes cannot be multiplied \(\[3, 4\] and \[3, 5\]\)/),
      e('addmm/input-shape', [f(3, 4), f(3, 4), f(4, 5)], {}, ShapeError, /^addmm: cannot expand shape \[3, 4\] to \[3, 5\]/),
      e('addmm/dtypes', [fixed('float64', f(5)), fixed('float32', f(3, 4)), fixed('float32', f(4, 5))], {}, DTypeError,
        /^addmm: input, mat1 and mat2 must have the same dtype .*got float64, float32 and float32/),
      e('addmm/unknown-option', [f(5), f(3, 4), f(4, 5)], {}, TypeError, /^addmm: unknown option "gamma"; the options are beta, alpha/,
        ([x, m1, m2]) => addmm(x!, m1!, m2!, { gamma: 1 } as never)),
    ],
  }),
  entry('topk', {
    run: ([x], { k, dim, largest, sorted }) => { const r = topk(x!, k!, { dim: dim as number | undefined, largest, sorted }); return [r.values, r.indices]; },
    kinks: 'ties (the gradient goes to the selected element)',
    cases: [
      c('topk', [f(3, 6)], { k: 2 }, { distinct: true }),
      c('topk/dim0-smallest', [f(5, 3)], { k: 3, dim: 0, largest: false }, { distinct: true }),
      c('topk/middle-dim', [f(2, 4, 3)], { k: 4, dim: 1 }, { distinct: true }),
      c('topk/k0', [f(2, 3)], { k: 0 }),
      c('topk/1d', [f(7)], { k: 3, sorted: true }, { distinct: true }),
    ],
    errors: [
      e('topk/k-too-large', [f(3)], { k: 4 }, RangeError, /^topk: k must be an integer in \[0, 3\] \(the size of dimension 0 of the input of shape \[3\]\), got 4/),
      e('topk/negative-k', [f(2, 3)], { k: -1 }, RangeError, /^topk: k must be an integer in \[0, 3\]/),
      e('topk/dim', [f(2, 3)], { k: 1, dim: 2 }, RangeError, /^topk: dim 2 is out of range for a tensor of 2 dimensions/),
      e('topk/bool', [bool(3)], { k: 1 }, DTypeError, /^topk: not defined for bool tensors/),
      e('topk/axis-option', [f(2, 3)], { k: 1 }, TypeError, /^topk: unknown option "axis" \(did you mean dim\?\)/, ([x]) => topk(x!, 1, { axis: 0 } as never).values),
    ],
  }),
  entry('multinomial', {
    run: ([p], { numSamples, replacement, numClasses }) =>
      multinomial(numClasses === undefined ? p! : cast(oneHot(p!, numClasses), 'float64'), numSamples!, { replacement, generator: new Generator(0) }),
    differentiable: false,
    // Random draws are checked statistically (src/ops/sampling.test.ts); against PyTorch only where the draw
    // is certain: one-hot weights (`numClasses` turns the int32 input into them).
    cases: [
      c('multinomial/one-hot-replacement', [idx(4, 3)], { numClasses: 4, numSamples: 5, replacement: true }),
      c('multinomial/one-hot-1d', [idx(5)], { numClasses: 5, numSamples: 1 }),
    ],
    errors: [
      e('multinomial/int-input', [idx(3, 4)], { numSamples: 1 }, DTypeError, /^multinomial: input must be a float tensor of weights, got int32/),
      e('multinomial/3d', [pos(2, 2, 2)], { numSamples: 1 }, ShapeError, /^multinomial: input must be 1-d or 2-d, got shape \[2, 2, 2\]/),
      e('multinomial/zero-samples', [pos(3)], { numSamples: 0 }, RangeError, /^multinomial: numSamples must be a positive integer, got 0/),
      e('multinomial/too-many', [pos(3)], { numSamples: 4 }, RangeError, /^multinomial: cannot draw 4 samples from 3 categories without replacement; pass \{ replacement: true \}/),
      e('multinomial/negative', [within(-2, -1, 2, 3)], { numSamples: 1 }, RangeError, /^multinomial: weights must be finite and non-negative, got -1\.\d+ at row 0, index 0/),
      e('multinomial/zero-sum', [within(0, 0, 3)], { numSamples: 1, replacement: true }, RangeError, /^multinomial: the weights sum to 0; at least one must be positive/),
      e('multinomial/no-categories', [pos(2, 0)], { numSamples: 1, replacement: true }, ShapeError, /^multinomial: input of shape \[2, 0\] has no categories/),
      e('multinomial/generator', [pos(3)], {}, TypeError, /^multinomial: generator must be a Generator, got 42/,
        ([p]) => multinomial(p!, 1, { generator: 42 as never })),
    ],
  }),
];

/** Every op in the registry. */
export const OPS: readonly OpEntry[] = [...elementwise, ...unaries, ...reductions, ...matmuls, ...movement, ...indexing, ...nn, ...sequence];

/** A case together with the entry it belongs to. */
export interface RegisteredCase extends OpCase {
  readonly entry: OpEntry;
}

/** Whether a case has gradients: its op is differentiable and it has a float input. */
export function hasGradients(cs: RegisteredCase): boolean {
  return cs.entry.differentiable && cs.inputs.some((s) => s.kind === 'float');
}

/** Every sample case, flattened. */
export const CASES: readonly RegisteredCase[] = OPS.flatMap((en) => en.cases.map((cs) => ({ ...cs, entry: en })));

/** Every error case, with its entry. */
export const ERROR_CASES: readonly (ErrorCase & { entry: OpEntry })[] = OPS.flatMap((en) => en.errors.map((er) => ({ ...er, entry: en })));

/** Runs a case and returns its outputs as a list. */
export function runCase(cs: RegisteredCase | (ErrorCase & { entry: OpEntry }), inputs: Tensor[]): Tensor[] {
  const run = ('run' in cs && cs.run) || cs.entry.run;
  const out = run(inputs, cs.attrs);
  return Array.isArray(out) ? out : [out];
}

// ---------------------------------------------------------------------------------------------------
// Seeded sampling.

/** FNV-1a: a stable seed per case name, so each case draws the same inputs in every run. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function sampleFloat(spec: InputSpec, g: Generator): number {
  for (;;) {
    let v: number;
    if (spec.magnitude) {
      const [lo, hi] = spec.magnitude;
      v = (lo + (hi - lo) * g.random()) * (g.random() < 0.5 ? -1 : 1);
    } else {
      const [lo, hi] = spec.range ?? [-1, 1];
      v = spec.integers ? lo + g.int(0, hi - lo + 1) : lo + (hi - lo) * g.random();
    }
    if (!spec.avoid?.some((a) => Math.abs(v - a) < 0.05)) return v;
  }
}

/**
 * The inputs of a case as tensors: float inputs in `dtype` (unless the spec fixes one), seeded from
 * the case name. With `distinct`, all float elements come from one shuffled grid over their range, so
 * no two are closer than about (hi − lo)/(2n).
 */
export function sampleInputs(cs: OpCase | ErrorCase, dtype: 'float32' | 'float64'): Tensor[] {
  const g = new Generator(seedOf(cs.name));
  const floats = cs.inputs.filter((s) => s.kind === 'float');
  let grid: number[] | null = null;
  if ('distinct' in cs && cs.distinct) {
    const n = floats.reduce((acc, s) => acc + s.shape.reduce((a, b) => a * b, 1), 0);
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = g.int(0, i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    grid = perm.map((p) => (p + 0.5 + 0.6 * (g.random() - 0.5)) / n);
  }
  let k = 0;
  return cs.inputs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      if (spec.kind === 'int32') values.push(g.int(0, spec.high ?? 2));
      else if (spec.kind === 'bool') values.push(g.random() < 0.5 ? 1 : 0);
      else if (grid) {
        const [lo, hi] = spec.range ?? [-1, 1];
        values.push(lo + (hi - lo) * grid[k++]!);
      } else values.push(sampleFloat(spec, g));
    }
    const dt: DType = spec.kind === 'float' ? (spec.dtype ?? dtype) : spec.kind;
    return tensor(values, { dtype: dt, shape: [...spec.shape] }) as Tensor;
  });
}
