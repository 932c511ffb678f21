// Runs an elementwise expression (expr.ts) as one JS loop. The expression is compiled once per kernel into
// a function (`new Function`), so V8 sees a plain loop over typed arrays, as a hand-written kernel would be:
// each array element is read once into a double, the statements run in doubles in the written order, and each
// written array is stored once (float32 is rounded once, on store). Where code generation is forbidden (a
// Content-Security-Policy without 'unsafe-eval'), a tree of closures runs the same arithmetic, slower.
import { exprText, type ElementwiseKernel, type ExprNode } from '../../expr.js';
import type { TypedArray } from '../../dtype.js';
import { allFinite } from './finite.js';

type Runner = (arrays: readonly TypedArray[], scalars: readonly number[], n: number) => void;

// One function per kernel and element type, so each loop's element accesses stay monomorphic.
const compiled = new WeakMap<ElementwiseKernel, Map<string, Runner>>();

const HELPERS = `
const max = (a, b) => (a > b || a !== a ? a : b);
const min = (a, b) => (a < b || a !== a ? a : b);
const sign = (v) => (v > 0 ? 1 : v < 0 ? -1 : v);
const sqrt = Math.sqrt, abs = Math.abs, exp = Math.exp, log = Math.log;`;

/** The loop's source: arrays `A0…`, scalars `s0…`; element values `a0…`, locals `l0…`. */
function source(k: ElementwiseKernel): string {
  const nArrays = k.write.length + k.read.length;
  const ids = (p: string, count: number) => Array.from({ length: count }, (_, i) => `${p}${i}`);
  const lines = [
    HELPERS,
    ...ids('A', nArrays).map((a, i) => `const ${a} = arrays[${i}];`),
    ...ids('s', k.scalars.length).map((s, i) => `const ${s} = scalars[${i}];`),
    'for (let i = 0; i < n; i++) {',
    `  let ${[...ids('a', nArrays).map((a, i) => `${a} = A${i}[i]`), ...ids('l', k.locals).map((l) => `${l} = 0`)].join(', ')};`,
    ...k.statements.map((s) => `  ${s.target.t === 'array' ? 'a' : 'l'}${s.target.index} = ${exprText(s.value)};`),
    ...ids('a', k.write.length).map((a, i) => `  A${i}[i] = ${a};`),
    '}',
  ];
  return lines.join('\n');
}

function interpret(k: ElementwiseKernel): Runner {
  type Env = { a: number[]; l: number[]; s: readonly number[] };
  const fns: Record<string, (...x: number[]) => number> = {
    sqrt: Math.sqrt, abs: Math.abs, exp: Math.exp, log: Math.log,
    sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
    max: (a, b) => (a > b || a !== a ? a : b),
    min: (a, b) => (a < b || a !== a ? a : b),
  };
  const build = (n: ExprNode): ((e: Env) => number) => {
    switch (n.t) {
      case 'num': { const v = n.value; return () => v; }
      case 'array': { const i = n.index; return (e) => e.a[i]!; }
      case 'scalar': { const i = n.index; return (e) => e.s[i]!; }
      case 'local': { const i = n.index; return (e) => e.l[i]!; }
      case 'neg': { const x = build(n.x); return (e) => -x(e); }
      case 'bin': {
        const a = build(n.a), b = build(n.b), op = n.op;
        if (op === '+') return (e) => a(e) + b(e);
        if (op === '-') return (e) => a(e) - b(e);
        if (op === '*') return (e) => a(e) * b(e);
        return (e) => a(e) / b(e);
      }
      case 'call': {
        const f = fns[n.fn]!, args = n.args.map(build);
        return args.length === 1 ? (e) => f(args[0]!(e)) : (e) => f(args[0]!(e), args[1]!(e));
      }
    }
  };
  const steps = k.statements.map((s) => ({ local: s.target.t === 'local', index: s.target.index, f: build(s.value) }));
  const nArrays = k.write.length + k.read.length, nWrite = k.write.length;
  return (arrays, scalars, n) => {
    const e: Env = { a: new Array<number>(nArrays).fill(0), l: new Array<number>(k.locals).fill(0), s: scalars };
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < nArrays; j++) e.a[j] = arrays[j]![i]!;
      for (const st of steps) (st.local ? e.l : e.a)[st.index] = st.f(e);
      for (let j = 0; j < nWrite; j++) arrays[j]![i] = e.a[j]!;
    }
  };
}

function runner(k: ElementwiseKernel, type: string): Runner {
  let byType = compiled.get(k);
  if (byType === undefined) compiled.set(k, (byType = new Map()));
  let r = byType.get(type);
  if (r === undefined) {
    try {
      r = new Function('arrays', 'scalars', 'n', source(k)) as Runner;
    } catch {
      r = interpret(k);
    }
    byType.set(type, r);
  }
  return r;
}

/**
 * The JS backend's `elementwise`: runs `kernel` over contiguous arrays of one length (written ones first,
 * then read ones, as the kernel lists them) with `scalars` in the kernel's order.
 */
export function elementwise(kernel: ElementwiseKernel, arrays: readonly TypedArray[], scalars: readonly number[]): void {
  runner(kernel, arrays[0]!.constructor.name)(arrays, scalars, arrays[0]!.length);
}

/** @internal The closure-tree evaluator, for tests (the path taken where `new Function` is refused). */
export function interpretElementwise(kernel: ElementwiseKernel, arrays: readonly TypedArray[], scalars: readonly number[]): void {
  interpret(kernel)(arrays, scalars, arrays[0]!.length);
}

/** The JS backend's `elementwise` with the NaN guard's check of the first written array. */
export function elementwiseChecked(kernel: ElementwiseKernel, arrays: readonly TypedArray[], scalars: readonly number[], checkFinite = false): boolean {
  elementwise(kernel, arrays, scalars);
  const out = arrays[0]!;
  return !checkFinite || allFinite({ storage: out, shape: [out.length], strides: [1], offset: 0 });
}
