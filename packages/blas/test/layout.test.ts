import { describe, expect, it } from 'vitest';
import { blasOperand } from '../src/layout.js';

describe('blasOperand: a strided matrix in BLAS row-major terms', () => {
  it('takes row-major storage as is, with its row stride as the leading dimension', () => {
    expect(blasOperand(3, 4, 4, 1)).toEqual({ trans: false, ld: 4 });
    expect(blasOperand(3, 4, 10, 1)).toEqual({ trans: false, ld: 10 }); // a slice of wider rows
  });
  it('takes column-major storage as the transpose, with its column stride as the leading dimension', () => {
    expect(blasOperand(3, 4, 1, 3)).toEqual({ trans: true, ld: 3 });
    expect(blasOperand(3, 4, 1, 7)).toEqual({ trans: true, ld: 7 });
  });
  it('accepts any stride along an extent of one', () => {
    expect(blasOperand(1, 5, 0, 1)).toEqual({ trans: false, ld: 5 });
    expect(blasOperand(1, 5, 99, 1)).toEqual({ trans: false, ld: 5 });
    expect(blasOperand(5, 1, 1, 0)).toEqual({ trans: false, ld: 1 });
    expect(blasOperand(5, 1, 0, 2)).toBeNull(); // one element repeated down the column
    expect(blasOperand(5, 1, 3, 0)).toEqual({ trans: false, ld: 3 });
    expect(blasOperand(1, 1, 0, 0)).toEqual({ trans: false, ld: 1 });
  });
  it('declines what BLAS cannot address: no unit stride, a broadcast row or column, overlapping rows', () => {
    expect(blasOperand(3, 4, 8, 2)).toBeNull();
    expect(blasOperand(3, 4, 0, 1)).toBeNull(); // one row repeated (expand)
    expect(blasOperand(3, 4, 1, 0)).toBeNull();
    expect(blasOperand(3, 4, 2, 1)).toBeNull(); // rows overlap
  });
});
