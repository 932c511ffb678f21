// Multi-layer, optionally bidirectional recurrent layers with PyTorch's parameters, shapes and semantics
// (torch.nn.RNN / LSTM / GRU). Each layer and direction projects the whole input sequence with one matmul,
// then runs one step per time index (rnn-cells.ts): a matmul of h with W_hh and the gate math.
import { ShapeError, cat, fmtShape, matmul, stack, zeros, type Generator, type Tensor } from '@tensile/tensor';
import { dropout as dropoutFn } from '../functional.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat } from '../repr.js';
import { LAYER_OPTION_KEYS, boolOption, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';
import { checkNonlinearity, pairState, type Nonlinearity } from './rnn-cells.js';
import { rnnSequence, type Mode } from './rnn-sequence.js';

export interface RNNBaseOptions extends LayerOptions {
  /** Stacked layers, each reading the previous one's output sequence. Default 1. */
  numLayers?: number;
  /** Add the biases b_ih and b_hh. Default true. */
  bias?: boolean;
  /** Input and output are `[N, T, features]` instead of `[T, N, features]` (the states keep `[L·D, N, H]`). Default false. */
  batchFirst?: boolean;
  /**
   * Dropout probability on the outputs of every layer but the last, in training (PyTorch's semantics; with one
   * layer it has no effect). The masks come from `generator`. Default 0.
   */
  dropout?: number;
  /** Also run each layer backwards over the sequence and concatenate both directions' features. Default false. */
  bidirectional?: boolean;
}

export interface RNNOptions extends RNNBaseOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: Nonlinearity;
}

export interface LSTMOptions extends RNNBaseOptions {
  /** When > 0, h is projected to this size by `weight_hr_l{k}` (an LSTM with projections, Sak et al. 2014). Default 0. */
  projSize?: number;
}

const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };
const BASE_KEYS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', ...LAYER_OPTION_KEYS] as const;

/** The recurrence over one layer and direction: its parameters, and per step (gi, h, c) → (h, c). */
interface Weights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
  whr: Tensor | null;
}

/**
 * What RNN, LSTM and GRU share. Parameters are fields named as PyTorch names them (`weight_ih_l0`,
 * `bias_hh_l1_reverse`, `weight_hr_l0`), created in PyTorch's order, so a PyTorch state dict of the same layer
 * loads as it is; each is U(±1/√hiddenSize).
 */
abstract class RNNBase<H> extends Module<[Tensor, (H | null)?], [Tensor, H]> {
  /** `weight_ih_l0`, `weight_hh_l1_reverse`, `weight_hr_l0` …: the fields the constructor creates, as PyTorch names them. */
  [name: `weight_${string}`]: Parameter;
  /** `bias_ih_l0`, `bias_hh_l0_reverse` … (absent with `bias: false`). */
  [name: `bias_${string}`]: Parameter | undefined;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  readonly generator: Generator | undefined;
  readonly #mode: Mode;

  constructor(name: string, mode: Mode, inputSize: number, hiddenSize: number, opts: RNNBaseOptions & { projSize?: number }) {
    super();
    this.#mode = mode;
    this.inputSize = checkSize(name, 'inputSize', inputSize, 0);
    this.hiddenSize = checkSize(name, 'hiddenSize', hiddenSize);
    this.numLayers = checkSize(name, 'numLayers', opts.numLayers ?? 1);
    this.bias = boolOption(name, 'bias', opts.bias, true);
    this.batchFirst = boolOption(name, 'batchFirst', opts.batchFirst, false);
    this.bidirectional = boolOption(name, 'bidirectional', opts.bidirectional, false);
    const p = opts.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new RangeError(`${name}: dropout must be a number in [0, 1] (the probability of zeroing an element), got ${String(p)}`);
    }
    this.dropout = p;
    this.projSize = checkSize(name, 'projSize', opts.projSize ?? 0, 0);
    if (this.projSize >= hiddenSize) throw new RangeError(`${name}: projSize must be smaller than hiddenSize (${hiddenSize}), got ${this.projSize}`);
    this.generator = opts.generator;
    const dtype = floatDtype(name, opts.dtype);
    const g = GATES[mode] * hiddenSize;
    const out = this.projSize > 0 ? this.projSize : hiddenSize;
    const fields = this as unknown as Record<string, Parameter>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.numDirections; dir++) {
        const sfx = suffix(layer, dir);
        const inSize = layer === 0 ? inputSize : out * this.numDirections;
        fields[`weight_ih${sfx}`] = new Parameter(zeros([g, inSize], { dtype }));
        fields[`weight_hh${sfx}`] = new Parameter(zeros([g, out], { dtype }));
        if (this.bias) {
          fields[`bias_ih${sfx}`] = new Parameter(zeros([g], { dtype }));
          fields[`bias_hh${sfx}`] = new Parameter(zeros([g], { dtype }));
        }
        if (this.projSize > 0) fields[`weight_hr${sfx}`] = new Parameter(zeros([this.projSize, hiddenSize], { dtype }));
      }
    }
    const k = 1 / Math.sqrt(hiddenSize);
    for (const param of this.parameters()) uniform_(param, -k, k, { generator: opts.generator });
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The size of h: projSize when projecting, else hiddenSize. */
  protected get outSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** One layer's and direction's parameters, read from the fields on each call (`to()` and loads replace them). */
  private weights(layer: number, dir: number): Weights {
    const f = this as unknown as Record<string, Tensor | undefined>;
    const sfx = suffix(layer, dir);
    return {
      wih: f[`weight_ih${sfx}`]!,
      whh: f[`weight_hh${sfx}`]!,
      bih: f[`bias_ih${sfx}`] ?? null,
      bhh: f[`bias_hh${sfx}`] ?? null,
      whr: f[`weight_hr${sfx}`] ?? null,
    };
  }

  /** Checks the input and returns it time-major and batched `[T, N, I]`, with whether it came batched. */
  protected prepareInput(input: Tensor): [Tensor, boolean] {
    const label = this.toString();
    checkInput(label, input);
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new ShapeError(`${label}: expected a 3-d input ${this.batchFirst ? '[N, T, features]' : '[T, N, features]'} or an unbatched 2-d [T, features], got input of shape ${fmtShape(input.shape)}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${label}: expected the last dimension of the input to be ${this.inputSize} (inputSize), got input of shape ${fmtShape(input.shape)}`);
    }
    const time = input.ndim === 3 && this.batchFirst ? 1 : 0;
    if (input.shape[time] === 0) throw new ShapeError(`${label}: the sequence is empty (input of shape ${fmtShape(input.shape)}); expected a length > 0`);
    checkInput(label, input, this.weight0.dtype);
    if (input.ndim === 2) return [input.unsqueeze(1), false];
    return [this.batchFirst ? input.transpose(0, 1) : input, true];
  }

  private get weight0(): Tensor {
    return this.weights(0, 0).wih;
  }

  /** Checks an initial state `name` (`[L·D, N, size]`, or `[L·D, size]` for unbatched input); zeros when absent. */
  protected prepareState(name: string, s: unknown, x: Tensor, batched: boolean, size: number): Tensor {
    const label = this.toString();
    const ld = this.numLayers * this.numDirections;
    if (s === undefined || s === null) return zeros([ld, x.shape[1]!, size], { dtype: x.dtype });
    checkInput(`${label}: ${name}`, s);
    const want = batched ? [ld, x.shape[1]!, size] : [ld, size];
    if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) {
      const kind = batched ? `a batched input of batch size ${x.shape[1]}` : 'an unbatched 2-d input';
      throw new ShapeError(`${label}: expected ${name} of shape ${fmtShape(want)} (numLayers·numDirections, ${batched ? 'batch, ' : ''}${size}) for ${kind}, got ${fmtShape(s.shape)}`);
    }
    checkInput(`${label}: ${name}`, s, x.dtype);
    return batched ? s : s.unsqueeze(1);
  }

  /**
   * Runs every layer and direction over `x` `[T, N, I]` from the states `h0` (and `c0` for LSTM) `[L·D, N, ·]`;
   * returns the last layer's outputs `[T, N, D·outSize]` and the final states.
   */
  protected run(x: Tensor, h0: Tensor, c0: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const mode = this.#mode;
    const steps = x.shape[0]!;
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    let seq = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let dir = 0; dir < this.numDirections; dir++) {
        const w = this.weights(layer, dir);
        const idx = layer * this.numDirections + dir;
        // One matmul projects the whole sequence.
        const flat = seq.reshape([steps * seq.shape[1]!, seq.shape[2]!]);
        let gi = matmul(flat, w.wih.t());
        // The biases: RNN's both join gi here; GRU's b_ih does and its b_hh goes in the step, where r multiplies
        // it; LSTM's sum goes to its fused step kernel.
        let stepBias: Tensor | null = null;
        if (mode === 'LSTM') stepBias = w.bih === null ? null : w.bih.add(w.bhh!);
        else if (mode === 'GRU') [gi, stepBias] = [w.bih === null ? gi : gi.add(w.bih), w.bhh];
        else if (w.bih !== null) gi = gi.add(w.bih.add(w.bhh!));
        gi = gi.reshape([steps, seq.shape[1]!, gi.shape[1]!]);
        const h = h0.narrow(0, idx, 1).squeeze(0);
        const c = c0?.narrow(0, idx, 1).squeeze(0);
        const y = rnnSequence(mode, dir === 1, gi, h, w.whh, { c0: c, bhh: stepBias, whr: w.whr });
        const [batch, p] = h.shape as [number, number];
        const ys = mode === 'LSTM' ? y.narrow(0, 0, steps * batch * p).reshape([steps, batch, p]) : y.reshape([steps, batch, p]);
        outs.push(ys);
        hN.push(ys.narrow(0, dir === 1 ? 0 : steps - 1, 1).squeeze(0));
        if (mode === 'LSTM') cN.push(y.narrow(0, steps * batch * p, batch * this.hiddenSize).reshape([batch, this.hiddenSize]));
      }
      seq = outs.length === 1 ? outs[0]! : cat(outs, 2);
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) {
        seq = dropoutFn(seq, this.dropout, { training: true, generator: this.generator });
      }
    }
    return [seq, stack(hN, 0), c0 === null ? null : stack(cN, 0)];
  }

  /** The output back in the caller's layout: batch-first, or without the batch dim for unbatched input. */
  protected finishOutput(out: Tensor, batched: boolean): Tensor {
    if (!batched) return out.squeeze(1);
    return this.batchFirst ? out.transpose(0, 1) : out;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=false';
    if (this.batchFirst) s += ', batch_first=true';
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += ', bidirectional=true';
    return s;
  }
}

function suffix(layer: number, dir: number): string {
  return `_l${layer}${dir === 1 ? '_reverse' : ''}`;
}

/**
 * A multi-layer Elman RNN: per layer, h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or relu), as
 * PyTorch's `nn.RNN`. `forward(input, h0?)` takes `[T, N, inputSize]` (`[N, T, ·]` with `batchFirst`, or
 * unbatched `[T, inputSize]`) and `h0` `[numLayers·D, N, hiddenSize]` (zeros by default, D = 2 when
 * bidirectional) and returns `[output, hN]`: the last layer's h at every step `[T, N, D·hiddenSize]` and every
 * layer's final h, the reverse direction's after it has read the whole sequence backwards.
 * @example
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [out, hN] = rnn.forward(randn([5, 3, 10])); // [5, 3, 20], [2, 3, 20]
 */
export class RNN extends RNNBase<Tensor> {
  /** The activation; PyTorch's repr of `nn.RNN` does not show it, and neither does `toString()`. */
  readonly nonlinearity: Nonlinearity;

  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    checkLayerOptions('RNN', opts, ['nonlinearity', ...BASE_KEYS]);
    const nonlinearity = checkNonlinearity('RNN', opts.nonlinearity);
    super('RNN', nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts);
    this.nonlinearity = nonlinearity;
  }

  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [x, batched] = this.prepareInput(input);
    const h0 = this.prepareState('h0', hx, x, batched, this.hiddenSize);
    const [out, hN] = this.run(x, h0, null);
    return [this.finishOutput(out, batched), batched ? hN : hN.squeeze(1)];
  }

}

/**
 * A multi-layer LSTM (PyTorch's `nn.LSTM`): per layer the `LSTMCell` recurrence, gates i, f, g, o in
 * `weight_ih_l{k}` `[4H, ·]` and `weight_hh_l{k}` `[4H, H]`. `forward(input, [h0, c0]?)` returns
 * `[output, [hN, cN]]` with `output` `[T, N, D·H]` (batch-first or unbatched like the input) and the final
 * states `[numLayers·D, N, H]`. With `projSize` P > 0, h is projected by `weight_hr_l{k}` `[P, H]`, so h, the
 * output features and `weight_hh` use P.
 * @example
 * const lstm = new LSTM(10, 20, { batchFirst: true });
 * const [out, [h, c]] = lstm.forward(randn([3, 5, 10])); // [3, 5, 20], [1, 3, 20] each
 */
export class LSTM extends RNNBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    checkLayerOptions('LSTM', opts, ['projSize', ...BASE_KEYS]);
    super('LSTM', 'LSTM', inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [x, batched] = this.prepareInput(input);
    const [h, c] = pairState(this.toString(), hx);
    const h0 = this.prepareState('h0', h, x, batched, this.outSize);
    const c0 = this.prepareState('c0', c, x, batched, this.hiddenSize);
    const [out, hN, cN] = this.run(x, h0, c0);
    return [this.finishOutput(out, batched), batched ? [hN, cN!] : [hN.squeeze(1), cN!.squeeze(1)]];
  }
}

/**
 * A multi-layer GRU (PyTorch's `nn.GRU`): per layer the `GRUCell` recurrence, gates r, z, n in
 * `weight_ih_l{k}` `[3H, ·]` and `weight_hh_l{k}` `[3H, H]`, with r applied to W_hn·h + b_hn.
 * `forward(input, h0?)` returns `[output, hN]` shaped as `RNN`'s.
 * @example
 * const gru = new GRU(10, 20, { bidirectional: true });
 * const [out, hN] = gru.forward(randn([5, 3, 10])); // [5, 3, 40], [2, 3, 20]
 */
export class GRU extends RNNBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    checkLayerOptions('GRU', opts, BASE_KEYS);
    super('GRU', 'GRU', inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [x, batched] = this.prepareInput(input);
    const h0 = this.prepareState('h0', hx, x, batched, this.hiddenSize);
    const [out, hN] = this.run(x, h0, null);
    return [this.finishOutput(out, batched), batched ? hN : hN.squeeze(1)];
  }
}
