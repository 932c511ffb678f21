import { describe, expect, it } from 'vitest';
import { allocArray, assertDType, dtypeOfArray, isFloat, promoteTypes, promoteWithScalar, toFloat, type DType } from './dtype.js';
import { DTypeError } from './errors.js';
import { add, div, eq, exp, mean, mul, pow, sub, sum, tensor, where } from './index.js';

describe('storage per dtype', () => {
  it('allocates the matching zero-filled typed array', () => {
    expect(allocArray('float32', 3)).toEqual(new Float32Array(3));
    expect(allocArray('float64', 2)).toBeInstanceOf(Float64Array);
    expect(allocArray('int32', 2)).toBeInstanceOf(Int32Array);
    expect(allocArray('bool', 2)).toBeInstanceOf(Uint8Array);
  });

  it('reads the dtype back from the array', () => {
    expect(dtypeOfArray(new Float32Array(1))).toBe('float32');
    expect(dtypeOfArray(new Float64Array(1))).toBe('float64');
    expect(dtypeOfArray(new Int32Array(1))).toBe('int32');
    expect(dtypeOfArray(new Uint8Array(1))).toBe('bool');
  });

  it('knows which dtypes are floating point', () => {
    expect(['float32', 'float64', 'int32', 'bool'].map((d) => isFloat(d as DType))).toEqual([true, true, false, false]);
    expect(toFloat('int32')).toBe('float32');
    expect(toFloat('bool')).toBe('float32');
    expect(toFloat('float64')).toBe('float64');
  });

  it('rejects an unknown dtype name with a DTypeError naming the op', () => {
    expect(assertDType('zeros', 'dtype', 'float32')).toBe('float32');
    expect(() => assertDType('zeros', 'dtype', 'int64')).toThrow(DTypeError);
    expect(() => assertDType('zeros', 'dtype', 'int64')).toThrow('zeros: dtype must be one of float32, float64, int32, bool; got int64');
  });
});

describe('promoteTypes (tensor with tensor)', () => {
  const cases: [DType, DType, DType][] = [
    ['int32', 'float32', 'float32'],
    ['float32', 'float64', 'float64'],
    ['int32', 'float64', 'float64'],
    ['bool', 'int32', 'int32'],
    ['bool', 'float32', 'float32'],
    ['bool', 'bool', 'bool'],
    ['int32', 'int32', 'int32'],
    ['float32', 'float32', 'float32'],
  ];
  it.each(cases)('%s with %s gives %s, in either order', (a, b, out) => {
    expect(promoteTypes(a, b)).toBe(out);
    expect(promoteTypes(b, a)).toBe(out);
  });
});

describe('promoteWithScalar (tensor with a JS number)', () => {
  it('never widens a tensor within its category', () => {
    expect(promoteWithScalar('float32', 2.5)).toBe('float32'); // not float64, although JS numbers are doubles
    expect(promoteWithScalar('float32', 1e300)).toBe('float32');
    expect(promoteWithScalar('float64', 2)).toBe('float64');
    expect(promoteWithScalar('int32', 2)).toBe('int32');
  });

  it('makes an int/bool tensor float32 for a non-integer number, and a bool tensor int32 for an integer', () => {
    expect(promoteWithScalar('int32', 2.5)).toBe('float32');
    expect(promoteWithScalar('bool', 0.5)).toBe('float32');
    expect(promoteWithScalar('bool', 3)).toBe('int32');
  });
});

describe('promotion through the real ops', () => {
  it('int32 + float32 → float32 with the right values', () => {
    const y = add(tensor([1, 2, 3], { dtype: 'int32' }), tensor([0.5, 0.25, 0.125]));
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([1.5, 2.25, 3.125]);
  });

  it('float32 + float64 → float64, computed in float64', () => {
    // 0.1 in float32 is 0.100000001490116…; adding a float64 1e-12 must not round it back to float32
    const y = add(tensor([0.1], { dtype: 'float32' }), tensor([1e-12], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
    expect(y.item()).toBe(Math.fround(0.1) + 1e-12);
  });

  it('a JS number does not promote a float32 tensor', () => {
    const y = mul(tensor([3], { dtype: 'float32' }), 0.1);
    expect(y.dtype).toBe('float32');
    expect(y.item()).toBe(Math.fround(Math.fround(3) * Math.fround(0.1)));
    expect(sub(1, tensor([0.5], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('an int32 tensor plus an integer stays int32', () => {
    const y = add(tensor([1, 2], { dtype: 'int32' }), 2);
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([3, 4]);
  });

  it('an int32 tensor plus 2.5 is float32', () => {
    const y = add(tensor([1, 2], { dtype: 'int32' }), 2.5);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([3.5, 4.5]);
    // the scalar on the left too
    expect(mul(0.5, tensor([3], { dtype: 'int32' })).toArray()).toEqual([1.5]);
  });

  it('bool + int32 → int32', () => {
    const y = add(tensor([true, false, true]), tensor([10, 20, 30], { dtype: 'int32' }));
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([11, 20, 31]);
    const z = add(tensor([true, false]), 5);
    expect(z.dtype).toBe('int32');
    expect(z.toArray()).toEqual([6, 5]);
  });

  it('bool + bool stays bool (a logical or, as in PyTorch)', () => {
    const y = add(tensor([true, true, false]), tensor([true, false, false]));
    expect(y.dtype).toBe('bool');
    expect(y.toArray()).toEqual([true, true, false]);
    // the storage holds 0/1 (not 2), so counting the mask gives 2, as torch.sum does
    expect(Array.from(y.data)).toEqual([1, 1, 0]);
    expect(sum(y).item()).toBe(2);
    // bool · bool is a logical and
    expect(mul(tensor([true, true, false]), tensor([true, false, false])).toArray()).toEqual([true, false, false]);
  });

  it('bool − bool is refused (PyTorch: use logical not)', () => {
    expect(() => sub(tensor([true]), tensor([true]))).toThrow(DTypeError);
    expect(() => sub(tensor([true]), tensor([true]))).toThrow(/sub: subtracting two bool tensors is not supported/);
    // a bool minus an integer is an int32 subtraction
    expect(sub(tensor([true, false]), 1).toArray()).toEqual([0, -1]);
  });

  it('division and float-only math of ints compute in float32', () => {
    const q = div(tensor([1, 7], { dtype: 'int32' }), tensor([2, 2], { dtype: 'int32' }));
    expect(q.dtype).toBe('float32');
    expect(q.toArray()).toEqual([0.5, 3.5]);
    const e = exp(tensor([0, 1], { dtype: 'int32' }));
    expect(e.dtype).toBe('float32');
    expect(e.toArray()).toEqual([1, Math.fround(Math.E)]);
    const m = mean(tensor([1, 2], { dtype: 'int32' }));
    expect(m.dtype).toBe('float32');
    expect(m.item()).toBe(1.5);
  });

  it('pow of an int tensor with an integer exponent stays int32; a fractional one gives float32', () => {
    const a = pow(tensor([2, 3], { dtype: 'int32' }), 2);
    expect(a.dtype).toBe('int32');
    expect(a.toArray()).toEqual([4, 9]);
    const b = pow(tensor([4, 9], { dtype: 'int32' }), 0.5);
    expect(b.dtype).toBe('float32');
    expect(b.toArray()).toEqual([2, 3]);
  });

  it('comparisons give bool after promoting both sides', () => {
    // 1 (int32) == 1.0 (float64) compares as float64
    const c = eq(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2.5], { dtype: 'float64' }));
    expect(c.dtype).toBe('bool');
    expect(c.toArray()).toEqual([true, false]);
  });

  it('sum of a bool tensor counts in int32', () => {
    const s = sum(tensor([true, false, true, true]));
    expect(s.dtype).toBe('int32');
    expect(s.item()).toBe(3);
  });

  it('where promotes its two branches', () => {
    const w = where(tensor([true, false]), tensor([1, 2], { dtype: 'int32' }), tensor([0.5, 0.5], { dtype: 'float64' }));
    expect(w.dtype).toBe('float64');
    expect(w.toArray()).toEqual([1, 0.5]);
  });
});
