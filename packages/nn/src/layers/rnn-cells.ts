// One time step of the three recurrences, shared by the cells here and the sequence layers in rnn.ts, and the
// cells themselves. Gate math and parameter layout are PyTorch's (torch.nn.RNNCell / LSTMCell / GRUCell).
import { ShapeError, fmtShape, matmul, relu, sigmoid, tanh, zeros, type Tensor } from '@tensile/tensor';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { LAYER_OPTION_KEYS, boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';

export type Nonlinearity = 'tanh' | 'relu';

/**
 * h' = act(gi + h·W_hhᵀ + b_hh). `gi` `[N, H]` is x·W_ihᵀ + b_ih (the sequence layers fold b_hh into it and pass
 * `bhh` null, which saves one op per step).
 */
export function rnnStep(gi: Tensor, h: Tensor, whh: Tensor, bhh: Tensor | null, act: Nonlinearity): Tensor {
  let a = gi.add(matmul(h, whh.t()));
  if (bhh !== null) a = a.add(bhh);
  return act === 'tanh' ? tanh(a) : relu(a);
}

/**
 * One LSTM step, gates in PyTorch's order i, f, g, o along the last dim of `gi` `[N, 4H]`:
 * c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'), then h' ← h'·W_hrᵀ when there is a projection.
 */
export function lstmStep(gi: Tensor, h: Tensor, c: Tensor, whh: Tensor, bhh: Tensor | null, whr: Tensor | null): [Tensor, Tensor] {
  const hs = c.shape[1]!;
  let gates = gi.add(matmul(h, whh.t()));
  if (bhh !== null) gates = gates.add(bhh);
  // i and f are adjacent, so one sigmoid covers both.
  const inForget = sigmoid(gates.narrow(1, 0, 2 * hs));
  const g = tanh(gates.narrow(1, 2 * hs, hs));
  const o = sigmoid(gates.narrow(1, 3 * hs, hs));
  const c2 = inForget.narrow(1, hs, hs).mul(c).add(inForget.narrow(1, 0, hs).mul(g));
  const h2 = o.mul(tanh(c2));
  return [whr === null ? h2 : matmul(h2, whr.t()), c2];
}

/**
 * One GRU step, gates r, z, n: with gh = h·W_hhᵀ + b_hh, r = σ(gi_r + gh_r), z = σ(gi_z + gh_z),
 * n = tanh(gi_n + r·gh_n) (r multiplies W_hn·h + b_hn, as PyTorch and cuDNN), h' = (1 − z)·n + z·h.
 */
export function gruStep(gi: Tensor, h: Tensor, whh: Tensor, bhh: Tensor | null): Tensor {
  const hs = h.shape[1]!;
  let gh = matmul(h, whh.t());
  if (bhh !== null) gh = gh.add(bhh);
  const rz = sigmoid(gi.narrow(1, 0, 2 * hs).add(gh.narrow(1, 0, 2 * hs)));
  const n = tanh(gi.narrow(1, 2 * hs, hs).add(rz.narrow(1, 0, hs).mul(gh.narrow(1, 2 * hs, hs))));
  // (1 − z)·n + z·h = n + z·(h − n)
  return n.add(rz.narrow(1, hs, hs).mul(h.sub(n)));
}

export interface RNNCellOptions extends LayerOptions {
  /** Add the biases b_ih and b_hh. Default true. */
  bias?: boolean;
}

export interface RNNCellLayerOptions extends RNNCellOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: Nonlinearity;
}

/** The parameters, init and input checks the three cells share. */
abstract class CellBase<I extends unknown[], O> extends Module<I, O> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(name: string, inputSize: number, hiddenSize: number, gates: number, opts: RNNCellOptions, extraKeys: readonly string[]) {
    super();
    checkLayerOptions(name, opts, ['bias', ...extraKeys, ...LAYER_OPTION_KEYS]);
    this.inputSize = checkSize(name, 'inputSize', inputSize, 0);
    this.hiddenSize = checkSize(name, 'hiddenSize', hiddenSize);
    const dtype = floatDtype(name, opts.dtype);
    const bias = boolOption(name, 'bias', opts.bias, true);
    this.weight_ih = new Parameter(zeros([gates * hiddenSize, inputSize], { dtype }));
    this.weight_hh = new Parameter(zeros([gates * hiddenSize, hiddenSize], { dtype }));
    this.bias_ih = bias ? new Parameter(zeros([gates * hiddenSize], { dtype })) : null;
    this.bias_hh = bias ? new Parameter(zeros([gates * hiddenSize], { dtype })) : null;
    const k = 1 / Math.sqrt(hiddenSize);
    for (const p of this.parameters()) uniform_(p, -k, k, { generator: opts.generator });
  }

  /** Checks the input `[N, inputSize]` or unbatched `[inputSize]`; returns it as 2-d. */
  protected input(x: Tensor): Tensor {
    const label = this.toString();
    checkInput(label, x);
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${label}: expected an input [N, ${this.inputSize}] or unbatched [${this.inputSize}], got input of shape ${fmtShape(x.shape)}`);
    }
    checkInput(label, x, this.weight_ih.dtype);
    return x.ndim === 1 ? x.unsqueeze(0) : x;
  }

  /** Checks a state tensor (`name`) against the input `x` (2-d, `batched` says whether it was given so). */
  protected state(name: string, s: unknown, x: Tensor, batched: boolean, size: number): Tensor {
    const label = this.toString();
    if (s === undefined || s === null) return zeros([x.shape[0]!, size], { dtype: x.dtype });
    checkInput(`${label}: ${name}`, s);
    const want = batched ? [x.shape[0]!, size] : [size];
    if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) {
      const hint = batched && s.ndim === 2 && s.shape[1] === size ? ` (the input's batch size is ${x.shape[0]}, ${name}'s is ${s.shape[0]})` : '';
      throw new ShapeError(`${label}: expected ${name} of shape ${fmtShape(want)} for an input of shape ${fmtShape(batched ? x.shape : [this.inputSize])}, got ${fmtShape(s.shape)}${hint}`);
    }
    checkInput(`${label}: ${name}`, s, x.dtype);
    return batched ? s : s.unsqueeze(0);
  }

  /** The gate projection x·W_ihᵀ + b_ih. */
  protected inputGates(x: Tensor): Tensor {
    const gi = matmul(x, this.weight_ih.t());
    return this.bias_ih === null ? gi : gi.add(this.bias_ih);
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih === null ? ', bias=false' : ''}`;
  }
}

/**
 * An Elman RNN cell: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu). Parameters `weight_ih` `[H, I]`,
 * `weight_hh` `[H, H]`, `bias_ih`, `bias_hh` `[H]`, all U(±1/√H) as PyTorch's `RNNCell`. `hx` defaults to zeros.
 * @example
 * const cell = new RNNCell(10, 20);
 * const h = cell.forward(randn([3, 10])); // [3, 20]
 */
export class RNNCell extends CellBase<[Tensor, (Tensor | null)?], Tensor> {
  readonly nonlinearity: Nonlinearity;

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellLayerOptions = {}) {
    super('RNNCell', inputSize, hiddenSize, 1, opts, ['nonlinearity']);
    this.nonlinearity = checkNonlinearity('RNNCell', opts.nonlinearity);
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const x = this.input(input);
    const h = this.state('hx', hx, x, input.ndim === 2, this.hiddenSize);
    const out = rnnStep(this.inputGates(x), h, this.weight_hh, this.bias_hh, this.nonlinearity);
    return input.ndim === 2 ? out : out.squeeze(0);
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'tanh' ? '' : `, nonlinearity=${this.nonlinearity}`}`;
  }
}

/**
 * A long short-term memory cell (Hochreiter & Schmidhuber, 1997), gates i, f, g, o stacked in that order in
 * `weight_ih` `[4H, I]`, `weight_hh` `[4H, H]`, `bias_ih`, `bias_hh` `[4H]` (U(±1/√H), as PyTorch's `LSTMCell`):
 * c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'). `hx` is `[h, c]`, zeros by default; returns `[h', c']`.
 * @example
 * const cell = new LSTMCell(10, 20);
 * const [h, c] = cell.forward(randn([3, 10])); // [3, 20] each
 */
export class LSTMCell extends CellBase<[Tensor, (readonly [Tensor, Tensor] | null)?], [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super('LSTMCell', inputSize, hiddenSize, 4, opts, []);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const x = this.input(input);
    const [h0, c0] = pairState(this.toString(), hx);
    const batched = input.ndim === 2;
    const h = this.state('h', h0, x, batched, this.hiddenSize);
    const c = this.state('c', c0, x, batched, this.hiddenSize);
    const [h2, c2] = lstmStep(this.inputGates(x), h, c, this.weight_hh, this.bias_hh, null);
    return batched ? [h2, c2] : [h2.squeeze(0), c2.squeeze(0)];
  }
}

/**
 * A gated recurrent unit cell (Cho et al., 2014), gates r, z, n stacked in `weight_ih` `[3H, I]`, `weight_hh`
 * `[3H, H]`, `bias_ih`, `bias_hh` `[3H]` (U(±1/√H), as PyTorch's `GRUCell`): r and z are σ(x·W_i + b_i + h·W_h + b_h),
 * n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn)), h' = (1 − z)·n + z·h. `hx` defaults to zeros.
 * @example
 * const cell = new GRUCell(10, 20);
 * const h = cell.forward(randn([3, 10]), h0); // [3, 20]
 */
export class GRUCell extends CellBase<[Tensor, (Tensor | null)?], Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super('GRUCell', inputSize, hiddenSize, 3, opts, []);
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const x = this.input(input);
    const h = this.state('hx', hx, x, input.ndim === 2, this.hiddenSize);
    const out = gruStep(this.inputGates(x), h, this.weight_hh, this.bias_hh);
    return input.ndim === 2 ? out : out.squeeze(0);
  }
}

/** 'tanh' (default) or 'relu', else a RangeError naming the layer. */
export function checkNonlinearity(layer: string, v: unknown): Nonlinearity {
  if (v === undefined) return 'tanh';
  if (v !== 'tanh' && v !== 'relu') throw new RangeError(`${layer}: nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

/** LSTM's `[h, c]` state: absent, or an array of two tensors. */
export function pairState(label: string, hx: unknown): [unknown, unknown] {
  if (hx === undefined || hx === null) return [undefined, undefined];
  if (!Array.isArray(hx) || hx.length !== 2) {
    throw new TypeError(`${label}: hx must be a pair [h, c] of tensors, got ${Array.isArray(hx) ? `an array of ${hx.length}` : typeof hx}`);
  }
  if (hx[0] == null || hx[1] == null) throw new TypeError(`${label}: hx must hold both h and c`);
  return [hx[0], hx[1]];
}
