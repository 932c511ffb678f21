// summary() against the figures PyTorch gives for the same model (tools/fixtures/make_debug_fixtures.py:
// output shapes from forward hooks, own and trainable parameter counts per module, totals, bytes).
import { describe, expect, test } from 'vitest';
import { randn, zeros, type Tensor } from '@tensile/tensor';
import {
  GRU, LSTM, Linear, Module, MultiheadAttention, Tanh, TransformerEncoder, TransformerEncoderLayer, summary, type ModelSummary,
} from '../src/index.js';
import { Net, fixture, type SummaryFixtureRow } from './debug-model.js';

const want = fixture.summary;

/** The fixture's Twice: fc and act are called twice in one forward. */
class Twice extends Module {
  fc = new Linear(6, 6);
  act = new Tanh();
  out = new Linear(6, 2);
  forward(x: Tensor): Tensor {
    return this.out.forward(this.act.forward(this.fc.forward(this.act.forward(this.fc.forward(x)))));
  }
}

/** The fixture's SeqNet: LSTM, GRU, MultiheadAttention and a TransformerEncoder, whose outputs are tuples. */
class SeqNet extends Module {
  lstm = new LSTM(8, 12, { numLayers: 2, batchFirst: true });
  gru = new GRU(12, 8, { batchFirst: true, bidirectional: true });
  proj = new Linear(16, 8);
  attn = new MultiheadAttention(8, 2, { batchFirst: true });
  encoder = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true }), 2);
  head = new Linear(8, 3);
  forward(x: Tensor): Tensor {
    let [h] = this.lstm.forward(x);
    [h] = this.gru.forward(h);
    h = this.proj.forward(h);
    [h] = this.attn.forward(h, h, h);
    h = this.encoder.forward(h);
    return this.head.forward(h.narrow(1, h.shape[1]! - 1, 1).squeeze(1));
  }
}

const cols = (r: SummaryFixtureRow) => [r.path, r.class, r.outputShape, r.params, r.trainable, r.depth, r.recursive, r.subtreeParams, r.subtreeTrainable];
const ours = (s: ModelSummary) => s.rows.map((r) => [r.path, r.className, r.outputShape, r.params, r.trainable, r.depth, r.recursive, r.subtreeParams, r.subtreeTrainable]);

describe('summary', () => {
  test('paths, classes, output shapes and parameter counts match PyTorch’s', () => {
    const net = new Net();
    const s = summary(net, want.inputShape);
    expect(ours(s)).toEqual(want.rows.map(cols));
    expect(s.totalParams).toBe(want.total);
    expect(s.trainableParams).toBe(want.trainable);
    expect(s.paramBytes).toBe(want.paramBytes);
    expect(s.gradBytes).toBe(want.gradBytes);
    expect(s.optimizerStateBytes).toBe(want.adamStateBytes);
    expect(s.optimizerNote).toMatch(/no optimizer given; assuming Adam's 2 buffers per trainable parameter/);
  });

  test('a module called twice has a row per call, the second "(recursive)", as torchinfo prints it', () => {
    const t = fixture.summaryCases.twice;
    const s = summary(new Twice(), t.inputShape);
    expect(ours(s)).toEqual(t.rows.map(cols));
    expect(s.rows.map((r) => [r.path, r.call, r.calls])).toEqual([['', 1, 1], ['fc', 1, 2], ['act', 1, 2], ['fc', 2, 2], ['act', 2, 2], ['out', 1, 1]]);
    expect([s.totalParams, s.trainableParams]).toEqual([t.total, t.trainable]);
    const text = s.toString();
    expect(text).toMatch(/^fc\s+Linear\s+\[3, 6\]\s+42\s+42$/m);
    expect(text).toMatch(/^fc\s+Linear\s+\[3, 6\]\s+\(recursive\)\s+\(recursive\)$/m);
    expect(text).toContain(`Total params: ${t.total}`);
  });

  test('sequence layers (tuple outputs): the first output’s shape and the parameter counts match PyTorch’s', () => {
    const t = fixture.summaryCases.sequence;
    const s = summary(new SeqNet(), t.inputShape);
    // PyTorch 1.13's MultiheadAttention applies out_proj functionally (F.multi_head_attention_forward), so
    // its hooks never fire and torchinfo has no row for it; Tensile calls it as a module.
    const notInTorch = new Set(t.notCalled);
    const extra = s.rows.filter((r) => notInTorch.has(r.path));
    expect(extra.map((r) => [r.path, r.outputShape, r.params])).toEqual(t.notCalled.map((p) => [p, [4, 5, 8], 72]));
    // PyTorch's TransformerEncoder holds its layers in a ModuleList, which torchinfo lists as a container
    // row; Tensile's holds them in an array (the paths, encoder.layers.0…, are the same), so it has no such row.
    const torchRows = t.rows.filter((r) => !(r.path === 'encoder.layers' && r.class === 'ModuleList'));
    expect(torchRows).toHaveLength(t.rows.length - 1);
    expect(ours(s).filter((r) => !notInTorch.has(r[0] as string))).toEqual(torchRows.map(cols));
    expect([s.totalParams, s.trainableParams]).toEqual([t.total, t.trainable]);
    // At depth 1 the encoder's row stands for its whole subtree, as torchinfo shows it at max_depth.
    expect(summary(new SeqNet(), t.inputShape, { depth: 1 }).toString()).toMatch(/^encoder\s+TransformerEncoder\s+\[4, 5, 8\]\s+1,200\s+1,200$/m);
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
