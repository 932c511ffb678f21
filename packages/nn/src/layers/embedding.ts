import { DTypeError, noGrad, zeros, type Tensor } from '@tensile/tensor';
import { embedding } from '../functional.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { LAYER_OPTION_KEYS, checkInput, checkLayerOptions, checkSize, floatDtype, type LayerOptions } from './common.js';

export interface EmbeddingLayerOptions extends LayerOptions {
  /** This row starts at zeros and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1) as PyTorch.
 * @example new Embedding(10000, 64).forward(tokens) // int32 [B, T] → [B, T, 64]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingLayerOptions = {}) {
    super();
    checkLayerOptions('Embedding', opts, ['paddingIdx', ...LAYER_OPTION_KEYS]);
    this.numEmbeddings = checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = checkSize('Embedding', 'embeddingDim', embeddingDim);
    let pad = opts.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) {
        throw new RangeError(`Embedding: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings - 1}], got ${pad}`);
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    const dtype = floatDtype('Embedding', opts.dtype);
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype }));
    normal_(this.weight, 0, 1, { generator: opts.generator });
    if (pad !== null) noGrad(() => this.weight.narrow(0, pad!, 1).fill_(0));
  }

  forward(indices: Tensor): Tensor {
    const label = `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
    checkInput(label, indices);
    if (indices.dtype !== 'int32') throw new DTypeError(`${label}: expected int32 indices, got ${indices.dtype}`);
    try {
      return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
    } catch (e) {
      if (e instanceof RangeError) throw new RangeError(`${label}: ${e.message.replace(/^embedding: /, '')}`);
      throw e;
    }
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
