// Every registry error case throws its typed error with a message naming the op and the values, and
// leaves its inputs exactly as they were (storage, view geometry, grad state).
import { describe, expect, it } from 'vitest';
import { isFloat, listBackends } from '../src/index.js';
import { ERROR_CASES, OPS, runCase, sampleInputs } from './op-cases.js';
import { snapshot, useBackend } from './helpers.js';

describe('error cases', () => {
  it('exist for every op, with unique names', () => {
    const names = ERROR_CASES.map((er) => er.name);
    expect(new Set(names).size).toBe(names.length);
    expect(OPS.filter((en) => en.errors.length === 0).map((en) => en.op)).toEqual([]);
  });
});

describe.each(listBackends())('backend %s: errors', (backend) => {
  useBackend(backend);

  it.each(ERROR_CASES)('$name', (er) => {
    const inputs = sampleInputs(er, 'float32');
    for (const t of inputs) if (isFloat(t.dtype)) t.requiresGrad = true;
    const before = inputs.map(snapshot);
    let thrown: unknown;
    try {
      runCase(er, inputs);
    } catch (err) {
      thrown = err;
    }
    expect(thrown, 'an error').toBeDefined();
    expect(thrown).toBeInstanceOf(er.error);
    expect((thrown as Error).constructor, 'the exact error class').toBe(er.error);
    expect((thrown as Error).message).toMatch(er.message);
    expect(inputs.map(snapshot)).toEqual(before);
  });
});
