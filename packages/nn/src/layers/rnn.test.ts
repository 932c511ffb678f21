// Recurrent layers and cells: finite-difference gradient checks (first and second order) on every backend,
// dropout between layers, PyTorch's parameter names, and the argument and shape errors. PyTorch parity of
// values and gradients is in test/rnn-parity.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DTypeError, Generator, ShapeError, enableGrad, grad, gradcheck, listBackends, randn, setBackend, tensor, type AnyBackend, type Tensor,
} from '@tensile/tensor';
import { dropout } from '../functional.js';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from '../index.js';
import type { AnyModule } from '../module.js';

const dtype = 'float64';
const g = new Generator(11);
const f64 = (shape: number[], requiresGrad = true): Tensor => randn(shape, { dtype, generator: g, requiresGrad });
const params = (m: AnyModule): Tensor[] => m.parameters();
/** Every output of a layer or cell as a flat list (for gradcheck). */
const flat = (r: unknown): Tensor[] => (Array.isArray(r) ? (r as unknown[]).flatMap(flat) : [r as Tensor]);
const run = (m: AnyModule, x: Tensor, hx?: unknown): Tensor[] => flat((m.forward as (x: Tensor, h?: unknown) => unknown)(x, hx));

describe.each(listBackends())('gradients by finite differences (backend %s)', (backend) => {
  let prev: AnyBackend;
  beforeAll(() => {
    prev = setBackend(backend);
  });
  afterAll(() => {
    setBackend(prev);
  });

  const layers: [string, () => AnyModule, number[], (() => unknown) | null][] = [
    ['RNN tanh, 2 layers, bidirectional', () => new RNN(2, 3, { numLayers: 2, bidirectional: true, dtype, generator: g }), [3, 2, 2], () => f64([4, 2, 3])],
    ['RNN relu, batchFirst', () => new RNN(2, 3, { nonlinearity: 'relu', batchFirst: true, dtype, generator: g }), [2, 3, 2], null],
    ['LSTM, 2 layers, bidirectional', () => new LSTM(2, 2, { numLayers: 2, bidirectional: true, dtype, generator: g }), [3, 1, 2], () => [f64([4, 1, 2]), f64([4, 1, 2])]],
    ['LSTM with projection', () => new LSTM(2, 3, { projSize: 2, numLayers: 2, dtype, generator: g }), [3, 2, 2], () => [f64([2, 2, 2]), f64([2, 2, 3])]],
    ['LSTM unbatched, no bias', () => new LSTM(2, 3, { bias: false, dtype, generator: g }), [3, 2], () => [f64([1, 3]), f64([1, 3])]],
    ['GRU, 2 layers, bidirectional, batchFirst', () => new GRU(2, 2, { numLayers: 2, bidirectional: true, batchFirst: true, dtype, generator: g }), [1, 3, 2], () => f64([4, 1, 2])],
    ['GRU unbatched', () => new GRU(2, 3, { dtype, generator: g }), [3, 2], null],
    ['RNNCell', () => new RNNCell(2, 3, { dtype, generator: g }), [2, 2], () => f64([2, 3])],
    ['RNNCell relu, unbatched', () => new RNNCell(2, 3, { nonlinearity: 'relu', dtype, generator: g }), [2], null],
    ['LSTMCell', () => new LSTMCell(2, 3, { dtype, generator: g }), [2, 2], () => [f64([2, 3]), f64([2, 3])]],
    ['GRUCell', () => new GRUCell(2, 3, { dtype, generator: g }), [2, 2], () => f64([2, 3])],
  ];

  test.each(layers)('%s: input, initial state and every parameter', (_name, make, inShape, makeHx) => {
    const m = make();
    const x = f64(inShape);
    const hx = makeHx?.() ?? undefined;
    const states = hx === undefined ? [] : flat(hx);
    const fn = (xx: Tensor, ...rest: Tensor[]): Tensor[] => {
      const h = rest.slice(0, states.length);
      return run(m, xx, h.length === 0 ? undefined : h.length === 1 ? h[0] : h);
    };
    expect(gradcheck(fn, [x, ...states, ...params(m)])).toBe(true);
  });

  test.each([
    ['LSTM', () => new LSTM(2, 2, { bidirectional: true, dtype, generator: g })],
    ['LSTM with projection', () => new LSTM(2, 3, { projSize: 1, dtype, generator: g })],
    ['GRU', () => new GRU(2, 2, { dtype, generator: g })],
    ['RNN', () => new RNN(2, 2, { dtype, generator: g })],
  ] as const)('%s: second order (the gradient of the gradient)', (_name, make) => {
    const m = make();
    const x = f64([3, 1, 2]);
    const w = params(m)[1]!; // weight_hh_l0
    const v = f64([3, 1, m instanceof LSTM && m.projSize > 0 ? 1 : 2 * (m as RNN).numDirections], false);
    // gradcheck evaluates fn without recording, so fn turns recording back on to take its gradient.
    const firstGrad = (xx: Tensor, ww: Tensor): Tensor[] => enableGrad(() => {
      void ww;
      const [out] = run(m, xx);
      return grad(out!.mul(v).sum().square(), [xx, w], { createGraph: true }) as Tensor[];
    });
    expect(gradcheck(firstGrad, [x, w])).toBe(true);
  });
});

describe('dropout between layers', () => {
  const x = randn([5, 2, 3], { dtype, generator: new Generator(3) });

  test('is drawn from the layer generator, between layers only, and off in eval mode', () => {
    const gen = new Generator(7);
    const lstm = new LSTM(3, 4, { numLayers: 2, dropout: 0.5, dtype, generator: gen });
    const state = gen.getState();
    const [yTrain, [hTrain]] = lstm.forward(x);
    // The same computation by hand: layer 0, the dropout mask from the generator in the same state, layer 1.
    const l0 = new LSTM(3, 4, { dtype });
    const l1 = new LSTM(4, 4, { dtype });
    const sd = lstm.stateDict();
    l0.loadStateDict(Object.fromEntries([...sd].filter(([k]) => k.endsWith('_l0')).map(([k, t]) => [k, t])));
    l1.loadStateDict(Object.fromEntries([...sd].filter(([k]) => k.endsWith('_l1')).map(([k, t]) => [k.replace('_l1', '_l0'), t])));
    gen.setState(state);
    const [y0, [h0]] = l0.forward(x);
    const [y1, [h1]] = l1.forward(dropout(y0, 0.5, { training: true, generator: gen }));
    expect(yTrain.toArray()).toEqual(y1.toArray());
    expect(hTrain.toArray()).toEqual([...h0.toArray() as number[][], ...h1.toArray() as number[][]]);

    // Eval mode: no dropout, so the layers compose plainly.
    lstm.eval();
    const [yEval] = lstm.forward(x);
    expect(yEval.toArray()).toEqual(l1.forward(y0)[0].toArray());
    expect(yEval.toArray()).not.toEqual(yTrain.toArray());
  });

  test('is reproducible from a seed and differs between calls', () => {
    const make = () => new GRU(3, 4, { numLayers: 3, dropout: 0.3, dtype, generator: new Generator(5) });
    const [a, b] = [make(), make()];
    const ya = a.forward(x)[0];
    expect(ya.toArray()).toEqual(b.forward(x)[0].toArray());
    expect(a.forward(x)[0].toArray()).not.toEqual(ya.toArray());
  });

  test('p = 1 zeroes the input of the next layer; one layer ignores dropout, as PyTorch', () => {
    const rnn = new RNN(3, 4, { numLayers: 2, dropout: 1, dtype });
    const top = new RNN(4, 4, { dtype });
    top.loadStateDict(Object.fromEntries([...rnn.stateDict()].filter(([k]) => k.endsWith('_l1')).map(([k, t]) => [k.replace('_l1', '_l0'), t])));
    expect(rnn.forward(x)[0].toArray()).toEqual(top.forward(x.mul(0).narrow(2, 0, 1).expand([5, 2, 4]))[0].toArray());
    const single = new RNN(3, 4, { dropout: 1, dtype, generator: new Generator(1) });
    const plain = new RNN(3, 4, { dtype, generator: new Generator(1) });
    expect(single.forward(x)[0].toArray()).toEqual(plain.forward(x)[0].toArray());
  });
});

describe('float32 and edge sizes', () => {
  test('float32 layers agree with the same layers in float64', () => {
    for (const make of [
      (d: 'float32' | 'float64') => new LSTM(3, 5, { numLayers: 2, bidirectional: true, dtype: d, generator: new Generator(9) }),
      (d: 'float32' | 'float64') => new LSTM(3, 5, { projSize: 2, dtype: d, generator: new Generator(9) }),
      (d: 'float32' | 'float64') => new GRU(3, 5, { bidirectional: true, dtype: d, generator: new Generator(9) }),
      (d: 'float32' | 'float64') => new RNN(3, 5, { nonlinearity: 'relu', dtype: d, generator: new Generator(9) }),
    ]) {
      const x64 = randn([6, 4, 3], { dtype, generator: new Generator(1), requiresGrad: true });
      const x32 = x64.detach().to('float32');
      x32.requiresGrad = true;
      const [m32, m64] = [make('float32'), make('float64')];
      const [y32, y64] = [run(m32, x32)[0]!, run(m64, x64)[0]!];
      y32.square().sum().backward();
      y64.square().sum().backward();
      const worst = (a: Tensor, b: Tensor) => Math.max(...Array.from(a.toTypedArray(), (v, i) => Math.abs(v - b.toTypedArray()[i]!)));
      expect(worst(y32, y64)).toBeLessThan(1e-5);
      expect(worst(x32.grad!, x64.grad!)).toBeLessThan(1e-4);
      expect(worst(m32.parameters()[1]!.grad!, m64.parameters()[1]!.grad!)).toBeLessThan(1e-4);
    }
  });

  test('an empty batch gives empty outputs and gradients, as in PyTorch', () => {
    const x = randn([4, 0, 3], { requiresGrad: true });
    const lstm = new LSTM(3, 2, { bidirectional: true });
    const [out, [h, c]] = lstm.forward(x);
    expect([out.shape, h.shape, c.shape]).toEqual([[4, 0, 4], [2, 0, 2], [2, 0, 2]]);
    out.sum().backward();
    expect(x.grad!.shape).toEqual([4, 0, 3]);
    expect(Array.from(lstm.weight_hh_l0!.grad!.toTypedArray())).toEqual(new Array(16).fill(0));
    expect(new GRU(3, 2).forward(randn([4, 0, 3]))[1].shape).toEqual([1, 0, 2]);
  });
});

describe('parameters', () => {
  test("PyTorch's names, shapes and order", () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, bidirectional: true, projSize: 2 });
    expect(lstm.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual(
      [0, 1].flatMap((l) => ['', '_reverse'].flatMap((s) => [
        `weight_ih_l${l}${s} 20x${l === 0 ? 3 : 4}`, `weight_hh_l${l}${s} 20x2`, `bias_ih_l${l}${s} 20`, `bias_hh_l${l}${s} 20`, `weight_hr_l${l}${s} 2x5`,
      ])),
    );
    expect(new GRU(3, 4, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(new GRUCell(3, 4).namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual(['weight_ih 12x3', 'weight_hh 12x4', 'bias_ih 12', 'bias_hh 12']);
  });

  test('start in U(±1/√hiddenSize), from the seeded generator', () => {
    const a = new LSTM(8, 16, { numLayers: 2, generator: new Generator(4) });
    const b = new LSTM(8, 16, { numLayers: 2, generator: new Generator(4) });
    const values = a.parameters().flatMap((p) => Array.from(p.toTypedArray()));
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.24);
    // Uniform: about half the mass within ±1/8.
    expect(values.filter((v) => Math.abs(v) < 0.125).length / values.length).toBeCloseTo(0.5, 1);
    expect(a.parameters().map((p) => p.toArray())).toEqual(b.parameters().map((p) => p.toArray()));
  });

  test('to(float64) replaces the parameters and the layer keeps working', () => {
    const lstm = new LSTM(3, 4).to('float64');
    expect(lstm.forward(randn([2, 3], { dtype }))[0].dtype).toBe('float64');
  });
});

describe('errors', () => {
  const lstm = new LSTM(3, 4, { numLayers: 2 });
  const x = randn([5, 2, 3]);

  test('bad input shapes name the layer and the shapes', () => {
    expect(() => lstm.forward(randn([5, 2, 6]))).toThrow(ShapeError);
    expect(() => lstm.forward(randn([5, 2, 6]))).toThrow(/^LSTM\(3, 4, num_layers=2\): expected the last dimension of the input to be 3 \(inputSize\), got input of shape \[5, 2, 6\]$/);
    expect(() => lstm.forward(randn([5, 2, 3, 1]))).toThrow(/expected a 3-d input \[T, N, features\] or an unbatched 2-d \[T, features\], got input of shape \[5, 2, 3, 1\]/);
    expect(() => new GRU(3, 4, { batchFirst: true }).forward(randn([3]))).toThrow(/expected a 3-d input \[N, T, features\]/);
    expect(() => lstm.forward(randn([0, 2, 3]))).toThrow(/the sequence is empty \(input of shape \[0, 2, 3\]\)/);
    expect(() => lstm.forward([1, 2, 3] as never)).toThrow(/LSTM\(3, 4, num_layers=2\): expected a Tensor input, got an array/);
  });

  test('bad initial states: shape, batch mismatch, unbatched, not a pair', () => {
    const h = randn([2, 2, 4]);
    expect(() => lstm.forward(x, [randn([1, 2, 4]), h])).toThrow(/expected h0 of shape \[2, 2, 4\] \(numLayers·numDirections, batch, 4\) for a batched input of batch size 2, got \[1, 2, 4\]/);
    expect(() => lstm.forward(x, [h, randn([2, 3, 4])])).toThrow(/expected c0 of shape \[2, 2, 4\] .* got \[2, 3, 4\]/);
    expect(() => lstm.forward(randn([5, 3]), [h, h])).toThrow(/expected h0 of shape \[2, 4\] \(numLayers·numDirections, 4\) for an unbatched 2-d input, got \[2, 2, 4\]/);
    expect(() => lstm.forward(x, h as never)).toThrow(TypeError);
    expect(() => lstm.forward(x, h as never)).toThrow(/hx must be a pair \[h, c\] of tensors/);
    expect(() => new GRU(3, 4).forward(x, randn([1, 3, 4]))).toThrow(/^GRU\(3, 4\): expected h0 of shape \[1, 2, 4\] .* got \[1, 3, 4\]$/);
    expect(() => new LSTM(3, 4, { projSize: 2 }).forward(x, [randn([1, 2, 4]), randn([1, 2, 4])])).toThrow(/expected h0 of shape \[1, 2, 2\]/);
    expect(() => new GRUCell(3, 4).forward(randn([2, 3]), randn([3, 4]))).toThrow(
      /^GRUCell\(3, 4\): expected hx of shape \[2, 4\] for an input of shape \[2, 3\], got \[3, 4\] \(the input's batch size is 2, hx's is 3\)$/,
    );
    expect(() => new LSTMCell(3, 4).forward(randn([3]), [randn([1, 4]), randn([1, 4])])).toThrow(/LSTMCell\(3, 4\): expected h of shape \[4\] for an input of shape \[3\], got \[1, 4\]/);
    expect(() => new RNNCell(3, 4).forward(randn([2, 5]))).toThrow(/^RNNCell\(3, 4\): expected an input \[N, 3\] or unbatched \[3\], got input of shape \[2, 5\]$/);
  });

  test('dtypes must match the parameters', () => {
    expect(() => lstm.forward(x.to('float64'))).toThrow(DTypeError);
    expect(() => lstm.forward(x.to('float64'))).toThrow(/the input is float64 but the layer's parameters are float32/);
    expect(() => lstm.forward(x, [randn([2, 2, 4], { dtype }), randn([2, 2, 4])])).toThrow(/LSTM\(3, 4, num_layers=2\): h0: the input is float64 but the layer's parameters are float32/);
    expect(() => new RNNCell(3, 4).forward(tensor([[1, 2, 3]], { dtype: 'int32' }))).toThrow(DTypeError);
  });

  test('options are checked', () => {
    expect(() => new LSTM(3, 4, { num_layers: 2 } as never)).toThrow(/LSTM.*num_layers/);
    expect(() => new RNN(3, 4, { projSize: 2 } as never)).toThrow(TypeError);
    expect(() => new GRU(3, 4, { nonlinearity: 'relu' } as never)).toThrow(/GRU.*nonlinearity/);
    expect(() => new LSTMCell(3, 4, { batchFirst: true } as never)).toThrow(/LSTMCell.*batchFirst/);
    expect(() => new RNN(3, 4, { nonlinearity: 'gelu' as never })).toThrow(/^RNN: nonlinearity must be 'tanh' or 'relu', got "gelu"$/);
    expect(() => new RNNCell(3, 4, { nonlinearity: 'sigmoid' as never })).toThrow(/^RNNCell: nonlinearity must be/);
    expect(() => new LSTM(3, 4, { dropout: 1.5 })).toThrow(/^LSTM: dropout must be a number in \[0, 1\] \(the probability of zeroing an element\), got 1\.5$/);
    expect(() => new LSTM(3, 4, { projSize: 4 })).toThrow(/^LSTM: projSize must be smaller than hiddenSize \(4\), got 4$/);
    expect(() => new LSTM(3, 4, { numLayers: 0 })).toThrow(/^LSTM: numLayers must be an integer ≥ 1, got 0$/);
    expect(() => new GRU(3, 0)).toThrow(/^GRU: hiddenSize must be an integer ≥ 1, got 0$/);
    expect(() => new RNN(3, 4, { bidirectional: 'yes' as never })).toThrow(/^RNN: bidirectional must be true or false/);
    expect(() => new GRU(3, 4, { dtype: 'int32' })).toThrow(/GRU: dtype must be 'float32' or 'float64'/);
  });
});
