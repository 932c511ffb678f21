// PyTorch checkpoints load into Tensile with PyTorch's own key names, and Tensile's load into PyTorch,
// for every layer with state and a Sequential of many layers, in float64 at 1e-10 (see
// tools/fixtures/make_interop_fixtures.py and tools/fixtures/README.md):
// - torch-<case>.safetensors is PyTorch's state_dict() as PyTorch names it; it loads with strict checking
//   and no renaming, and the model's eval output on the recorded input is PyTorch's;
// - tensile-<case>.safetensors is written here from a seeded model (byte for byte the committed file);
//   the fixture script loaded it with PyTorch's load_state_dict(strict=True) and recorded the verdict, the
//   values PyTorch then held and its eval output in tensile-check.json, which Tensile must match.
// Regenerate the Tensile files with UPDATE_TENSILE_FIXTURES=1, then rerun the fixture script.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Generator, Tensor, cat, noGrad, rand, randn, randint } from '@tensile/tensor';
import {
  AvgPool2d, BCEWithLogitsLoss, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Embedding, Flatten, GELU, GRU, LSTM, LayerNorm, Linear,
  LogSoftmax, MaxPool2d, MultiheadAttention, RNN, ReLU, Sequential, TransformerEncoder, TransformerEncoderLayer, init, loadSafetensors,
  saveSafetensors, type AnyModule,
} from '../src/index.js';
import { expectAllClose, fixturePath, fromFixture, loadJson, type FixtureTensor } from './helpers.js';

const dtype = 'float64';
type Case = { make: (g?: Generator) => AnyModule; inputs: (g: Generator) => Tensor[]; trainSteps: number };

/** The same modules as the fixture script's CASES. */
const CASES: Record<string, Case> = {
  linear: { make: (g) => new Linear(5, 3, { dtype, generator: g }), inputs: (g) => [randn([4, 5], { dtype, generator: g })], trainSteps: 0 },
  linear_no_bias: { make: (g) => new Linear(5, 3, { bias: false, dtype, generator: g }), inputs: (g) => [randn([4, 5], { dtype, generator: g })], trainSteps: 0 },
  conv2d: { make: (g) => new Conv2d(2, 4, 3, { stride: 2, padding: 1, dtype, generator: g }), inputs: (g) => [randn([2, 2, 7, 7], { dtype, generator: g })], trainSteps: 0 },
  conv2d_groups: {
    make: (g) => new Conv2d(4, 6, 3, { groups: 2, dilation: 2, bias: false, dtype, generator: g }),
    inputs: (g) => [randn([2, 4, 9, 9], { dtype, generator: g })],
    trainSteps: 0,
  },
  batchnorm1d: { make: () => new BatchNorm1d(4, { dtype }), inputs: (g) => [randn([5, 4], { dtype, generator: g })], trainSteps: 2 },
  batchnorm1d_cumulative: { make: () => new BatchNorm1d(3, { momentum: null, dtype }), inputs: (g) => [randn([2, 3, 5], { dtype, generator: g })], trainSteps: 3 },
  batchnorm2d: { make: () => new BatchNorm2d(3, { dtype }), inputs: (g) => [randn([2, 3, 4, 4], { dtype, generator: g })], trainSteps: 2 },
  layernorm: { make: () => new LayerNorm([3, 4], { dtype }), inputs: (g) => [randn([2, 5, 3, 4], { dtype, generator: g })], trainSteps: 0 },
  embedding: { make: (g) => new Embedding(10, 4, { dtype, generator: g }), inputs: (g) => [randint(0, 10, [2, 3], { generator: g })], trainSteps: 0 },
  bce_with_logits: {
    make: (g) => new BCEWithLogitsLoss({ posWeight: rand([3], { dtype, generator: g ?? new Generator(0) }).add(0.5) }),
    inputs: (g) => [randn([4, 3], { dtype, generator: g }), rand([4, 3], { dtype, generator: g })],
    trainSteps: 0,
  },
  sequential: {
    make: (g) => new Sequential(
      new Conv2d(1, 4, 3, { padding: 1, dtype, generator: g }), new BatchNorm2d(4, { dtype }), new ReLU(), new MaxPool2d(2),
      new Conv2d(4, 4, 3, { dtype, generator: g }), new AvgPool2d(2), new Flatten(), new Linear(4 * 2 * 2, 8, { dtype, generator: g }),
      new LayerNorm(8, { dtype }), new GELU(), new Dropout(0.3, { generator: g }), new Linear(8, 3, { dtype, generator: g }), new LogSoftmax(1),
    ),
    inputs: (g) => [randn([3, 1, 12, 12], { dtype, generator: g })],
    trainSteps: 2,
  },
  // The sequence layers (outputs flattened and concatenated, as the script's flat_output records PyTorch's).
  rnn_relu_2layers_bidirectional: {
    make: (g) => shaken(new RNN(3, 4, { numLayers: 2, nonlinearity: 'relu', bidirectional: true, dtype, generator: g }), g),
    inputs: (g) => [randn([5, 2, 3], { dtype, generator: g }), randn([4, 2, 4], { dtype, generator: g })],
    trainSteps: 0,
  },
  lstm_2layers_bidirectional: {
    make: (g) => shaken(new LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true, dtype, generator: g }), g),
    inputs: (g) => [randn([2, 5, 3], { dtype, generator: g })],
    trainSteps: 0,
  },
  lstm_proj_2layers_bidirectional: {
    make: (g) => shaken(new LSTM(3, 5, { numLayers: 2, bidirectional: true, projSize: 2, dtype, generator: g }), g),
    inputs: (g) => [randn([5, 2, 3], { dtype, generator: g })],
    trainSteps: 0,
  },
  gru_2layers_bidirectional: {
    make: (g) => shaken(new GRU(3, 4, { numLayers: 2, bidirectional: true, dtype, generator: g }), g),
    inputs: (g) => [randn([5, 2, 3], { dtype, generator: g }), randn([4, 2, 4], { dtype, generator: g })],
    trainSteps: 0,
  },
  multihead_attention: {
    make: (g) => shaken(new MultiheadAttention(8, 2, { batchFirst: true, dtype, generator: g }), g),
    inputs: (g) => [randn([2, 4, 8], { dtype, generator: g }), randn([2, 6, 8], { dtype, generator: g }), randn([2, 6, 8], { dtype, generator: g })],
    trainSteps: 0,
  },
  multihead_attention_kdim_vdim: {
    make: (g) => shaken(new MultiheadAttention(8, 2, { kdim: 6, vdim: 5, dtype, generator: g }), g),
    inputs: (g) => [randn([4, 2, 8], { dtype, generator: g }), randn([6, 2, 6], { dtype, generator: g }), randn([6, 2, 5], { dtype, generator: g })],
    trainSteps: 0,
  },
  transformer_encoder_layer: {
    make: (g) => shaken(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dtype, generator: g }), g),
    inputs: (g) => [randn([5, 2, 8], { dtype, generator: g })],
    trainSteps: 0,
  },
  transformer_encoder_pre_norm_gelu: {
    make: (g) => shaken(new TransformerEncoder(
      new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu', batchFirst: true, normFirst: true, dtype, generator: g }), 2,
      { norm: new LayerNorm(8, { dtype }) },
    ), g),
    inputs: (g) => [randn([2, 5, 8], { dtype, generator: g })],
    trainSteps: 0,
  },
};

/** Every parameter nudged (attention's zero biases, an encoder's equal layer copies), when seeded. */
function shaken<M extends AnyModule>(m: M, g: Generator | undefined): M {
  if (g !== undefined) noGrad(() => m.parameters().forEach((p) => p.add_(randn(p.shape, { dtype, generator: g }).mul(0.05))));
  return m;
}

interface TorchRecord { keys: string[]; inputs: FixtureTensor[]; output: FixtureTensor }
interface CheckRecord {
  loaded: boolean;
  missing: string[];
  unexpected: string[];
  error: string | null;
  fileDtypes: Record<string, string>;
  torchDtypes: Record<string, string>;
  state: Record<string, number[]>;
  inputs: FixtureTensor[];
  output: FixtureTensor;
}

/** The fixture script's digest(): Σv, Σ|v|, Σ v·((i mod 7) − 3) over the row-major values. */
function digest(t: Tensor): number[] {
  const v = Array.from(t.toTypedArray() as ArrayLike<number>, Number);
  return [v.reduce((s, x) => s + x, 0), v.reduce((s, x) => s + Math.abs(x), 0), v.reduce((s, x, i) => s + x * ((i % 7) - 3), 0)];
}
/** Digests agree up to summation order: each sum within 1e-12 of the values' total magnitude. */
function expectSameDigest(t: Tensor, want: number[], label: string): void {
  const got = digest(t);
  const scale = Math.max(1, got[1]!);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${label} digest ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-12 * scale));
}

const fromInput = (t: FixtureTensor): Tensor => fromFixture(t);
/** The eval output as one tensor: a returned array's tensors (nested, nulls left out) flattened and concatenated. */
const run = (m: AnyModule, inputs: Tensor[]): Tensor => {
  const y = (m.forward as (...xs: Tensor[]) => unknown)(...inputs);
  if (y instanceof Tensor) return y;
  const parts: Tensor[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Tensor) parts.push(v.flatten());
    else if (Array.isArray(v)) v.forEach(walk);
  };
  walk(y);
  return cat(parts, 0);
};

/** A seeded Tensile model with random affine values and running statistics from `trainSteps` batches. */
function tensileModel(c: Case, seed: number): AnyModule {
  const g = new Generator(seed);
  const m = c.make(g);
  for (const sub of m.modules()) {
    if ((sub instanceof BatchNorm1d || sub instanceof BatchNorm2d || sub instanceof LayerNorm) && sub.weight && sub.bias) {
      init.uniform_(sub.weight, 0.5, 1.5, { generator: g });
      init.uniform_(sub.bias, -0.5, 0.5, { generator: g });
    }
  }
  m.train();
  for (let i = 0; i < c.trainSteps; i++) run(m, c.inputs(g).map((x) => x.mul(2).add(1)));
  return m.eval();
}

describe('PyTorch → Tensile: PyTorch state dicts load with strict checking and no renaming', () => {
  const records = loadJson<Record<string, TorchRecord>>('interop/torch.json');
  test('every case has a fixture', () => expect(Object.keys(records).sort()).toEqual(Object.keys(CASES).sort()));
  for (const [name, c] of Object.entries(CASES)) {
    test(name, () => {
      const rec = records[name]!;
      const { tensors } = loadSafetensors(readFileSync(fixturePath(`interop/torch-${name}.safetensors`)));
      expect([...tensors.keys()]).toEqual(rec.keys);
      const model = c.make();
      expect([...model.stateDict().keys()], 'Tensile names its state as PyTorch does, in the same order').toEqual(rec.keys);
      expect(model.loadStateDict(tensors, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [], renamedKeys: [] });
      for (const [k, t] of model.stateDict()) expectAllClose(t, tensors.get(k)!, { rtol: 0, atol: 0, label: k });
      expectAllClose(run(model.eval(), rec.inputs.map(fromInput)), rec.output, { rtol: 1e-10, atol: 1e-10, label: `${name} eval output` });
    });
  }
});

describe('Tensile → PyTorch: Tensile files load into PyTorch with load_state_dict(strict=True)', () => {
  const seeds = Object.keys(CASES);
  for (const [name, c] of Object.entries(CASES)) {
    const model = tensileModel(c, 100 + seeds.indexOf(name));
    const bytes = saveSafetensors(model.stateDict());
    const path = fixturePath(`interop/tensile-${name}.safetensors`);
    if (process.env.UPDATE_TENSILE_FIXTURES === '1') writeFileSync(path, bytes);
    test(name, () => {
      expect(Buffer.from(bytes).equals(readFileSync(path)), 'the writer still produces the committed file byte for byte').toBe(true);
      const check = loadJson<Record<string, CheckRecord>>('interop/tensile-check.json')[name]!;
      expect({ loaded: check.loaded, missing: check.missing, unexpected: check.unexpected, error: check.error }).toEqual({ loaded: true, missing: [], unexpected: [], error: null });
      // What PyTorch holds after the load is what Tensile wrote (int32 counters become PyTorch's int64).
      expect(Object.keys(check.state)).toEqual([...model.stateDict().keys()]);
      for (const [k, t] of model.stateDict()) {
        expect(check.fileDtypes[k]).toBe(t.dtype === 'int32' ? 'I32' : 'F64');
        expect(check.torchDtypes[k]).toBe(t.dtype === 'int32' ? 'int64' : 'float64');
        expectSameDigest(t, check.state[k]!, k);
      }
      expectAllClose(run(model, check.inputs.map(fromInput)), check.output, { rtol: 1e-10, atol: 1e-10, label: `${name} eval output` });
    });
  }
});
