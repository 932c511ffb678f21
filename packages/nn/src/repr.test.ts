import { expect, test } from 'vitest';
import { indentTail, pyFloat, pyIntOrTuple, pyTuple } from './repr.js';

test("numbers and tuples print as Python's repr does", () => {
  expect([1e-5, 0.1, 1, 0.0001, 1e16, 2.5e-7, -3, 123456.5].map(pyFloat)).toEqual(['1e-05', '0.1', '1.0', '0.0001', '1e+16', '2.5e-07', '-3.0', '123456.5']);
  expect(pyFloat(NaN)).toBe('nan');
  expect(pyTuple([3])).toBe('(3,)');
  expect(pyTuple([2, null])).toBe('(2, null)');
  expect(pyIntOrTuple(2)).toBe('2');
  expect(pyIntOrTuple([2, 3])).toBe('(2, 3)');
  expect(indentTail('a(\n  b\n)')).toBe('a(\n    b\n  )');
});
