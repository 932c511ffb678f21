// Safetensors files cross between PyTorch and Tensile in both directions (see tools/fixtures/README.md):
// - torch-model.safetensors, written by hand from a trained PyTorch CNN by the fixture script, loads into
//   the same CNN built with Tensile and gives PyTorch's eval output;
// - torch-dtypes.safetensors holds every dtype Tensile reads (F16, BF16, I64, … included);
// - tensile-written.safetensors is what this suite writes (byte for byte, from a seeded model); the fixture
//   script read it back into PyTorch, checked its layout and recorded PyTorch's output with those weights
//   in tensile-written.check.json, which Tensile's own run of the model must match.
// - legacy-names.safetensors is that same file as Tensile wrote it before its keys were PyTorch's
//   (`1.runningMean`): it still loads, each old key reported in `renamedKeys`.
// Regenerate the Tensile file with UPDATE_TENSILE_FIXTURES=1, then rerun the fixture script.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Generator, randn, tensor, type Tensor } from '@tensile/tensor';
import {
  BatchNorm2d, Conv2d, Flatten, GELU, Linear, MaxPool2d, ReLU, Sequential, loadSafetensors, saveSafetensors,
} from '../src/index.js';
import { expectAllClose, fixturePath, fromFixture, loadJson, type FixtureTensor } from './helpers.js';

/** The `small_cnn` of the fixture script. */
function smallCnn(generator?: Generator): Sequential {
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, generator }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
    new Conv2d(4, 6, 3, { groups: 2, generator }), new GELU(), new Flatten(), new Linear(6 * 4 * 4, 10, { generator }),
  );
}

const f32 = { rtol: 1e-5, atol: 1e-6 };

describe('PyTorch → Tensile', () => {
  test('a CNN written by PyTorch loads into the same Tensile CNN and gives the same eval output', () => {
    const { tensors, metadata } = loadSafetensors(readFileSync(fixturePath('torch-model.safetensors')));
    const fx = loadJson<{ input: FixtureTensor; evalOutput: FixtureTensor; keys: string[] }>('torch-model.json');
    expect([...tensors.keys()]).toEqual(fx.keys);
    expect(metadata).toEqual({ format: 'pt', source: 'make_nn_fixtures.py' });
    expect(tensors.get('1.num_batches_tracked')!.dtype).toBe('int32'); // I64 in the file
    expect(tensors.get('1.num_batches_tracked')!.item()).toBe(3);
    const model = smallCnn();
    expect([...model.stateDict().keys()]).toEqual(fx.keys);
    expect(model.loadStateDict(tensors)).toEqual({ missingKeys: [], unexpectedKeys: [], renamedKeys: [] });
    const y = model.eval().forward(fromFixture(fx.input, { dtype: 'float32' }));
    expect(y.dtype).toBe('float32');
    expectAllClose(y, fx.evalOutput, { ...f32, label: 'eval output' });
  });

  test('every dtype of the file reads with its exact values', () => {
    const { tensors, metadata } = loadSafetensors(readFileSync(fixturePath('torch-dtypes.safetensors')));
    const { expected } = loadJson<{ expected: Record<string, FixtureTensor> }>('torch-dtypes.json');
    expect(metadata).toBeNull();
    const dtypes: Record<string, string> = {
      f64: 'float64', f32: 'float32', f16: 'float32', bf16: 'float32', i64: 'int32', i32: 'int32', i16: 'int32', i8: 'int32',
      u8: 'int32', bool: 'bool', scalar: 'float32', empty: 'float32',
    };
    expect([...tensors.keys()].sort()).toEqual(Object.keys(dtypes).sort());
    for (const [name, t] of tensors) {
      expect(t.dtype, name).toBe(dtypes[name]);
      expectAllClose(t, expected[name]!, { rtol: 0, atol: 0, label: name });
    }
  });
});

/** The file this suite writes: a seeded CNN after two training batches, plus one tensor per written dtype. */
function tensileFile(): { model: Sequential; bytes: Uint8Array } {
  const g = new Generator(2024);
  const model = smallCnn(g);
  for (let i = 0; i < 2; i++) model.forward(randn([4, 1, 12, 12], { generator: g })); // running stats, 2 batches tracked
  const sd = new Map<string, Tensor>(model.stateDict());
  sd.set('extra.f64', tensor([[Math.PI, -1e-300], [1e300, 1 / 3]], { dtype: 'float64' }));
  sd.set('extra.i32', tensor([2147483647, -2147483648, 0], { dtype: 'int32' }));
  sd.set('extra.bool', tensor([true, false, true]));
  return { model, bytes: saveSafetensors(sd, { format: 'pt', writer: 'tensile' }) };
}

describe('Tensile → PyTorch', () => {
  const { model, bytes } = tensileFile();
  if (process.env.UPDATE_TENSILE_FIXTURES === '1') writeFileSync(fixturePath('tensile-written.safetensors'), bytes);

  test('the writer still produces the committed file byte for byte', () => {
    expect(Buffer.from(bytes).equals(readFileSync(fixturePath('tensile-written.safetensors')))).toBe(true);
  });

  test('PyTorch read it: conformant layout, same keys and values, same outputs', () => {
    const check = loadJson<{
      checks: { headerLengthMultipleOf8: boolean; contiguous: boolean; keys: string[]; dtypes: Record<string, string> };
      metadata: Record<string, string>;
      extras: Record<string, FixtureTensor>;
      input: FixtureTensor;
      evalOutput: FixtureTensor;
    }>('tensile-written.check.json');
    expect(check.checks.headerLengthMultipleOf8).toBe(true);
    expect(check.checks.contiguous).toBe(true);
    expect(check.metadata).toEqual({ format: 'pt', writer: 'tensile' });
    const { tensors } = loadSafetensors(bytes);
    expect(check.checks.keys).toEqual([...tensors.keys()]);
    expect(check.checks.dtypes['1.num_batches_tracked']).toBe('I32');
    expect(check.checks.dtypes['extra.f64']).toBe('F64');
    expect(check.checks.dtypes['extra.bool']).toBe('BOOL');
    for (const [k, t] of Object.entries(check.extras)) expectAllClose(tensors.get(k), t, { rtol: 0, atol: 0, label: k });
    const y = model.eval().forward(fromFixture(check.input, { dtype: 'float32' }));
    expectAllClose(y, check.evalOutput, { ...f32, label: 'eval output' });
  });
});

describe('checkpoints written before the PyTorch names', () => {
  test('load, each old key read under its new name and listed in renamedKeys', () => {
    const { tensors } = loadSafetensors(readFileSync(fixturePath('legacy-names.safetensors')));
    const sd = new Map([...tensors].filter(([k]) => !k.startsWith('extra.')));
    expect([...sd.keys()].filter((k) => k.startsWith('1.'))).toEqual(['1.weight', '1.bias', '1.runningMean', '1.runningVar', '1.numBatchesTracked']);
    const model = smallCnn();
    expect(model.loadStateDict(sd).renamedKeys).toEqual([
      ['1.runningMean', '1.running_mean'], ['1.runningVar', '1.running_var'], ['1.numBatchesTracked', '1.num_batches_tracked'],
    ]);
    expectAllClose(model.stateDict().get('1.running_var'), sd.get('1.runningVar')!, { rtol: 0, atol: 0 });
    expect(model.stateDict().get('1.num_batches_tracked')!.item()).toBe(2);
    const check = loadJson<{ input: FixtureTensor; evalOutput: FixtureTensor }>('tensile-written.check.json');
    expectAllClose(model.eval().forward(fromFixture(check.input, { dtype: 'float32' })), check.evalOutput, { ...f32, label: 'eval output' });
  });

  test('an old key never shadows a new one: both present is a strict error', () => {
    const { tensors } = loadSafetensors(readFileSync(fixturePath('legacy-names.safetensors')));
    const sd = new Map([...tensors].filter(([k]) => !k.startsWith('extra.')));
    sd.set('1.running_mean', sd.get('1.runningMean')!);
    expect(() => smallCnn().loadStateDict(sd)).toThrow(/^loadStateDict\(Sequential\): unexpected "1\.runningMean"\. Nothing was loaded\.$/);
    const lenient = smallCnn().loadStateDict(sd, { strict: false });
    expect(lenient.unexpectedKeys).toEqual(['1.runningMean']);
    expect(lenient.renamedKeys).toEqual([['1.runningVar', '1.running_var'], ['1.numBatchesTracked', '1.num_batches_tracked']]);
  });
});
