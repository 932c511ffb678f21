// maximum_ and minimum_ against PyTorch 1.13 (fixtures/inplace.json, tools/fixtures/make_inplace_fixtures.py):
// bit for bit in float32 and float64 on every backend, including broadcast operands, NaN and ±Infinity; then
// their checks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AutogradError, ShapeError, listBackends, noGrad, tensor } from '../src/index.js';
import { useBackend } from './helpers.js';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface Case { op: 'maximum_' | 'minimum_'; dtype: 'float32' | 'float64'; shape: number[]; target: Num[]; otherShape: number[]; other: Num[]; expected: Num[] }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/inplace.json', import.meta.url), 'utf8')) as { cases: Case[] };
const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));

describe.each(listBackends())('backend %s: in-place ops against PyTorch', (backend) => {
  useBackend(backend);
  it.each(cases.map((c, i) => [`${i}: ${c.op} ${c.dtype} ${JSON.stringify(c.shape)} ← ${JSON.stringify(c.otherShape)}`, c] as const))('%s', (_, c) => {
    const t = tensor(c.target.map(num), { dtype: c.dtype, shape: c.shape });
    const other = tensor(c.other.map(num), { dtype: c.dtype, shape: c.otherShape });
    const otherBefore = Array.from(other.toTypedArray());
    t[c.op](other);
    expect(Array.from(t.toTypedArray())).toEqual(c.expected.map(num));
    expect(Array.from(other.toTypedArray())).toEqual(otherBefore);
    expect(t.version).toBe(1);
    expect(t.versionCounter.lastWrite).toBe(c.op);
  });
});

describe('maximum_ and minimum_ check their arguments and change nothing', () => {
  const target = () => tensor([1, 2, 3], { dtype: 'float32' });
  it.each([
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
    const x = tensor([5, -1, 2], { dtype: 'float64' });
    x.narrow(0, 1, 2).maximum_(tensor(0, { dtype: 'float64' }));
    expect(x.toArray()).toEqual([5, 0, 2]);
  });
});
