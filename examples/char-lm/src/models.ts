// The character-level language models of `pnpm words`. Each maps int32 ids to next-character logits and
// says how to score the next character after a batch of prefixes, which is all the sampler needs.
import { Embedding, Linear, Module } from '@tensile/nn';
import { cat, full, tanh, type DType, type Generator, type Tensor } from '@tensile/tensor';

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

/** The models `--model` takes. */
export const MODEL_NAMES = ['mlp'] as const;
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

/** Builds the model the settings name; `length` is the sequence models' number of positions. */
export function buildModel(s: ModelSettings, ctx: { vocabSize: number; length: number; init: Generator; dropout: Generator }): CharModel {
  switch (s.model) {
    case 'mlp':
      return new CharMLP({ vocabSize: ctx.vocabSize, blockSize: s.blockSize, embedding: s.embedding, hidden: s.hidden, layers: s.layers, dtype: s.dtype, generator: ctx.init });
  }
}

/** The model in a few words, for the header line. */
export function describeModel(s: ModelSettings, vocabSize: number): string {
  switch (s.model) {
    case 'mlp':
      return `MLP: ${s.blockSize} × embedding ${s.embedding} → ${Array(s.layers).fill(`${s.hidden} tanh`).join(' → ')} → ${vocabSize}`;
  }
}
