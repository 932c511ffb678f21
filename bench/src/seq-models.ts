// The Tensile side of the sequence workloads W8 (a small decoder-only transformer, examples/char-lm's
// `transformer` model) and W9 (an LSTM language model): models, a fixed batch of token ids and one training step.
import { arange, manualSeed, tensor, type Tensor } from '@tensile/tensor';
import { Embedding, LSTM, LayerNorm, Linear, Module, TransformerEncoder, TransformerEncoderLayer, crossEntropy } from '@tensile/nn';
import { Adam } from '@tensile/optim';

/** W8's shapes: batch 32, context 16; 4 pre-norm blocks, 4 heads, width 128, feed-forward 512 (GELU), vocab 27. */
export const W8 = { batch: 32, context: 16, vocab: 27, width: 128, heads: 4, feedforward: 512, layers: 4 } as const;
/** W9's shapes: batch 32, sequence 32, vocab 27 embedded in 64, LSTM hidden 256, Linear to 27 logits. */
export const W9 = { batch: 32, seq: 32, vocab: 27, embedding: 64, hidden: 256 } as const;

/** The token ids of the fixed batch, the same in every framework: `ids[b][t] = (7b + 3t + b·t) mod vocab`. */
export function tokenId(b: number, t: number, vocab: number): number {
  return (7 * b + 3 * t + b * t) % vocab;
}

/** Inputs `[batch, T]` and next-token targets `[batch, T]` (the id at t + 1), as flat arrays. */
export function tokenBatch(batch: number, steps: number, vocab: number): { ids: number[]; targets: number[] } {
  const ids: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      ids.push(tokenId(b, t, vocab));
      targets.push(tokenId(b, t + 1, vocab));
    }
  }
  return { ids, targets };
}

/** examples/char-lm's CharTransformer: token + learned position embeddings, causal pre-norm blocks, final LayerNorm. */
export class BenchTransformer extends Module<[Tensor], Tensor> {
  embed = new Embedding(W8.vocab, W8.width);
  position = new Embedding(W8.context, W8.width);
  blocks = new TransformerEncoder(
    new TransformerEncoderLayer(W8.width, W8.heads, { dimFeedforward: W8.feedforward, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true }),
    W8.layers,
  );
  norm = new LayerNorm(W8.width);
  out = new Linear(W8.width, W8.vocab);
  private positions = arange(0, W8.context, 1, { dtype: 'int32' });

  forward(x: Tensor): Tensor {
    const h = this.embed.forward(x).add(this.position.forward(this.positions));
    return this.out.forward(this.norm.forward(this.blocks.forward(h, { isCausal: true })));
  }
}

/** examples/char-lm's CharLSTM at W9's sizes: embedding → one LSTM layer (batch first) → Linear to the logits. */
export class BenchLSTM extends Module<[Tensor], Tensor> {
  embed = new Embedding(W9.vocab, W9.embedding);
  lstm = new LSTM(W9.embedding, W9.hidden, { batchFirst: true });
  out = new Linear(W9.hidden, W9.vocab);

  forward(x: Tensor): Tensor {
    return this.out.forward(this.lstm.forward(this.embed.forward(x))[0]);
  }
}

/**
 * One training step of a token model: zeroGrad, forward, cross-entropy over every position (mean), backward,
 * Adam (lr 1e-3). The batch is fixed.
 */
export function tensileSeqStep(make: () => Module<[Tensor], Tensor>, batch: number, steps: number, vocab: number): () => Tensor {
  manualSeed(0);
  const model = make();
  const { ids, targets } = tokenBatch(batch, steps, vocab);
  const x = tensor(ids, { dtype: 'int32' }).reshape([batch, steps]);
  const y = tensor(targets, { dtype: 'int32' });
  const opt = new Adam(model, { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    const logits = model.forward(x);
    const loss = crossEntropy(logits.reshape([batch * steps, vocab]), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

export const w8Step = (): (() => Tensor) => tensileSeqStep(() => new BenchTransformer(), W8.batch, W8.context, W8.vocab);
export const w9Step = (): (() => Tensor) => tensileSeqStep(() => new BenchLSTM(), W9.batch, W9.seq, W9.vocab);
