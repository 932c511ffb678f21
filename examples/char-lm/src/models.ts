// The character-level language models of `pnpm words`. Each maps int32 ids to next-character logits and
// says how to score the next character after a batch of prefixes, which is all the sampler needs.
import { Embedding, LSTM, LayerNorm, Linear, Module, TransformerEncoder, TransformerEncoderLayer } from '@tensile/nn';
import { cat, full, tanh, type DType, type Generator, type Tensor } from '@tensile/tensor';
import { registerOnnxExporter } from '@tensile/onnx';

/** A language model over token ids: the sampler calls `nextLogits`. */
export interface CharModel extends Module<[Tensor], Tensor> {
  /** `[B, T]` int32 prefixes (each starting with the boundary id 0) → `[B, V]` logits for the next id. */
  nextLogits(prefixes: Tensor): Tensor;
  /** The longest prefix it takes (`Infinity` for the MLP, which reads its last window, and for an RNN). */
  readonly maxPrefix: number;
}

/** Options of `CharMLP`. */
export interface CharMLPOptions {
  vocabSize: number;
  /** Characters of context (makemore part 2: 3). */
  blockSize: number;
  /** Width of each character's embedding (makemore: 10). */
  embedding: number;
  /** Width of the tanh hidden layers (makemore: 200). */
  hidden: number;
  /** Hidden layers (makemore: 1). */
  layers?: number;
  dtype?: DType;
  /** Draws the initial weights: PyTorch's defaults (embeddings N(0, 1), Linear U(±1/√fan_in)). */
  generator?: Generator;
}

/**
 * Bengio et al. (2003)'s neural probabilistic language model as makemore part 2 builds it: the embeddings
 * of the `blockSize` previous characters, concatenated, through a tanh hidden layer to the next character's
 * logits. Input `[B, blockSize]` int32, output `[B, V]`.
 * @example
 * const mlp = new CharMLP({ vocabSize: 27, blockSize: 3, embedding: 10, hidden: 200 });
 * mlp.forward(windows); // [B, 27]
 */
export class CharMLP extends Module<[Tensor], Tensor> implements CharModel {
  readonly blockSize: number;
  embed: Embedding;
  hidden: Linear[];
  out: Linear;

  constructor(opts: CharMLPOptions) {
    super();
    const { vocabSize, blockSize, embedding, hidden, layers = 1, dtype, generator } = opts;
    this.blockSize = blockSize;
    this.embed = new Embedding(vocabSize, embedding, { dtype, generator });
    this.hidden = Array.from({ length: layers }, (_, k) => new Linear(k === 0 ? blockSize * embedding : hidden, hidden, { dtype, generator }));
    this.out = new Linear(hidden, vocabSize, { dtype, generator });
  }

  get maxPrefix(): number {
    return Infinity;
  }

  forward(x: Tensor): Tensor {
    let h = this.embed.forward(x).flatten(1); // [B, blockSize · embedding]
    for (const layer of this.hidden) h = tanh(layer.forward(h));
    return this.out.forward(h);
  }

  nextLogits(prefixes: Tensor): Tensor {
    const [b, t] = prefixes.shape as [number, number];
    // Shorter prefixes are padded on the left with boundary ids, as the training windows were.
    const window = t >= this.blockSize ? prefixes.narrow(1, t - this.blockSize, this.blockSize) : cat([full([b, this.blockSize - t], 0, { dtype: 'int32' }), prefixes], 1);
    return this.forward(window.contiguous());
  }
}

/** Options of `CharLSTM`. */
export interface CharLSTMOptions {
  vocabSize: number;
  embedding: number;
  hidden: number;
  layers: number;
  /** Dropout between stacked LSTM layers (PyTorch's; none with one layer). */
  dropout?: number;
  dtype?: DType;
  /** Draws the initial weights (and the LSTM's dropout masks): PyTorch's defaults. */
  generator?: Generator;
}

/**
 * An LSTM language model: character embeddings → a (stacked) LSTM over the word → the next character's
 * logits at every position. Input `[B, T]` int32, output `[B, T, V]`.
 * @example new CharLSTM({ vocabSize: 27, embedding: 64, hidden: 128, layers: 1 }).forward(ids) // [B, T, 27]
 */
export class CharLSTM extends Module<[Tensor], Tensor> implements CharModel {
  embed: Embedding;
  lstm: LSTM;
  out: Linear;

  constructor(opts: CharLSTMOptions) {
    super();
    const { vocabSize, embedding, hidden, layers, dropout = 0, dtype, generator } = opts;
    this.embed = new Embedding(vocabSize, embedding, { dtype, generator });
    this.lstm = new LSTM(embedding, hidden, { numLayers: layers, batchFirst: true, dropout: layers > 1 ? dropout : 0, dtype, generator });
    this.out = new Linear(hidden, vocabSize, { dtype, generator });
  }

  get maxPrefix(): number {
    return Infinity;
  }

  forward(x: Tensor): Tensor {
    const [h] = this.lstm.forward(this.embed.forward(x));
    return this.out.forward(h);
  }

  nextLogits(prefixes: Tensor): Tensor {
    return lastPosition(this.forward(prefixes));
  }
}

/**
 * A learned position table: `forward(ids)` `[B, T]` gives its first T rows `[T, width]`, which is
 * `Embedding.forward(arange(T))`. An Embedding, so the checkpoint key stays `position.weight`; its own
 * ONNX exporter (below) slices the table to the input's length at run time, so the exported transformer
 * takes any length up to the table's.
 */
export class PositionTable extends Embedding {
  override forward(ids: Tensor): Tensor {
    const t = ids.shape[ids.ndim - 1]!;
    if (t > this.numEmbeddings) throw new RangeError(`PositionTable: a sequence of ${t} positions is longer than the table's ${this.numEmbeddings}`);
    return this.weight.narrow(0, 0, t);
  }
}

registerOnnxExporter(PositionTable, (m, ctx) => {
  const g = ctx.graph;
  const axis = (v: number) => g.constant([v], [1], 'int64', `${ctx.path}/c`);
  const length = g.node('Shape', [ctx.inputs[0]!], { start: { int: -1 } }, ctx.path);
  return g.node('Slice', [g.tensor(m.weight), axis(0), length, axis(0)], {}, ctx.path);
});

/** Options of `CharTransformer`. */
export interface CharTransformerOptions {
  vocabSize: number;
  /** Positions (the longest word + 1): the size of the positional embedding. */
  length: number;
  /** Model width. */
  width: number;
  heads: number;
  /** Feed-forward width. */
  feedforward: number;
  layers: number;
  dropout?: number;
  dtype?: DType;
  generator?: Generator;
}

/**
 * A decoder-only (GPT-style) transformer: token and learned positional embeddings, `layers` pre-norm
 * blocks of causal self-attention and a GELU feed-forward (`TransformerEncoderLayer` with `isCausal`), a
 * final LayerNorm and the next character's logits at every position. Input `[B, T]` int32 (T ≤ length),
 * output `[B, T, V]`.
 * @example new CharTransformer({ vocabSize: 27, length: 23, width: 128, heads: 4, feedforward: 512, layers: 4 })
 */
export class CharTransformer extends Module<[Tensor], Tensor> implements CharModel {
  readonly length: number;
  embed: Embedding;
  position: PositionTable;
  blocks: TransformerEncoder;
  norm: LayerNorm;
  out: Linear;

  constructor(opts: CharTransformerOptions) {
    super();
    const { vocabSize, length, width, heads, feedforward, layers, dropout = 0, dtype, generator } = opts;
    this.length = length;
    this.embed = new Embedding(vocabSize, width, { dtype, generator });
    this.position = new PositionTable(length, width, { dtype, generator });
    const block = new TransformerEncoderLayer(width, heads, { dimFeedforward: feedforward, dropout, activation: 'gelu', batchFirst: true, normFirst: true, dtype, generator });
    this.blocks = new TransformerEncoder(block, layers);
    this.norm = new LayerNorm(width, { dtype });
    this.out = new Linear(width, vocabSize, { dtype, generator });
  }

  get maxPrefix(): number {
    return this.length;
  }

  forward(x: Tensor): Tensor {
    const h = this.embed.forward(x).add(this.position.forward(x));
    return this.out.forward(this.norm.forward(this.blocks.forward(h, { isCausal: true })));
  }

  nextLogits(prefixes: Tensor): Tensor {
    return lastPosition(this.forward(prefixes));
  }
}

/** `[B, T, V]` → `[B, V]`: the logits after the last position. */
function lastPosition(y: Tensor): Tensor {
  const t = y.shape[1]!;
  return y.narrow(1, t - 1, 1).reshape([y.shape[0]!, y.shape[2]!]);
}

/** The models `--model` takes. */
export const MODEL_NAMES = ['mlp', 'lstm', 'transformer'] as const;
/** One of `MODEL_NAMES`. */
export type ModelName = (typeof MODEL_NAMES)[number];

/** The settings a model is built from (a subset of the run's). */
export interface ModelSettings {
  model: ModelName;
  blockSize: number;
  embedding: number;
  hidden: number;
  layers: number;
  heads: number;
  dropout: number;
  dtype: DType;
}

/**
 * Builds the model the settings name; `length` is the sequence models' number of positions. `init` draws the
 * initial weights, and the dropout masks of the layers that keep it (LSTM, transformer).
 */
export function buildModel(s: ModelSettings, ctx: { vocabSize: number; length: number; init: Generator }): CharModel {
  switch (s.model) {
    case 'mlp':
      return new CharMLP({ vocabSize: ctx.vocabSize, blockSize: s.blockSize, embedding: s.embedding, hidden: s.hidden, layers: s.layers, dtype: s.dtype, generator: ctx.init });
    case 'lstm':
      return new CharLSTM({ vocabSize: ctx.vocabSize, embedding: s.embedding, hidden: s.hidden, layers: s.layers, dropout: s.dropout, dtype: s.dtype, generator: ctx.init });
    case 'transformer':
      return new CharTransformer({
        vocabSize: ctx.vocabSize, length: ctx.length, width: s.embedding, heads: s.heads, feedforward: s.hidden, layers: s.layers, dropout: s.dropout, dtype: s.dtype, generator: ctx.init,
      });
  }
}

/** The model in a few words, for the header line. */
export function describeModel(s: ModelSettings, vocabSize: number): string {
  switch (s.model) {
    case 'mlp':
      return `MLP: ${s.blockSize} × embedding ${s.embedding} → ${Array(s.layers).fill(`${s.hidden} tanh`).join(' → ')} → ${vocabSize}`;
    case 'lstm':
      return `LSTM: embedding ${s.embedding} → ${s.layers > 1 ? `${s.layers} layers of ` : ''}${s.hidden} hidden → ${vocabSize}`;
    case 'transformer':
      return `transformer: ${s.layers} pre-norm blocks, width ${s.embedding}, ${s.heads} heads, feed-forward ${s.hidden} (GELU), causal, learned positions, final LayerNorm → ${vocabSize}`;
  }
}
