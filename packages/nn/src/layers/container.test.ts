import { describe, expect, test } from 'vitest';
import { ones } from '@tensile/tensor';
import { ModuleDict, ModuleList, Sequential } from './container.js';
import { Linear } from './linear.js';
import { ReLU } from './activation.js';

describe('Sequential', () => {
  test('chains its layers, which are named by position', () => {
    const seq = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    expect(seq.forward(ones([5, 2])).shape).toEqual([5, 1]);
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBe(seq.at(2));
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(new Sequential().forward(ones([1]))).toBeDefined();
  });

  test('rejects what is not a module', () => {
    expect(() => new Sequential(new ReLU(), ((x: unknown) => x) as never)).toThrow(/Sequential: argument 1 is a function, not a Module/);
    expect(() => new Sequential().append(null as never)).toThrow(/Sequential\.append: the argument is null, not a Module/);
    expect(() => new Sequential(new ReLU()).at(1)).toThrow(/Sequential: index 1 is out of range for 1 modules/);
  });
});

describe('ModuleList and ModuleDict', () => {
  test('ModuleList names by position and has no forward', () => {
    const list = new ModuleList([new Linear(2, 2), new Linear(2, 2)]).append(new Linear(2, 1));
    expect(list.length).toBe(3);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
    expect(() => list.forward()).toThrow(/ModuleList has no forward; iterate over it/);
    expect(() => new ModuleList([3 as never])).toThrow(/ModuleList: element 0 is a number, not a Module/);
  });

  test('ModuleDict names by key in insertion order; keys cannot contain dots', () => {
    const dict = new ModuleDict({ b: new Linear(1, 1), a: new ReLU() });
    dict.set('c', new Linear(1, 1, { bias: false }));
    expect(dict.keys()).toEqual(['b', 'a', 'c']);
    expect(dict.namedParameters().map(([n]) => n)).toEqual(['b.weight', 'b.bias', 'c.weight']);
    expect(dict.get('a')).toBeInstanceOf(ReLU);
    expect(dict.has('z')).toBe(false);
    expect(new ModuleDict(new Map([['x', new ReLU()]])).size).toBe(1);
    expect(() => dict.set('a.b', new ReLU())).toThrow(/ModuleDict: key "a\.b" must be a non-empty string without "\."/);
    expect(() => dict.forward()).toThrow(/ModuleDict has no forward/);
  });
});
