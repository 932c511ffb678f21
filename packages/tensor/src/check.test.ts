import { describe, expect, it } from 'vitest';
import { checkOptions, checkTensor } from './check.js';
import { tensor } from './ops/creation.js';

describe('checkOptions', () => {
  it('names the unknown key, hints only at keys the caller takes, and lists them', () => {
    expect(() => checkOptions('MaxPool2d', { ceil_mode: true }, ['stride', 'padding'])).toThrow(
      /^MaxPool2d: unknown option "ceil_mode"; the options are stride, padding$/,
    );
    expect(() => checkOptions('AvgPool2d', { ceil_mode: true }, ['stride', 'ceilMode'])).toThrow(/unknown option "ceil_mode" \(did you mean ceilMode\?\)/);
    expect(() => checkOptions('Linear', { bais: false }, ['bias', 'dtype'])).toThrow(/unknown option "bais" \(did you mean bias\?\); the options are bias, dtype/);
    expect(() => checkOptions('init', { fan: 1 }, ['a', 'mode'])).toThrow(/^init: unknown option "fan"; the options are a, mode$/);
    expect(() => checkOptions('f', { Keepdim: true }, ['keepdim'])).toThrow(/did you mean keepdim\?/);
    expect(() => checkOptions('f', { x: 1 }, [])).toThrow(/^f: unknown option "x"; it takes no options$/);
    expect(() => checkOptions('f', 3, ['a'])).toThrow(/^f: options must be an object, got 3$/);
    expect(() => checkOptions('f', [1], ['a'])).toThrow(/got an array/);
    expect(() => checkOptions('f', { a: 1, b: undefined }, ['a'])).not.toThrow();
    expect(() => checkOptions('f', undefined, ['a'])).not.toThrow();
  });
});

describe('checkTensor', () => {
  it('describes what it got', () => {
    expect(() => checkTensor('add', 'other', [1, 2])).toThrow(/^add: argument 'other' must be a Tensor, got an array$/);
    expect(() => checkTensor('add', 'other', 'x')).toThrow(/got a string \("x"\)/);
    expect(() => checkTensor('add', 'other', null)).toThrow(/got null/);
    expect(() => checkTensor('add', 'other', tensor([1]))).not.toThrow();
  });
});
