// The sequence models sequence.test.ts exports: RNN (tanh, relu), LSTM, GRU (layers, directions, batch-first,
// initial states), MultiheadAttention (cross-attention with its weights, causal self-attention, masks,
// addBiasKv and addZeroAttn, a float key padding mask),
// TransformerEncoder (post-norm ReLU, pre-norm GELU causal) and the two sequence models of examples/char-lm.
// Each has its example sizes and other sizes (another batch, and another length where it is dynamic).
import {
  Embedding, GRU, LSTM, LayerNorm, Linear, Module, MultiheadAttention, RNN, TransformerEncoder, TransformerEncoderLayer, init,
  type AnyModule,
} from '@tensile/nn';
import { Generator, noGrad, randint, randn, tensor, type Tensor } from '@tensile/tensor';
import type { ExampleInput, ExportOnnxOptions } from '../src/index.js';

const g = new Generator(1414);
const f32 = (shape: number[]) => randn(shape, { generator: g });

export interface SequenceCase {
  model: AnyModule;
  /** The forward's arguments at batch n and length t (nested like the forward takes them). */
  args: (n: number, t: number) => ExampleInput;
  options: ExportOnnxOptions;
  /** [batch, length] of the example, then of the other runs. */
  sizes: [number, number][];
}

/** LayerNorm affine values away from ones and zeros, so they matter. */
function settle<M extends AnyModule>(m: M): M {
  for (const sub of m.modules()) {
    if (sub instanceof LayerNorm && sub.weight && sub.bias) {
      init.uniform_(sub.weight, 0.5, 1.5, { generator: g });
      init.uniform_(sub.bias, -0.5, 0.5, { generator: g });
    }
  }
  // Attention's biases start at zero; the copies in a TransformerEncoder start equal: shake every parameter.
  noGrad(() => {
    for (const p of m.parameters()) p.add_(randn(p.shape, { generator: g }).mul(0.05));
  });
  return m.eval() as M;
}

const seq = (batchFirst: boolean) => (batchFirst ? { 0: 'batch', 1: 'sequence' } : { 0: 'sequence', 1: 'batch' });

/** Causal self-attention returning the output and the weights per head. */
class CausalSelfAttention extends Module<[Tensor], [Tensor, Tensor | null]> {
  attn = new MultiheadAttention(8, 2, { batchFirst: true, generator: g });
  forward(x: Tensor): [Tensor, Tensor | null] {
    return this.attn.forward(x, x, x, { isCausal: true, averageAttnWeights: false });
  }
}

/** Self-attention with a key padding mask and a float attention mask, both graph inputs. */
class MaskedSelfAttention extends Module<[Tensor, Tensor, Tensor]> {
  attn = new MultiheadAttention(8, 4, { generator: g });
  forward(x: Tensor, pad: Tensor, mask: Tensor): Tensor {
    return this.attn.forward(x, x, x, { keyPaddingMask: pad, attnMask: mask, needWeights: false })[0];
  }
}

/** Cross-attention (in_proj_weight split three ways) with a per-head bool attention mask [N·H, L, S]. */
class BlockedCrossAttention extends Module<[Tensor, Tensor, Tensor], [Tensor, Tensor | null]> {
  attn = new MultiheadAttention(8, 2, { generator: g });
  forward(q: Tensor, kv: Tensor, blocked: Tensor): [Tensor, Tensor | null] {
    return this.attn.forward(q, kv, kv, { attnMask: blocked });
  }
}

/**
 * Cross-attention with addBiasKv and addZeroAttn (kdim/vdim too): the appended key/value rows, with a key
 * padding mask and a float attention mask that the layer pads for them, and the weights per head.
 */
class BiasKvZeroAttnCrossAttention extends Module<[Tensor, Tensor, Tensor, Tensor, Tensor], [Tensor, Tensor | null]> {
  attn = new MultiheadAttention(8, 2, { kdim: 6, vdim: 5, addBiasKv: true, addZeroAttn: true, generator: g });
  forward(q: Tensor, k: Tensor, v: Tensor, pad: Tensor, mask: Tensor): [Tensor, Tensor | null] {
    return this.attn.forward(q, k, v, { keyPaddingMask: pad, attnMask: mask, averageAttnWeights: false });
  }
}

/** Causal batch-first self-attention with addBiasKv: the causal mask built at run time, padded for bias_k. */
class BiasKvCausalSelfAttention extends Module<[Tensor], [Tensor, Tensor | null]> {
  attn = new MultiheadAttention(8, 4, { batchFirst: true, addBiasKv: true, generator: g });
  forward(x: Tensor): [Tensor, Tensor | null] {
    return this.attn.forward(x, x, x, { isCausal: true });
  }
}

/** Self-attention with addZeroAttn and a per-head bool attention mask [N·H, L, S], no biases. */
class ZeroAttnBlockedSelfAttention extends Module<[Tensor, Tensor], [Tensor, Tensor | null]> {
  attn = new MultiheadAttention(8, 2, { addZeroAttn: true, bias: false, generator: g });
  forward(x: Tensor, blocked: Tensor): [Tensor, Tensor | null] {
    return this.attn.forward(x, x, x, { attnMask: blocked });
  }
}

/**
 * Batch-first self-attention with addBiasKv, a float key padding mask (added to the scores, −∞ hiding a key) and a
 * bool attention mask: the float padding is padded with a 0 column for bias_k.
 */
class FloatPaddedSelfAttention extends Module<[Tensor, Tensor, Tensor], [Tensor, Tensor | null]> {
  attn = new MultiheadAttention(8, 2, { batchFirst: true, addBiasKv: true, generator: g });
  forward(x: Tensor, pad: Tensor, blocked: Tensor): [Tensor, Tensor | null] {
    return this.attn.forward(x, x, x, { keyPaddingMask: pad, attnMask: blocked });
  }
}

/** A float key padding mask [n, t]: random values, and −∞ on the last position of every other sequence. */
const floatPadding = (n: number, t: number) =>
  tensor(Array.from({ length: n }, (_, i) => Array.from({ length: t }, (_, j) => (i % 2 === 1 && j === t - 1 ? -Infinity : 0)))).add(f32([n, t]));

/** A bool attention mask [l, s] blocking a scattering of positions, never a whole row (key 0 stays open). */
const blocked2d = (l: number, s: number) => tensor(Array.from({ length: l }, (_, i) => Array.from({ length: s }, (_, j) => j > 0 && (i + j) % 3 === 0)));

/** A bool mask [n·heads, l, s] blocking a scattering of positions, never a whole row (key 0 stays open). */
const blockedPositions = (nh: number, l: number, s: number) =>
  tensor(Array.from({ length: nh }, (_, b) => Array.from({ length: l }, (_, i) => Array.from({ length: s }, (_, j) => j > 0 && (i + j + b) % 3 === 0))));

/** A causal pre-norm GELU encoder with a final norm (TransformerEncoder's `norm`). */
class CausalEncoder extends Module {
  enc = new TransformerEncoder(
    new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu', batchFirst: true, normFirst: true, generator: g }),
    2,
    { norm: new LayerNorm(8) },
  );
  forward(x: Tensor): Tensor {
    return this.enc.forward(x, { isCausal: true });
  }
}

/** A post-norm encoder with a key padding mask (srcKeyPaddingMask, a bool graph input). */
class PaddedEncoder extends Module<[Tensor, Tensor]> {
  enc = new TransformerEncoder(new TransformerEncoderLayer(8, 4, { dimFeedforward: 16, batchFirst: true, generator: g }), 2);
  forward(x: Tensor, pad: Tensor): Tensor {
    return this.enc.forward(x, { srcKeyPaddingMask: pad });
  }
}

/** examples/char-lm's CharLSTM: embeddings → a 2-layer batch-first LSTM → logits at every position. */
class CharLSTM extends Module {
  embed = new Embedding(27, 8, { generator: g });
  lstm = new LSTM(8, 16, { numLayers: 2, batchFirst: true, dropout: 0.1, generator: g });
  out = new Linear(16, 27, { generator: g });
  forward(x: Tensor): Tensor {
    return this.out.forward(this.lstm.forward(this.embed.forward(x))[0]);
  }
}

/**
 * examples/char-lm's CharTransformer: token and learned position embeddings, causal pre-norm GELU blocks. Its
 * positions here are a plain slice of the table, written with the traced length (char-lm's own model reads
 * them through a module with an exporter that slices at run time, and exports with a dynamic length).
 */
class CharTransformer extends Module {
  embed = new Embedding(27, 16, { generator: g });
  position = new Embedding(12, 16, { generator: g });
  blocks = new TransformerEncoder(new TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0.1, activation: 'gelu', batchFirst: true, normFirst: true, generator: g }), 2);
  norm = new LayerNorm(16);
  out = new Linear(16, 27, { generator: g });
  forward(x: Tensor): Tensor {
    const t = x.shape[1]!;
    const h = this.embed.forward(x).add(this.position.weight.narrow(0, 0, t));
    return this.out.forward(this.norm.forward(this.blocks.forward(h, { isCausal: true })));
  }
}

/** A bool key padding mask [n, t] hiding the last position of every other sequence (never a whole row). */
const padding = (n: number, t: number) => tensor(Array.from({ length: n }, (_, i) => Array.from({ length: t }, (_, j) => i % 2 === 1 && j === t - 1)));

export const SEQUENCE_CASES: Record<string, SequenceCase> = {
  rnn_tanh_2layers_h0: {
    model: settle(new RNN(4, 5, { numLayers: 2, generator: g })),
    args: (n, t) => [f32([t, n, 4]), f32([2, n, 5])],
    options: { inputNames: ['input', 'h0'], outputNames: ['output', 'h_n'], dynamicAxes: { input: seq(false), h0: { 1: 'batch' } } },
    sizes: [[2, 5], [3, 7], [1, 2]],
  },
  rnn_relu_bidirectional_batch_first: {
    model: settle(new RNN(4, 5, { nonlinearity: 'relu', bidirectional: true, batchFirst: true, bias: false, generator: g })),
    args: (n, t) => [f32([n, t, 4])],
    options: { outputNames: ['output', 'h_n'], dynamicAxes: { input: seq(true) } },
    sizes: [[3, 4], [5, 6]],
  },
  lstm_2layers_bidirectional_hx: {
    model: settle(new LSTM(4, 5, { numLayers: 2, bidirectional: true, dropout: 0.2, generator: g })),
    args: (n, t) => [f32([t, n, 4]), [f32([4, n, 5]), f32([4, n, 5])]],
    options: {
      inputNames: ['input', 'h0', 'c0'], outputNames: ['output', 'h_n', 'c_n'],
      dynamicAxes: { input: seq(false), h0: { 1: 'batch' }, c0: { 1: 'batch' } },
    },
    sizes: [[2, 5], [4, 3]],
  },
  lstm_batch_first: {
    model: settle(new LSTM(4, 6, { batchFirst: true, generator: g })),
    args: (n, t) => [f32([n, t, 4])],
    options: { outputNames: ['output', 'h_n', 'c_n'], dynamicAxes: { input: seq(true) } },
    sizes: [[3, 5], [6, 2]],
  },
  gru_2layers_bidirectional_batch_first_h0: {
    model: settle(new GRU(4, 5, { numLayers: 2, bidirectional: true, batchFirst: true, generator: g })),
    args: (n, t) => [f32([n, t, 4]), f32([4, n, 5])],
    options: { inputNames: ['input', 'h0'], outputNames: ['output', 'h_n'], dynamicAxes: { input: seq(true), h0: { 1: 'batch' } } },
    sizes: [[2, 6], [5, 3]],
  },
  gru_no_bias: {
    model: settle(new GRU(4, 5, { bias: false, generator: g })),
    args: (n, t) => [f32([t, n, 4])],
    options: { outputNames: ['output', 'h_n'], dynamicAxes: { input: seq(false) } },
    sizes: [[2, 4], [3, 8]],
  },
  mha_cross_weights: {
    model: settle(new MultiheadAttention(8, 2, { kdim: 6, vdim: 5, generator: g })),
    args: (n, t) => [f32([t, n, 8]), f32([t + 2, n, 6]), f32([t + 2, n, 5])],
    options: {
      inputNames: ['query', 'key', 'value'], outputNames: ['output', 'weights'],
      dynamicAxes: { query: { 0: 'target', 1: 'batch' }, key: { 0: 'source', 1: 'batch' }, value: { 0: 'source', 1: 'batch' } },
    },
    sizes: [[2, 3], [4, 6]],
  },
  mha_self_causal_batch_first: {
    model: settle(new CausalSelfAttention()),
    args: (n, t) => [f32([n, t, 8])],
    options: { outputNames: ['output', 'weights'], dynamicAxes: { input: seq(true) } },
    sizes: [[2, 5], [3, 9]],
  },
  mha_masks: {
    model: settle(new MaskedSelfAttention()),
    args: (n, t) => [f32([t, n, 8]), padding(n, t), f32([t, t])],
    options: { inputNames: ['input', 'padding', 'mask'], dynamicAxes: { input: seq(false), padding: { 0: 'batch', 1: 'sequence' }, mask: { 0: 'sequence', 1: 'sequence' } } },
    sizes: [[2, 4], [5, 3]],
  },
  mha_cross_bool_mask: {
    model: settle(new BlockedCrossAttention()),
    args: (n, t) => [f32([t, n, 8]), f32([t + 1, n, 8]), blockedPositions(n * 2, t, t + 1)],
    options: {
      inputNames: ['query', 'memory', 'blocked'], outputNames: ['output', 'weights'],
      // The mask's first dimension is batch·heads, which the export's probe cannot vary together with the
      // batch, so this file keeps the batch fixed and the lengths dynamic.
      dynamicAxes: { query: { 0: 'target' }, memory: { 0: 'source' }, blocked: { 1: 'target', 2: 'source' } },
    },
    sizes: [[2, 4], [2, 6], [2, 2]],
  },
  transformer_post_norm_relu: {
    model: settle(new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, generator: g }), 2)),
    args: (n, t) => [f32([t, n, 8])],
    options: { dynamicAxes: { input: seq(false) } },
    sizes: [[2, 5], [3, 2]],
  },
  transformer_pre_norm_gelu_causal: {
    model: settle(new CausalEncoder()),
    args: (n, t) => [f32([n, t, 8])],
    options: { dynamicAxes: { input: seq(true) } },
    sizes: [[2, 5], [4, 7]],
  },
  transformer_key_padding: {
    model: settle(new PaddedEncoder()),
    args: (n, t) => [f32([n, t, 8]), padding(n, t)],
    options: { inputNames: ['input', 'padding'], dynamicAxes: { input: seq(true), padding: seq(true) } },
    sizes: [[2, 5], [5, 3]],
  },
  char_lstm: {
    model: settle(new CharLSTM()),
    args: (n, t) => [randint(0, 27, [n, t], { generator: g })],
    options: { dynamicAxes: { input: seq(true) } },
    sizes: [[3, 6], [5, 9], [1, 2]],
  },
  char_transformer: {
    // The positions are a fixed window of the position table, so the length is the example's (12, the
    // table's size); declaring it dynamic is refused (see the errors below).
    model: settle(new CharTransformer()),
    args: (n) => [randint(0, 27, [n, 12], { generator: g })],
    options: {},
    sizes: [[2, 12], [7, 12]],
  },
  // Last, so that the generator draws of the cases above (and their committed files) stay as they were.
  mha_bias_kv_zero_attn_cross_masks: {
    model: settle(new BiasKvZeroAttnCrossAttention()),
    args: (n, t) => [f32([t, n, 8]), f32([t + 2, n, 6]), f32([t + 2, n, 5]), padding(n, t + 2), f32([t, t + 2])],
    options: {
      inputNames: ['query', 'key', 'value', 'padding', 'mask'], outputNames: ['output', 'weights'],
      dynamicAxes: {
        query: { 0: 'target', 1: 'batch' }, key: { 0: 'source', 1: 'batch' }, value: { 0: 'source', 1: 'batch' },
        padding: { 0: 'batch', 1: 'source' }, mask: { 0: 'target', 1: 'source' },
      },
    },
    sizes: [[2, 3], [4, 6], [1, 2]],
  },
  mha_bias_kv_causal_batch_first: {
    model: settle(new BiasKvCausalSelfAttention()),
    args: (n, t) => [f32([n, t, 8])],
    options: { outputNames: ['output', 'weights'], dynamicAxes: { input: seq(true) } },
    sizes: [[2, 5], [3, 8]],
  },
  mha_zero_attn_bool_mask: {
    model: settle(new ZeroAttnBlockedSelfAttention()),
    args: (n, t) => [f32([t, n, 8]), blockedPositions(n * 2, t, t)],
    options: {
      inputNames: ['input', 'blocked'], outputNames: ['output', 'weights'],
      // As mha_cross_bool_mask: the mask's first dimension is batch·heads, so the batch stays fixed.
      dynamicAxes: { input: { 0: 'sequence' }, blocked: { 1: 'sequence', 2: 'sequence' } },
    },
    sizes: [[2, 4], [2, 7]],
  },
  mha_float_padding_bias_kv: {
    model: settle(new FloatPaddedSelfAttention()),
    args: (n, t) => [f32([n, t, 8]), floatPadding(n, t), blocked2d(t, t)],
    options: {
      inputNames: ['input', 'padding', 'blocked'], outputNames: ['output', 'weights'],
      dynamicAxes: { input: seq(true), padding: seq(true), blocked: { 0: 'sequence', 1: 'sequence' } },
    },
    sizes: [[2, 4], [3, 6], [1, 2]],
  },
};
