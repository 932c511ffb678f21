// Elementwise expressions (defineElementwise, elementwise_): the expression against the same formula written
// with tensor ops, bit for bit in float64 and rounded once in float32, on every backend and layout; the
// closure evaluator (used where `new Function` is refused) against the compiled loop; the NaN guard's check;
// and the errors, which name what is wrong and change nothing.
import { describe, expect, it } from 'vitest';
import {
  AutogradError, DTypeError, Generator, ShapeError, Tensor, abs, defineElementwise, elementwise_, exp, getBackend, listBackends, log, maximum,
  minimum, noGrad, randn, sign, sqrt, tensor, zeros, zerosLike,
} from '../index.js';
import { interpretElementwise } from '../backend/js/expr.js';
import { snapshot, stridedCopy, useBackend } from '../../test/helpers.js';

/** Touches every construct: locals, reads after writes, unary minus, precedence, every function, literals. */
const KERNEL = defineElementwise({
  name: 'mix', write: ['p', 'm', 'v'], read: ['g'], scalars: ['b', 'lr', 'eps'],
  body: `
    gi = g + p * 0.5e-1
    m = m * b + gi * (1 - b)
    v = max(v, gi * gi)
    d = m / (sqrt(v) + eps) - -min(abs(gi), 2) * sign(m) + exp(-abs(gi)) * log(1 + v)
    p = p - lr * d`,
});

/** KERNEL as tensor ops, in the same order. */
function reference(p: Tensor, m: Tensor, v: Tensor, g: Tensor, b: number, lr: number, eps: number): void {
  noGrad(() => {
    const gi = g.add(p.mul(0.5e-1));
    m.copy_(m.mul(b).add(gi.mul(1 - b)));
    v.copy_(maximum(v, gi.mul(gi)));
    const d = m.div(sqrt(v).add(eps)).sub(minimum(abs(gi), tensor(2, { dtype: gi.dtype })).neg().mul(sign(m))).add(exp(abs(gi).neg()).mul(log(v.add(1))));
    p.copy_(p.sub(d.mul(lr)));
  });
}

function inputs(seed: number, shape: number[] = [3, 5], dtype: 'float64' | 'float32' = 'float64') {
  const gen = new Generator(seed);
  const r = () => randn(shape, { dtype, generator: gen });
  return { p: r(), m: r(), v: r().abs(), g: r() };
}
const S = { b: 0.9, lr: 0.01, eps: 1e-8 };

describe.each(listBackends())('backend %s: elementwise_', (backend) => {
  useBackend(backend);

  it('equals the same formula in tensor ops bit for bit in float64, over three steps', () => {
    const a = inputs(1, [40, 50]);
    const b = { p: a.p.clone(), m: a.m.clone(), v: a.v.clone() };
    for (let k = 0; k < 3; k++) {
      const g = randn(a.p.shape, { dtype: 'float64', generator: new Generator(10 + k) });
      noGrad(() => elementwise_(KERNEL, { p: a.p, m: a.m, v: a.v, g }, S));
      reference(b.p, b.m, b.v, g, S.b, S.lr, S.eps);
    }
    for (const k of ['p', 'm', 'v'] as const) expect(Array.from(a[k].data), k).toEqual(Array.from(b[k].data));
    expect(Array.from(a.p.data)).not.toEqual(Array.from(inputs(1, [40, 50]).p.data));
  });

  it('float32: computed in doubles and rounded once on store', () => {
    const f32 = inputs(2, [7, 9], 'float32');
    const ref = { p: f32.p.to('float64'), m: f32.m.to('float64'), v: f32.v.to('float64'), g: f32.g.to('float64') };
    noGrad(() => elementwise_(KERNEL, f32, S));
    noGrad(() => elementwise_(KERNEL, ref, S));
    expect(f32.p.dtype).toBe('float32');
    for (const k of ['p', 'm', 'v'] as const) expect(Array.from(f32[k].data), k).toEqual(Array.from(Float32Array.from(ref[k].data)));
  });

  it('non-contiguous and offset tensors give the contiguous result', () => {
    const a = inputs(3, [4, 3]);
    const b = { p: a.p.clone(), m: a.m.clone(), v: a.v.clone(), g: a.g.clone() };
    const t = { p: stridedCopy(a.p, 'transposed'), m: stridedCopy(a.m, 'gapped'), v: stridedCopy(a.v, 'transposed'), g: stridedCopy(a.g, 'gapped') };
    noGrad(() => elementwise_(KERNEL, t, S));
    noGrad(() => elementwise_(KERNEL, b, S));
    for (const k of ['p', 'm', 'v'] as const) expect(t[k].toArray(), k).toEqual(b[k].toArray());
  });

  it('with the NaN guard asked, the backend says whether the first written array is finite', () => {
    for (const n of [10, 5000]) {
      const arrays = [new Float32Array(n).fill(1), new Float32Array(n).fill(2)];
      const half = defineElementwise({ name: 'half', write: ['a', 'b'], body: 'a = a / b; b = b' });
      expect(getBackend().elementwise(half, arrays, [], true)).toBe(true);
      arrays[1]![n - 1] = 0;
      arrays[0]![n - 1] = 0;
      expect(getBackend().elementwise(half, arrays, [], true)).toBe(false); // 0 / 0
      expect(getBackend().elementwise(half, arrays, [], false)).toBe(true); // not asked: not checked
    }
  });
});

describe('elementwise_ layouts and evaluation', () => {
  it('the closure evaluator (no new Function) gives the compiled loop’s bits', () => {
    const a = inputs(4, [6, 7]), b = { p: a.p.clone(), m: a.m.clone(), v: a.v.clone() };
    noGrad(() => elementwise_(KERNEL, a, S));
    interpretElementwise(KERNEL, [b.p.data, b.m.data, b.v.data, a.g.data], [S.b, S.lr, S.eps]);
    for (const k of ['p', 'm', 'v'] as const) expect(Array.from(b[k].data), k).toEqual(Array.from(a[k].data));
  });

  it('where code generation is refused (a CSP without unsafe-eval), the backend falls back to the closure evaluator', () => {
    const saved = globalThis.Function;
    const kernel = defineElementwise({ name: 'nocsp', write: ['p'], read: ['g'], scalars: ['lr'], body: 'p = p - sqrt(abs(g)) * lr' });
    const p = tensor([1, 2, 3], { dtype: 'float64' }), g = tensor([4, -9, 0.25], { dtype: 'float64' });
    let refused = 0;
    globalThis.Function = function refuse() {
      refused++;
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    try {
      noGrad(() => elementwise_(kernel, { p, g }, { lr: 0.5 }));
    } finally {
      globalThis.Function = saved;
    }
    expect(refused).toBe(1);
    expect(p.toArray()).toEqual([0, 0.5, 2.75]);
  });

  it('updates a contiguous view at an offset in place and leaves the rest of its storage alone', () => {
    const { p, m, v, g } = inputs(4, [2, 3]);
    const big = zeros([4, 3], { dtype: 'float64' });
    big.narrow(0, 1, 2).copy_(p);
    const view = big.narrow(0, 1, 2);
    expect(view.isContiguous && view.offset === 3).toBe(true);
    noGrad(() => elementwise_(KERNEL, { p: view, m: m.clone(), v: v.clone(), g }, S));
    noGrad(() => elementwise_(KERNEL, { p, m, v, g }, S));
    expect(big.toArray()).toEqual([[0, 0, 0], ...(p.toArray() as number[][]), [0, 0, 0]]);
  });

  it('casts a read tensor of the other float dtype, and copies one that shares storage with a written tensor', () => {
    const { p, m, v, g } = inputs(5);
    const ref = { p: p.clone(), m: m.clone(), v: v.clone() };
    noGrad(() => elementwise_(KERNEL, { p, m, v, g: g.to('float32') }, S));
    noGrad(() => elementwise_(KERNEL, { ...ref, g: g.to('float32').to('float64') }, S));
    expect(p.toArray()).toEqual(ref.p.toArray());

    // the read tensor is the written one: it must be read before it is written
    const step = defineElementwise({ name: 'step', write: ['p'], read: ['g'], scalars: ['lr'], body: 'p = p - g * lr' });
    const q = inputs(6).p;
    const expected = q.sub(q.mul(0.1));
    noGrad(() => elementwise_(step, { p: q, g: q }, { lr: 0.1 }));
    expect(q.toArray()).toEqual(expected.toArray());
  });

  it('accepts empty tensors, and bumps each written tensor’s version once', () => {
    const p = zeros([0, 3], { dtype: 'float64' });
    noGrad(() => elementwise_(KERNEL, { p, m: zerosLike(p), v: zerosLike(p), g: zerosLike(p) }, S));
    expect(p.shape).toEqual([0, 3]);
    const x = inputs(7);
    noGrad(() => elementwise_(KERNEL, x, S));
    expect([x.p.version, x.m.version, x.v.version, x.g.version]).toEqual([1, 1, 1, 0]);
    expect(x.p.versionCounter.lastWrite).toBe('elementwise_(mix)');
  });

  it('has a canonical form that ignores names and sees every difference of arithmetic', () => {
    const k = (body: string, names = ['p', 'g', 'a']) => defineElementwise({ name: 'k', write: [names[0]!], read: [names[1]!], scalars: [names[2]!], body }).canonical;
    expect(k('p = p - g * a')).toBe(k('x = x - y * z', ['x', 'y', 'z']));
    expect(k('p = p - g * a')).not.toBe(k('p = p - a * g'));
    expect(k('p = p - g * a')).not.toBe(k('p = (p - g) * a'));
    expect(k('p = p - g * a * 2')).not.toBe(k('p = p - g * (a * 2)'));
  });
});

describe('errors name what is wrong and change nothing', () => {
  const def = (spec: object) => () => defineElementwise({ name: 'k', write: ['p'], read: ['g'], scalars: ['a'], body: 'p = p + g', ...spec } as never);
  it.each([
    ['unknown name', def({ body: 'p = p + q' }), TypeError, /defineElementwise\(k\): "q" is not a declared array or scalar, nor a local assigned above \(in "p = p \+ q"\)/],
    ['assigning a read array', def({ body: 'g = p; p = g' }), TypeError, /"g" is read-only \(listed in read\); list it in write to update it/],
    ['assigning a scalar', def({ body: 'a = p; p = a' }), TypeError, /"a" is a scalar and cannot be assigned/],
    ['a written array never assigned', def({ write: ['p', 'q'] }), TypeError, /"q" listed in write but never assigned/],
    ['a local used before it is assigned', def({ body: 'p = t; t = g' }), TypeError, /"t" is not a declared array or scalar/],
    ['syntax', def({ body: 'p = p + * g' }), SyntaxError, /unexpected "\*" in "p \+ \* g"/],
    ['no assignment', def({ body: 'p + g' }), SyntaxError, /expected "name = expression", got "p \+ g"/],
    ['unknown function', def({ body: 'p = tanh(g)' }), SyntaxError, /unknown function "tanh" \(known: sqrt, abs, sign, exp, log, max, min\)/],
    ['arity', def({ body: 'p = max(g)' }), SyntaxError, /max takes 2 arguments, got 1/],
    ['unbalanced', def({ body: 'p = (p + g' }), SyntaxError, /missing "\)"/],
    ['a stray character', def({ body: 'p = p % g' }), SyntaxError, /unexpected "%"/],
    ['a duplicate name', def({ read: ['p'] }), TypeError, /the name "p" is declared twice/],
    ['a bad name', def({ scalars: ['1x'] }), TypeError, /scalars has the invalid name "1x"/],
    ['nothing written', def({ write: [] }), TypeError, /write must name at least one array/],
  ] as const)('defineElementwise: %s', (_, call, Err, message) => {
    expect(call).toThrow(Err);
    expect(call).toThrow(message);
  });

  type X = ReturnType<typeof inputs>;
  it.each([
    ['not a kernel', (x: X) => elementwise_({} as never, x, S), TypeError, /elementwise_: kernel must come from defineElementwise, got object/],
    ['a missing tensor', (x: X) => elementwise_(KERNEL, { ...x, g: undefined } as never, S), TypeError, /elementwise_\(mix\): g must be a Tensor, got undefined/],
    ['an unexpected tensor', (x: X) => elementwise_(KERNEL, { ...x, q: x.g } as never, S), TypeError, /unexpected tensor "q" \(the kernel takes p, m, v, g\)/],
    ['a missing scalar', (x: X) => elementwise_(KERNEL, x, { b: 0.9, lr: 0.1 }), TypeError, /scalar eps must be a number, got undefined/],
    ['a NaN scalar', (x: X) => elementwise_(KERNEL, x, { ...S, lr: NaN }), RangeError, /scalar lr must be finite, got NaN/],
    ['an unexpected scalar', (x: X) => elementwise_(KERNEL, x, { ...S, lr2: 1 }), TypeError, /unexpected scalar "lr2" \(the kernel takes b, lr, eps\)/],
    ['an int tensor', (x: X) => elementwise_(KERNEL, { ...x, g: x.g.to('int32') }, S), DTypeError, /g must be float32 or float64, got int32/],
    ['a shape', (x: X) => elementwise_(KERNEL, { ...x, m: x.m.t() }, S), ShapeError, /m has shape \[5, 3\] but p has shape \[3, 5\]/],
    ['written dtypes differ', (x: X) => elementwise_(KERNEL, { ...x, v: x.v.to('float32') }, S), DTypeError, /v is float32 but p is float64/],
    ['shared storage', (x: X) => elementwise_(KERNEL, { ...x, v: x.m }, S), TypeError, /v shares its storage with m; each written tensor must have its own/],
    ['requires grad', (x: X) => elementwise_(KERNEL, { ...x, p: x.p.requiresGrad_() }, S), AutogradError, /cannot modify p, a tensor that requires grad \(shape \[3, 5\]\) in place while grad mode is on; wrap the update in noGrad/],
  ] as const)('elementwise_: %s', (_, call, Err, message) => {
    const x = inputs(8);
    const before = Object.values(x).map((t) => snapshot(t).data);
    expect(() => call(x)).toThrow(Err);
    expect(() => call(inputs(8))).toThrow(message);
    expect(Object.values(x).map((t) => Array.from(t.data))).toEqual(before);
  });
});
