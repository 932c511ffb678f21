// Every exported model runs in ONNX Runtime (onnxruntime-node, its bundled CPU library) and gives Tensile's
// eval outputs within 1e-5 in float32, at the example's batch size and at another one. The files are also
// committed (test/fixtures/*.onnx, byte for byte what the exporter writes now) so the fixture script can
// run ONNX's own checker on them: onnx-checker.json holds its verdicts, which this suite requires.
// Regenerate with UPDATE_ONNX_FIXTURES=1, then rerun tools/fixtures/make_interop_fixtures.py.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, ELU, Embedding, Flatten, GELU, LayerNorm, LeakyReLU,
  Linear, LogSoftmax, MaxPool2d, Module, Parameter, ReLU, Sequential, Sigmoid, Softmax, Softplus, Tanh, Unflatten, init,
  type AnyModule,
} from '@tensile/nn';
import { Generator, logSoftmax, randint, randn, relu, sigmoid, type Tensor } from '@tensile/tensor';
import { OnnxExportError, exportOnnx } from '../src/index.js';
import { SEQUENCE_CASES } from './sequence-cases.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const g = new Generator(17);
const f32 = (shape: number[]) => randn(shape, { generator: g });

/** The MLP of examples/mnist-mlp: Linear → relu → Dropout → Linear. */
class MLP extends Module {
  fc1 = new Linear(784, 128, { generator: g });
  dropout = new Dropout(0.2);
  fc2 = new Linear(128, 10, { generator: g });
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.dropout.forward(relu(this.fc1.forward(x))));
  }
}

/** The CNN of examples/mnist-cnn with batch norm and dropout (one MaxPool2d used twice). */
class CNN extends Module {
  conv1 = new Conv2d(1, 16, 5, { padding: 2, bias: false, generator: g });
  bn1 = new BatchNorm2d(16);
  conv2 = new Conv2d(16, 32, 5, { padding: 2, bias: false, generator: g });
  bn2 = new BatchNorm2d(32);
  pool = new MaxPool2d(2);
  flatten = new Flatten();
  dropout = new Dropout(0.25);
  fc1 = new Linear(32 * 7 * 7, 128, { generator: g });
  fc2 = new Linear(128, 10, { generator: g });
  forward(x: Tensor): Tensor {
    x = this.pool.forward(relu(this.bn1.forward(this.conv1.forward(x))));
    x = this.pool.forward(relu(this.bn2.forward(this.conv2.forward(x))));
    x = relu(this.fc1.forward(this.dropout.forward(this.flatten.forward(x))));
    return this.fc2.forward(this.dropout.forward(x));
  }
}

/** Ops between layers, written op by op: relu, sigmoid, scalar and tensor arithmetic, matmul, logSoftmax. */
class Glue extends Module {
  a = new Linear(4, 6, { generator: g });
  b = new Linear(4, 6, { generator: g });
  w = new Parameter(randn([6, 3], { generator: g }));
  forward(x: Tensor): Tensor {
    const h = relu(this.a.forward(x)).add(sigmoid(this.b.forward(x)).mul(0.5)).sub(1).div(3);
    return logSoftmax(h.matmul(this.w).tanh().reshape([-1, 3]).permute([1, 0]).permute([1, 0]), 1);
  }
}

/** Random affine values and running statistics from two training batches, so BatchNorm and LayerNorm matter. */
function settle(m: AnyModule, batch: () => Tensor): AnyModule {
  for (const sub of m.modules()) {
    if ((sub instanceof BatchNorm1d || sub instanceof BatchNorm2d || sub instanceof LayerNorm) && sub.weight && sub.bias) {
      init.uniform_(sub.weight, 0.5, 1.5, { generator: g });
      init.uniform_(sub.bias, -0.5, 0.5, { generator: g });
    }
  }
  m.train();
  for (let i = 0; i < 2; i++) (m.forward as (x: Tensor) => Tensor)(batch().mul(2).add(0.5));
  return m.eval();
}

interface Case { model: AnyModule; input: (n: number) => Tensor; batch: number; other: number }
const floatCase = (model: AnyModule, shape: number[], batch = 2, other = 5): Case => {
  const input = (n: number) => f32([n, ...shape]);
  return { model: settle(model, () => input(batch)), input, batch, other };
};

const CASES: Record<string, Case> = {
  mlp: floatCase(new MLP(), [784], 3, 7),
  cnn: floatCase(new CNN(), [1, 28, 28], 2, 3),
  conv_layers: floatCase(new Sequential(
    new Conv2d(3, 8, 3, { padding: 1, generator: g }), new BatchNorm2d(8), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 }),
    new Conv2d(8, 8, 3, { groups: 2, dilation: 2, padding: 'same', bias: false, generator: g }), new BatchNorm2d(8, { affine: false }), new ELU(0.5),
    new Conv2d(8, 6, 2, { stride: 2, generator: g }), new MaxPool2d(2, { stride: 1, dilation: 2 }),
    new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), new AvgPool2d(2, { stride: 1 }), new AdaptiveAvgPool2d(2),
    new Flatten(), new Linear(24, 10, { generator: g }), new LogSoftmax(1),
  ), [3, 28, 28]),
  global_pool: floatCase(new Sequential(new Conv2d(2, 4, 3, { generator: g }), new AdaptiveAvgPool2d(1), new Flatten(), new Softmax(-1)), [2, 7, 7], 4, 1),
  dense_layers: floatCase(new Sequential(
    new Linear(6, 8, { generator: g }), new LayerNorm(8), new GELU(), new Dropout(0.5), new Linear(8, 8, { generator: g }), new LeakyReLU(0.2),
    new BatchNorm1d(8), new GELU({ approximate: 'tanh' }), new Softplus({ beta: 2, threshold: 1 }), new Linear(8, 8, { generator: g }), new Softplus(),
    new Sigmoid(), new Linear(8, 5, { generator: g }), new Tanh(), new Softmax(1),
  ), [6], 4, 9),
  sequence_shapes: floatCase(new Sequential(
    new Linear(5, 4, { generator: g }), new LayerNorm([3, 4], { bias: false }), new Flatten(), new Unflatten(1, [4, 3]), new BatchNorm1d(4),
    new Flatten(0, 1), new ReLU(), new Linear(3, 2, { generator: g }),
  ), [3, 5], 2, 6),
  glue_ops: floatCase(new Glue(), [4], 3, 8),
  embedding: {
    model: new Sequential(new Embedding(10, 4, { generator: g }), new Flatten(), new Linear(12, 3, { generator: g }), new LogSoftmax(1)).eval(),
    input: (n) => randint(0, 10, [n, 3], { generator: g }),
    batch: 2,
    other: 5,
  },
};

const ortTensor = (t: Tensor) => new ort.Tensor(t.dtype === 'int32' ? 'int32' : 'float32', t.toTypedArray() as Float32Array | Int32Array, [...t.shape]);

/** max |ort − tensile| / max(1, |tensile|) */
function worst(got: ArrayLike<number>, want: Tensor): number {
  const w = want.toTypedArray() as Float32Array;
  expect(got.length).toBe(w.length);
  let m = 0;
  for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(Number(got[i]) - w[i]!) / Math.max(1, Math.abs(w[i]!)));
  return m;
}

describe('exported models run in ONNX Runtime with Tensile’s outputs', () => {
  it('loads onnxruntime-node’s bundled CPU library', () => {
    expect(ort.env.versions.node).toMatch(/^1\.\d+\.\d+$/);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const example = c.input(c.batch);
      const bytes = exportOnnx(c.model, example);
      if (process.env.UPDATE_ONNX_FIXTURES === '1') writeFileSync(fixture(`${name}.onnx`), bytes);
      expect(Buffer.from(bytes).equals(readFileSync(fixture(`${name}.onnx`))), 'the exporter still writes the committed file').toBe(true);
      const session = await ort.InferenceSession.create(bytes);
      expect([session.inputNames, session.outputNames]).toEqual([['input'], ['output']]);
      for (const n of [c.batch, c.other]) {
        const x = n === c.batch ? example : c.input(n);
        const want = (c.model.forward as (x: Tensor) => Tensor)(x);
        const got = (await session.run({ input: ortTensor(x) })).output!;
        expect(got.dims, `${name} at batch ${n}`).toEqual(want.shape);
        expect(worst(got.data as Float32Array, want), `${name} at batch ${n}`).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});

describe("ONNX's checker accepts every exported file", () => {
  it('has a valid verdict for each committed file, with opset 17 and named inputs and outputs', () => {
    const record = JSON.parse(readFileSync(fixture('onnx-checker.json'), 'utf8')) as {
      onnx: string;
      files: Record<string, {
        valid: boolean; error: string | null; opset: number; inputs: string[]; outputs: string[]; ops: string[];
        inputShapes: (string | number)[][]; outputShapes: (string | number)[][];
      }>;
    };
    const files = readdirSync(fileURLToPath(new URL('./fixtures/', import.meta.url))).filter((f) => f.endsWith('.onnx')).sort();
    // This suite's files and sequence.test.ts's (which checks its own verdicts' names and shapes).
    expect(files).toEqual([...Object.keys(CASES), ...Object.keys(SEQUENCE_CASES)].map((n) => `${n}.onnx`).sort());
    expect(Object.keys(record.files).sort()).toEqual(files);
    for (const f of Object.keys(CASES).map((n) => `${n}.onnx`)) {
      expect(record.files[f], f).toMatchObject({ valid: true, error: null, opset: 17, inputs: ['input'], outputs: ['output'] });
      // The batch dimension is symbolic on both ends; the others are the example's.
      expect(record.files[f]!.inputShapes[0]![0], f).toBe('batch');
      expect(record.files[f]!.outputShapes[0]![0], f).toBe(f === 'sequence_shapes.onnx' ? 'output_dim0' : 'batch'); // Flatten(0, 1) merges the batch
    }
    expect(record.files['mlp.onnx']).toMatchObject({ inputShapes: [['batch', 784]], outputShapes: [['batch', 10]] });
    expect(record.files['cnn.onnx']!.ops).toEqual(['BatchNormalization', 'Conv', 'Flatten', 'Gemm', 'Identity', 'MaxPool', 'Relu']);
  });
});

describe('what cannot be exported is an error that names it', () => {
  class Summer extends Module {
    forward(x: Tensor): Tensor {
      return x.sum(1, true);
    }
  }

  it('an op with no mapping names the op and the module path', () => {
    const model = new Sequential(new Linear(3, 4), new Summer());
    expect(() => exportOnnx(model, randn([2, 3]))).toThrow(OnnxExportError);
    expect(() => exportOnnx(model, randn([2, 3]))).toThrow(/no ONNX mapping for the op "sum" in the forward of module "1" \(Summer\)/);
  });

  it('a value computed from the input outside the autograd graph, or randomness in forward, is refused, not frozen', () => {
    class Masked extends Module {
      fc = new Linear(3, 3);
      forward(x: Tensor): Tensor {
        return this.fc.forward(x).mul(x.gt(0).to('float32')); // gt records no node: the mask would be a constant
      }
    }
    expect(() => exportOnnx(new Masked(), randn([2, 3]))).toThrow(/the traced graph depends on the input's values \(a tensor of shape \[2, 3\] read by op "mul" changed with the input\)/);
    class Noisy extends Module {
      fc = new Linear(3, 3);
      forward(x: Tensor): Tensor {
        return this.fc.forward(x).add(randn([3]));
      }
    }
    expect(() => exportOnnx(new Noisy(), randn([2, 3]))).toThrow(OnnxExportError);
    class Branchy extends Module {
      fc = new Linear(3, 3);
      forward(x: Tensor): Tensor {
        const y = this.fc.forward(x);
        return x.sum().item() > 0 ? y.tanh() : y.sigmoid();
      }
    }
    // The check traces again on fixed random values whose sum is negative; the example's sum is positive.
    const x = randn([2, 3], { generator: new Generator(1) });
    expect(() => exportOnnx(new Branchy(), x.sum().item() > 0 ? x : x.neg())).toThrow(/became op "sigmoid"|became op "tanh"/);
  });

  it('a module with no ONNX equivalent names the module', () => {
    const model = new Sequential(new Linear(3, 4), new BatchNorm1d(4, { trackRunningStats: false }));
    expect(() => exportOnnx(model, randn([2, 3]))).toThrow(/^exportOnnx: module "1" \(BatchNorm1d\) cannot be exported: without running statistics/);
    const avg = new Sequential(new AvgPool2d(2, { divisorOverride: 3 }));
    expect(() => exportOnnx(avg, randn([1, 1, 4, 4]))).toThrow(/module "0" \(AvgPool2d\) cannot be exported: divisorOverride 3/);
  });

  it('a subclass that overrides forward is traced, not written as its parent', async () => {
    class Doubled extends Linear {
      override forward(x: Tensor): Tensor {
        return super.forward(x).mul(2);
      }
    }
    const m = new Doubled(3, 2, { generator: g });
    const x = randn([4, 3], { generator: g });
    const session = await ort.InferenceSession.create(exportOnnx(m, x));
    const got = (await session.run({ input: ortTensor(x) })).output!;
    expect(worst(got.data as Float32Array, m.forward(x))).toBeLessThanOrEqual(1e-5);
  });

  it('bad arguments are rejected; the model’s modes and fields are as they were', () => {
    const model = new Sequential(new Linear(3, 4), new Dropout(0.5)).train();
    expect(() => exportOnnx(model, randn([2, 3]), { opset: 13 } as never)).toThrow(/exportOnnx: unknown option "opset"/);
    expect(() => exportOnnx(model, randn([2, 3]), { inputNames: ['a', 'b'] })).toThrow(/inputNames must be 1 non-empty string/);
    expect(() => exportOnnx({} as never, randn([2, 3]))).toThrow(/model must be a Module/);
    exportOnnx(model, randn([2, 3]));
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(model.modules().every((m) => !Object.hasOwn(m, 'forward'))).toBe(true);
    expect([...model.stateDict().keys()]).toEqual(['0.weight', '0.bias']);
  });

  it('names the inputs and output, and keeps a fixed batch when asked', async () => {
    const model = new Linear(3, 2).eval();
    const bytes = exportOnnx(model, randn([4, 3]), { inputNames: ['features'], outputName: 'logits', dynamicBatch: false });
    const session = await ort.InferenceSession.create(bytes);
    expect([session.inputNames, session.outputNames]).toEqual([['features'], ['logits']]);
    await expect(session.run({ features: ortTensor(randn([5, 3])) })).rejects.toThrow(/dimension|Got invalid dimensions/i);
  });
});
