// The recurrent layers and cells against PyTorch (tools/fixtures/make_rnn_fixtures.py), on every backend: the
// PyTorch state dict loads as it is (strict), and the outputs, final states and the gradients of the input,
// the initial state and every parameter agree to 1e-10 in float64.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listBackends, setBackend, type AnyBackend, type Tensor } from '@tensile/tensor';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, type AnyModule } from '../src/index.js';
import { expectAllClose, fromFixture, loadJson, type FixtureTensor } from './helpers.js';

interface RnnCase {
  name: string;
  layer: string;
  args: [number, number];
  opts: Record<string, unknown>;
  repr: string;
  state: Record<string, FixtureTensor>;
  input: FixtureTensor;
  hx: FixtureTensor[] | null;
  outputs: FixtureTensor[];
  gradOutputs: FixtureTensor[];
  gradInput: FixtureTensor;
  gradHx: FixtureTensor[] | null;
  gradParams: Record<string, FixtureTensor>;
}

const dtype = 'float64';
const make: Record<string, (a: [number, number], o: any) => AnyModule> = {
  RNN: (a, o) => new RNN(a[0], a[1], { ...o, dtype }),
  LSTM: (a, o) => new LSTM(a[0], a[1], { ...o, dtype }),
  GRU: (a, o) => new GRU(a[0], a[1], { ...o, dtype }),
  RNNCell: (a, o) => new RNNCell(a[0], a[1], { ...o, dtype }),
  LSTMCell: (a, o) => new LSTMCell(a[0], a[1], { ...o, dtype }),
  GRUCell: (a, o) => new GRUCell(a[0], a[1], { ...o, dtype }),
};

/** The outputs as the fixture lists them: [output, hN(, cN)] for layers, [h(, c)] for cells. */
function flatOutputs(layer: string, res: unknown): Tensor[] {
  if (layer === 'LSTM') {
    const [out, [h, c]] = res as [Tensor, [Tensor, Tensor]];
    return [out, h, c];
  }
  if (layer === 'RNN' || layer === 'GRU' || layer === 'LSTMCell') return res as Tensor[];
  return [res as Tensor];
}

const { cases } = loadJson<{ cases: RnnCase[] }>('rnn.json');

describe.each(listBackends())('recurrent layers match PyTorch (backend %s)', (backend) => {
  let prev: AnyBackend;
  beforeAll(() => {
    prev = setBackend(backend);
  });
  afterAll(() => {
    setBackend(prev);
  });

  test('the fixtures cover every layer and option', () => {
    expect(new Set(cases.map((c) => c.layer))).toEqual(new Set(Object.keys(make)));
    const opts = new Set(cases.flatMap((c) => Object.keys(c.opts)));
    expect(opts).toEqual(new Set(['nonlinearity', 'numLayers', 'bidirectional', 'batchFirst', 'bias', 'projSize']));
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const m = make[c.layer]!(c.args, c.opts);
    expect(m.toString()).toBe(c.repr);
    expect(m.stateDict().size).toBe(Object.keys(c.state).length);
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, t]) => [k, fromFixture(t)])));
    expect(m.namedParameters().map(([n]) => n)).toEqual(Object.keys(c.state));
    const x = fromFixture(c.input, { requiresGrad: true });
    const hx = c.hx?.map((t) => fromFixture(t, { requiresGrad: true })) ?? null;
    const state = hx === null ? undefined : hx.length === 2 ? hx : hx[0];
    const outs = flatOutputs(c.layer, (m.forward as (x: Tensor, h?: unknown) => unknown)(x, state));
    expect(outs.length).toBe(c.outputs.length);
    outs.forEach((o, i) => expectAllClose(o, c.outputs[i]!, { label: `output ${i}` }));
    const loss = outs.map((o, i) => o.mul(fromFixture(c.gradOutputs[i]!)).sum()).reduce((a, b) => a.add(b));
    loss.backward();
    expectAllClose(x.grad, c.gradInput, { label: 'input gradient' });
    hx?.forEach((h, i) => expectAllClose(h.grad, c.gradHx![i]!, { label: `initial state ${i} gradient` }));
    const params = new Map(m.namedParameters());
    for (const [n, g] of Object.entries(c.gradParams)) expectAllClose(params.get(n)!.grad, g, { label: `gradient of ${n}` });
  });
});
