// lerp_, maximum_ and minimum_ against PyTorch 1.13 (fixtures/inplace.json, tools/fixtures/make_inplace_fixtures.py):
// bit for bit in float32 and float64 on every backend, including broadcast operands, both sides of lerp's
// two-sided fused multiply-add, extrapolating weights, NaN and ±Infinity; then their checks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AutogradError, DTypeError, ShapeError, listBackends, noGrad, tensor } from '../src/index.js';
import { useBackend } from './helpers.js';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface Case { op: 'lerp_' | 'maximum_' | 'minimum_'; dtype: 'float32' | 'float64'; shape: number[]; target: Num[]; otherShape: number[]; other: Num[]; weight: number | null; expected: Num[] }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/inplace.json', import.meta.url), 'utf8')) as { cases: Case[] };
const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));

describe.each(listBackends())('backend %s: in-place ops against PyTorch', (backend) => {
  useBackend(backend);
  it.each(cases.map((c, i) => [`${i}: ${c.op} ${c.dtype} ${JSON.stringify(c.shape)} ← ${JSON.stringify(c.otherShape)}${c.weight === null ? '' : ` w = ${c.weight}`}`, c] as const))('%s', (_, c) => {
    const t = tensor(c.target.map(num), { dtype: c.dtype, shape: c.shape });
    const other = tensor(c.other.map(num), { dtype: c.dtype, shape: c.otherShape });
    const otherBefore = Array.from(other.toTypedArray());
    if (c.op === 'lerp_') t.lerp_(other, c.weight!);
    else t[c.op](other);
    expect(Array.from(t.toTypedArray())).toEqual(c.expected.map(num));
    expect(Array.from(other.toTypedArray())).toEqual(otherBefore);
    expect(t.version).toBe(1);
    expect(t.versionCounter.lastWrite).toBe(c.op);
  });
});

describe('lerp_, maximum_ and minimum_ check their arguments and change nothing', () => {
  const target = () => tensor([1, 2, 3], { dtype: 'float32' });
  it.each([
    ['lerp_ weight', (t) => t.lerp_(tensor([0, 0, 0]), NaN), TypeError, /^lerp_: weight must be a finite number, got NaN/],
    ['lerp_ end dtype', (t) => t.lerp_(tensor([0, 0, 0], { dtype: 'float64' }), 0.5), DTypeError, /^lerp_: end is float64 but the target is float32/],
    ['lerp_ int target', () => tensor([1, 2], { dtype: 'int32' }).lerp_(tensor([1, 2], { dtype: 'int32' }), 0.5), DTypeError, /^lerp_: the target must be float32 or float64, got int32/],
    ['lerp_ end shape', (t) => t.lerp_(tensor([[0], [0]]), 0.5), ShapeError, /^lerp_: shapes \[3\] and \[2, 1\] cannot be broadcast|^lerp_: an operand of shape \[2, 1\] cannot be broadcast to the target's shape \[3\]/],
    ['lerp_ end not a tensor', (t) => t.lerp_([0, 0, 0] as never, 0.5), TypeError, /^lerp_: argument 'end' must be a Tensor/],
    ['maximum_ shape', (t) => t.maximum_(tensor([1, 2])), ShapeError, /^maximum_: shapes \[3\] and \[2\] cannot be broadcast/],
    ['minimum_ not a tensor', (t) => t.minimum_(2 as never), TypeError, /^minimum_: argument 'other' must be a Tensor/],
    ['requires grad', (t) => t.requiresGrad_().maximum_(tensor([0, 0, 0])), AutogradError, /^maximum_: cannot modify a tensor that requires grad/],
  ] as [string, (t: ReturnType<typeof target>) => unknown, new (...a: never[]) => Error, RegExp][])('%s', (_, call, Err, message) => {
    const t = target();
    expect(() => call(t)).toThrow(Err);
    expect(() => call(target())).toThrow(message);
    expect(Array.from(t.toTypedArray())).toEqual([1, 2, 3]);
    expect(t.version).toBe(0);
  });

  it('work on views and on an operand that aliases the target', () => {
    const m = tensor([[1, 5], [3, 4]], { dtype: 'float64' });
    noGrad(() => m.t().maximum_(m)); // m.t() ← max(m.t(), m): m is read before it is written
    expect(m.toArray()).toEqual([[1, 5], [5, 4]]);
    const q = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    noGrad(() => q.t().lerp_(q, 0.25)); // q.t() ← q.t() + (q − q.t())/4, q read before it is written
    expect(q.toArray()).toEqual([[1, 2.25], [2.75, 4]]);
    const x = tensor([5, -1, 2], { dtype: 'float64' });
    x.narrow(0, 1, 2).maximum_(tensor(0, { dtype: 'float64' }));
    expect(x.toArray()).toEqual([5, 0, 2]);
  });
});
