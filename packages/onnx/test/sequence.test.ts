// The sequence layers exported and run in ONNX Runtime (onnxruntime-node, its bundled CPU library): every
// output (the output sequence, the final states, the attention weights) within 1e-5 of Tensile's eval
// outputs in float32, at the example's sizes and at another batch size and, where the length is dynamic,
// another length. The files are committed like export.test.ts's and checked by ONNX's checker in the
// fixture script (onnx-checker.json). Regenerate with UPDATE_ONNX_FIXTURES=1.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Flatten, LSTM, LayerNorm, Linear, Module, MultiheadAttention, Sequential, TransformerEncoder, TransformerEncoderLayer } from '@tensile/nn';
import { Tensor, randn } from '@tensile/tensor';
import { OnnxExportError, exportOnnx, type ExampleInput } from '../src/index.js';
import { SEQUENCE_CASES } from './sequence-cases.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const flat = (v: unknown): Tensor[] => (v instanceof Tensor ? [v] : Array.isArray(v) ? v.flatMap(flat) : []);
const ortTensor = (t: Tensor) => {
  if (t.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(t.toTypedArray() as ArrayLike<number>, Number), [...t.shape]);
  return new ort.Tensor(t.dtype === 'int32' ? 'int32' : 'float32', t.toTypedArray() as Float32Array | Int32Array, [...t.shape]);
};

/** max |ort − tensile| / max(1, |tensile|), and the largest absolute difference. */
function diff(got: ArrayLike<number>, want: Tensor): { rel: number; abs: number } {
  const w = want.toTypedArray() as Float32Array;
  expect(got.length).toBe(w.length);
  let rel = 0;
  let abs = 0;
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs(Number(got[i]) - w[i]!);
    rel = Math.max(rel, d / Math.max(1, Math.abs(w[i]!)));
    abs = Math.max(abs, d);
  }
  return { rel, abs };
}

const figures: Record<string, number> = {};

describe('sequence layers exported run in ONNX Runtime with Tensile’s outputs', () => {
  for (const [name, c] of Object.entries(SEQUENCE_CASES)) {
    it(name, async () => {
      const [n0, t0] = c.sizes[0]!;
      const example = c.args(n0, t0);
      const bytes = exportOnnx(c.model, example, c.options);
      if (process.env.UPDATE_ONNX_FIXTURES === '1') writeFileSync(fixture(`${name}.onnx`), bytes);
      expect(Buffer.from(bytes).equals(readFileSync(fixture(`${name}.onnx`))), 'the exporter still writes the committed file').toBe(true);
      const session = await ort.InferenceSession.create(bytes);
      const inputNames = c.options.inputNames ?? ['input'];
      const outputNames = c.options.outputNames ?? ['output'];
      expect([session.inputNames, session.outputNames]).toEqual([inputNames, outputNames]);
      let worst = 0;
      for (const [n, t] of c.sizes) {
        const args = n === n0 && t === t0 ? example : c.args(n, t);
        const want = flat((c.model.forward as (...a: unknown[]) => unknown)(...(args as unknown[])));
        const feeds = Object.fromEntries(flat(args).map((x, i) => [inputNames[i]!, ortTensor(x)]));
        const got = await session.run(feeds);
        expect(want.length).toBe(outputNames.length);
        want.forEach((w, i) => {
          const o = got[outputNames[i]!]!;
          expect(o.dims, `${name} ${outputNames[i]} at batch ${n}, length ${t}`).toEqual(w.shape);
          const d = diff(o.data as Float32Array, w);
          expect(d.rel, `${name} ${outputNames[i]} at batch ${n}, length ${t}`).toBeLessThanOrEqual(1e-5);
          worst = Math.max(worst, d.abs);
        });
      }
      figures[name] = worst;
    });
  }

  it('reports the largest absolute differences', () => {
    // Printed for the record (the assertions above are relative, at 1e-5).
    console.log(Object.entries(figures).map(([k, v]) => `${k}: ${v.toExponential(2)}`).join('\n'));
    expect(Object.keys(figures).length).toBe(Object.keys(SEQUENCE_CASES).length);
  });
});

describe("ONNX's checker accepts the sequence layers' files", () => {
  it('has a valid verdict with the symbolic batch and length dimensions for each file', () => {
    const record = JSON.parse(readFileSync(fixture('onnx-checker.json'), 'utf8')) as {
      files: Record<string, { valid: boolean; error: string | null; opset: number; inputs: string[]; outputs: string[]; ops: string[]; inputShapes: (string | number)[][]; outputShapes: (string | number)[][] }>;
    };
    for (const [name, c] of Object.entries(SEQUENCE_CASES)) {
      const v = record.files[`${name}.onnx`];
      expect(v, name).toMatchObject({ valid: true, error: null, opset: 17, inputs: c.options.inputNames ?? ['input'], outputs: c.options.outputNames ?? ['output'] });
    }
    const f = record.files;
    expect(f['lstm_2layers_bidirectional_hx.onnx']).toMatchObject({
      inputShapes: [['sequence', 'batch', 4], [4, 'batch', 5], [4, 'batch', 5]],
      outputShapes: [['sequence', 'batch', 10], [4, 'batch', 5], [4, 'batch', 5]],
    });
    expect(f['lstm_2layers_bidirectional_hx.onnx']!.ops).toContain('LSTM');
    expect(f['gru_no_bias.onnx']!.ops).toContain('GRU');
    expect(f['rnn_relu_bidirectional_batch_first.onnx']!.ops).toContain('RNN');
    expect(f['mha_cross_weights.onnx']).toMatchObject({ outputShapes: [['target', 'batch', 8], ['batch', 'target', 'source']] });
    // addBiasKv and addZeroAttn: the weights have the appended source positions on a dimension of their own.
    expect(f['mha_bias_kv_zero_attn_cross_masks.onnx']).toMatchObject({
      inputShapes: [['target', 'batch', 8], ['source', 'batch', 6], ['source', 'batch', 5], ['batch', 'source'], ['target', 'source']],
      outputShapes: [['target', 'batch', 8], ['batch', 2, 'target', 'weights_dim3']],
    });
    expect(f['mha_bias_kv_zero_attn_cross_masks.onnx']!.ops).toEqual(expect.arrayContaining(['Expand', 'Concat', 'Cast', 'Where']));
    expect(f['mha_bias_kv_causal_batch_first.onnx']).toMatchObject({ outputShapes: [['batch', 'sequence', 8], ['batch', 'sequence', 'weights_dim2']] });
    expect(f['char_lstm.onnx']).toMatchObject({ inputShapes: [['batch', 'sequence']], outputShapes: [['batch', 'sequence', 27]] });
    expect(f['char_transformer.onnx']).toMatchObject({ inputShapes: [['batch', 12]], outputShapes: [['batch', 12, 27]] });
  });
});

describe('what the sequence layers cannot export is an error naming the option and the module', () => {
  it('LSTM projSize', () => {
    class Tagger extends Module {
      lstm = new LSTM(3, 6, { projSize: 2 });
      head = new Linear(2, 4);
      forward(x: Tensor): Tensor {
        return this.head.forward(this.lstm.forward(x)[0]);
      }
    }
    expect(() => exportOnnx(new Tagger(), randn([5, 2, 3]))).toThrow(OnnxExportError);
    expect(() => exportOnnx(new Tagger(), randn([5, 2, 3]))).toThrow(/^exportOnnx: module "lstm" \(LSTM\) cannot be exported: projSize 2: ONNX's LSTM has no projection/);
  });

  it('unbatched input to a recurrent layer or to attention', () => {
    expect(() => exportOnnx(new LSTM(3, 4), randn([5, 3]), { dynamicBatch: false })).toThrow(/the model \(LSTM\) cannot be exported: an unbatched 2-d input/);
    const mha = new MultiheadAttention(4, 2);
    expect(() => exportOnnx(mha, [randn([3, 4]), randn([3, 4]), randn([3, 4])], { dynamicBatch: false })).toThrow(/MultiheadAttention\) cannot be exported: an unbatched 2-d query/);
  });

  it('a length frozen into the graph is refused when that axis is declared dynamic', () => {
    class Positions extends Module {
      pos = randn([10, 4]);
      forward(x: Tensor): Tensor {
        return x.add(this.pos.narrow(0, 0, x.shape[1]!));
      }
    }
    expect(() => exportOnnx(new Positions(), randn([2, 6, 4]), { dynamicAxes: { input: { 0: 'batch', 1: 'sequence' } } })).toThrow(
      /the graph changes with the size of the dynamic axes \(batch: 2 and 3, sequence: 6 and 5\)/,
    );
    // With the length fixed it exports.
    expect(exportOnnx(new Positions(), randn([2, 6, 4]), { dynamicAxes: { input: { 0: 'batch' } } }).length).toBeGreaterThan(0);
    // A slice of a parameter to the traced length (the transformer's position table) likewise.
    const lm = SEQUENCE_CASES.char_transformer!;
    expect(() => exportOnnx(lm.model, lm.args(2, 12), { dynamicAxes: { input: { 0: 'batch', 1: 'sequence' } } })).toThrow(/the graph changes with the size of the dynamic axes \(batch: 2 and 3, sequence: 12 and 11\)/);
  });

  it('dynamicAxes keep a reshape that merges the batch general', async () => {
    // [N, T, 4] → Flatten(0, 1) → [N·T, 4] → Linear: the reshape's first dimension absorbs both.
    const model = new Sequential(new Flatten(0, 1), new Linear(4, 3)).eval();
    const bytes = exportOnnx(model, randn([2, 5, 4]), { dynamicAxes: { input: { 0: 'batch', 1: 'sequence' } } });
    const session = await ort.InferenceSession.create(bytes);
    const x = randn([3, 7, 4]);
    const got = (await session.run({ input: ortTensor(x) })).output!;
    expect(got.dims).toEqual([21, 3]);
    expect(diff(got.data as Float32Array, model.forward(x)).rel).toBeLessThanOrEqual(1e-5);
  });

  it('bad dynamicAxes and output names are rejected', () => {
    const enc = new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 1, { norm: new LayerNorm(4) });
    const x: ExampleInput = randn([3, 2, 4]);
    expect(() => exportOnnx(enc, x, { dynamicAxes: { src: { 0: 'sequence' } } })).toThrow(/dynamicAxes names the input "src", which is not one of the inputs \(input\)/);
    expect(() => exportOnnx(enc, x, { dynamicAxes: { input: { 3: 'x' } } })).toThrow(/names axis 3, but that input has 3 dimension/);
    expect(() => exportOnnx(new LSTM(4, 3), x, { outputNames: ['y'] })).toThrow(/the model returns 3 tensor\(s\), so outputNames must be 3/);
    expect(() => exportOnnx(new LSTM(4, 3), x, { outputName: 'y' })).toThrow(/outputNames must be 3/);
    expect(() => exportOnnx(enc, x, { dynamicBatch: true, dynamicAxes: { input: { 1: 'batch' } } })).toThrow(/pass dynamicBatch or dynamicAxes, not both/);
  });
});
