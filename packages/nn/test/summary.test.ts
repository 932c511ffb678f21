// summary() against the figures PyTorch gives for the same model (tools/fixtures/make_debug_fixtures.py:
// output shapes from forward hooks, own and trainable parameter counts per module, totals, bytes).
import { describe, expect, test } from 'vitest';
import { randn, zeros } from '@tensile/tensor';
import { Linear, summary } from '../src/index.js';
import { Net, fixture } from './debug-model.js';

const want = fixture.summary;

describe('summary', () => {
  test('paths, classes, output shapes and parameter counts match PyTorch’s', () => {
    const net = new Net();
    const s = summary(net, want.inputShape);
    expect(s.rows.map((r) => [r.path, r.className, r.outputShape, r.params, r.trainable, r.depth])).toEqual(
      want.rows.map((r) => [r.path, r.class, r.outputShape, r.params, r.trainable, r.depth]),
    );
    expect(s.totalParams).toBe(want.total);
    expect(s.trainableParams).toBe(want.trainable);
    expect(s.paramBytes).toBe(want.paramBytes);
    expect(s.gradBytes).toBe(want.gradBytes);
    expect(s.optimizerStateBytes).toBe(want.adamStateBytes);
    expect(s.optimizerNote).toMatch(/no optimizer given; assuming Adam's 2 buffers per trainable parameter/);
  });

  test('the printed table has a row per module and the totals', () => {
    const text = summary(new Net(), want.inputShape).toString();
    expect(text).toMatch(/^\(model\)\s+Net\s+\[64, 3\]/m);
    expect(text).toMatch(/^\s+encoder\.layers\.1\.fc2\s+Linear\s+\[64, 6\]\s+54\s+54$/m);
    expect(text).toMatch(/^\s*head\s+Linear\s+\[64, 3\]\s+21\s+18$/m);
    expect(text).toMatch(/^\s*encoder\.layers\s+ModuleList\s+--\s+--\s+--$/m);
    expect(text).toContain(`Total params: ${want.total.toLocaleString('en-US')}`);
    expect(text).toContain(`Non-trainable params: ${want.total - want.trainable}`);
    expect(text).toMatch(/Optimizer state size \(MB\): 0\.\d\d \(no optimizer given/);
    expect(summary(new Net(), want.inputShape, { depth: 1 }).toString()).not.toContain('encoder.layers.0');
  });

  test('an example tensor works too; the model keeps its mode and its state', () => {
    const net = new Net();
    net.train();
    const before = net.proj.weight.clone();
    const s = summary(net, randn([5, 1, 8, 8]));
    expect(s.rows[0]!.outputShape).toEqual([5, 3]);
    expect(net.training && net.encoder.layers.at(0).training).toBe(true);
    expect(Array.from(net.proj.weight.toTypedArray())).toEqual(Array.from(before.toTypedArray()));
    expect(s.inputBytes).toBe(5 * 64 * 4);
  });

  test('optimizer state: measured when it exists, estimated for its kind before the first step', () => {
    const fc = new Linear(3, 2);
    const state = new Map([['weight', { mean: zeros([2, 3]), var: zeros([2, 3]), t: 1 }], ['bias', { mean: zeros([2]), var: zeros([2]) }]]);
    expect(summary(fc, [1, 3], { optimizer: { name: 'Adam', state } }).optimizerStateBytes).toBe(2 * 8 * 4);
    const sgd = summary(fc, [1, 3], { optimizer: { name: 'SGD', state: new Map(), defaults: { momentum: 0.9 } } });
    expect([sgd.optimizerStateBytes, sgd.optimizerNote]).toEqual([8 * 4, 'estimated for SGD: 1 buffer per trainable parameter, before its first step']);
  });

  test('bad input and unknown options are refused', () => {
    expect(() => summary(new Net(), [2, -1] as never)).toThrow(/summary\(Net\): input must be a shape/);
    expect(() => summary(new Net(), want.inputShape, { deep: 1 } as never)).toThrow(/summary\(Net\).*deep/);
  });
});
