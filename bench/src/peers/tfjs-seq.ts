// TF.js peers of W8 (the small decoder-only transformer) and W9 (the LSTM language model).
// tf.layers has no transformer block, so W8 is written in tf ops on tf.variables and trained with
// optimizer.minimize over them. W9 uses tf.layers.lstm. Token ids enter as one-hot rows times an embedding
// matrix (an embedding lookup as a matmul): tfjs's gather gradient needs UnsortedSegmentSum, which
// tfjs-backend-wasm does not have, so tf.layers.embedding cannot train there.
import { tf } from './tfjs.js';
import { W8, W9, tokenBatch } from '../seq-models.js';
import type { Case } from '../workload.js';

/** One-hot float32 `[batch·steps, vocab]` inputs and targets of the shared fixed batch. */
function oneHotBatch(batch: number, steps: number, vocab: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const { ids, targets } = tokenBatch(batch, steps, vocab);
  return tf.tidy(() => ({
    x: tf.oneHot(tf.tensor1d(ids, 'int32'), vocab).toFloat() as tf.Tensor2D,
    y: tf.oneHot(tf.tensor1d(targets, 'int32'), vocab).toFloat() as tf.Tensor2D,
  }));
}

/** W8 in tf ops: the same architecture as Tensile's and PyTorch's (pre-norm, causal, GELU (erf), final LayerNorm). */
export function tfTransformerCase(): Case {
  const { batch: B, context: T, vocab: V, width: C, heads: H, feedforward: F, layers: L } = W8;
  const D = C / H;
  let seed = 1;
  const vars: tf.Variable[] = [];
  const param = (shape: number[], std: number): tf.Variable => {
    const v = tf.variable(tf.tidy(() => tf.randomNormal(shape, 0, std, 'float32', seed++)));
    vars.push(v);
    return v;
  };
  const constant = (shape: number[], value: number): tf.Variable => {
    const v = tf.variable(tf.fill(shape, value));
    vars.push(v);
    return v;
  };
  const linear = (inF: number, outF: number) => ({ w: param([inF, outF], 1 / Math.sqrt(inF)), b: constant([outF], 0) });
  const norm = () => ({ g: constant([C], 1), b: constant([C], 0) });
  const tok = param([V, C], 1);
  const pos = param([T, C], 1);
  const blocks = Array.from({ length: L }, () => ({ ln1: norm(), qkv: linear(C, 3 * C), proj: linear(C, C), ln2: norm(), fc1: linear(C, F), fc2: linear(F, C) }));
  const lnF = norm();
  const head = linear(C, V);
  const { x, y } = oneHotBatch(B, T, V);
  // The causal mask as an additive bias: −1e9 where j > i (a large finite number: tfjs adds −∞ as NaN-prone).
  const mask = tf.tidy(() => tf.sub(tf.linalg.bandPart(tf.ones([T, T]), -1, 0), 1).mul(1e9));

  const layerNorm = (h: tf.Tensor, p: { g: tf.Tensor; b: tf.Tensor }) => {
    const { mean, variance } = tf.moments(h, -1, true);
    return h.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(p.g).add(p.b);
  };
  const dense = (h: tf.Tensor2D, p: { w: tf.Tensor; b: tf.Tensor }) => tf.matMul(h, p.w as tf.Tensor2D).add(p.b) as tf.Tensor2D;
  const gelu = (h: tf.Tensor) => h.mul(tf.erf(h.mul(Math.SQRT1_2)).add(1)).mul(0.5);
  const heads = (h: tf.Tensor) => h.reshape([B, T, H, D]).transpose([0, 2, 1, 3]); // [B, H, T, D]

  const forward = (): tf.Tensor2D => {
    let h: tf.Tensor = tf.matMul(x, tok).reshape([B, T, C]).add(pos); // [B, T, C]
    for (const blk of blocks) {
      const a = layerNorm(h, blk.ln1).reshape([B * T, C]) as tf.Tensor2D;
      const [q, k, v] = tf.split(dense(a, blk.qkv), 3, 1).map(heads) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(D)).add(mask);
      const att = tf.matMul(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape([B * T, C]) as tf.Tensor2D;
      h = h.add(dense(att, blk.proj).reshape([B, T, C]));
      const f = layerNorm(h, blk.ln2).reshape([B * T, C]) as tf.Tensor2D;
      h = h.add(dense(gelu(dense(f, blk.fc1)) as tf.Tensor2D, blk.fc2).reshape([B, T, C]));
    }
    return dense(layerNorm(h, lnF).reshape([B * T, C]) as tf.Tensor2D, head);
  };
  const optimizer = tf.train.adam(1e-3);
  return {
    fn: () => {
      tf.tidy(() => {
        optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, forward()) as tf.Scalar, false, vars);
      });
    },
    unitsPerCall: B,
    dispose: () => {
      optimizer.dispose();
      tf.dispose([...vars, x, y, mask]);
    },
  };
}

/** W9 with tf.layers: one-hot → dense(64, no bias) (the embedding) → lstm(256, every step) → dense(27). */
export function tfLstmCase(): Case {
  const { batch: B, seq: T, vocab: V, embedding: E, hidden: N } = W9;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [T, V], units: E, useBias: false }),
      // glorotNormal instead of the default orthogonal recurrent init (a QR of a 256×1024 matrix): same step cost.
      tf.layers.lstm({ units: N, returnSequences: true, recurrentInitializer: 'glorotNormal' }),
      tf.layers.dense({ units: V }),
    ],
  });
  const { x: x2, y: y2 } = oneHotBatch(B, T, V);
  const x = x2.reshape([B, T, V]);
  const y = y2.reshape([B, T, V]);
  tf.dispose([x2, y2]);
  const optimizer = tf.train.adam(1e-3);
  return {
    fn: () => {
      tf.tidy(() => {
        optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, false);
      });
    },
    unitsPerCall: B,
    dispose: () => {
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}
