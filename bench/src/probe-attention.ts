// Temporary probe (not committed): per-batch matmul loop vs one bmm call; attention cost breakdown.
import { getBackend, setBackend, randn, manualSeed, matmul, softmax, maskedFill, triu, ones, Generator, sum, mul } from '@tensile/tensor';
import { MultiheadAttention, TransformerEncoder, TransformerEncoderLayer, LayerNorm } from '@tensile/nn';

function time(label: string, fn: () => void, reps = 50): number {
  for (let i = 0; i < 5; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label}: ${ms.toFixed(3)} ms`);
  return ms;
}

for (const backend of ['js', 'wasm']) {
  setBackend(backend);
  console.log(`--- ${backend}`);
  manualSeed(0);
  const BH = 128, T = 16, D = 32;
  const a = randn([BH, T, D]), b = randn([BH, D, T]);
  const out = new Float32Array(BH * T * T);
  const k = getBackend();
  time('per-batch loop of matmul [16,32]x[32,16] x128', () => {
    for (let i = 0; i < BH; i++) {
      k.matmul({ data: a.data, shape: [T, D], strides: [D, 1], offset: i * T * D }, { data: b.data, shape: [D, T], strides: [T, 1], offset: i * D * T }, out.subarray(i * T * T, (i + 1) * T * T));
    }
  });
  time('one bmm call [128,16,32]x[128,32,16]', () => {
    k.bmm({ data: a.data, shape: [BH, T, D], strides: [T * D, D, 1], offset: 0 }, { data: b.data, shape: [BH, D, T], strides: [D * T, T, 1], offset: 0 }, out);
  });
  // Attention pieces on [32, 4, 16, 32]
  const q = randn([32, 4, T, D]), kk = randn([32, 4, T, D]), v = randn([32, 4, T, D]);
  const blocked = triu(ones([T, T], { dtype: 'bool' }), 1);
  let s = matmul(q, kk.transpose(-2, -1));
  time('scores q·kᵀ (4-d, transposed view)', () => { s = matmul(q, kk.transpose(-2, -1)); });
  time('scale mul', () => { s.mul(0.17); });
  let m = s;
  time('maskedFill causal', () => { m = maskedFill(s, blocked, -Infinity); });
  let w = m;
  time('softmax', () => { w = softmax(m, -1); });
  time('weights·v', () => { matmul(w, v); });
  // MHA forward+backward, B=32, T=16, E=128, H=4
  const mha = new MultiheadAttention(128, 4, { batchFirst: true, generator: new Generator(1) });
  const x = randn([32, T, 128]);
  time('MHA forward (causal, no weights)', () => { mha.forward(x, x, x, { isCausal: true, needWeights: false }); }, 20);
  time('MHA forward+backward (causal)', () => { const [y] = mha.forward(x, x, x, { isCausal: true, needWeights: false }); sum(mul(y, y)).backward(); }, 20);
  const layer = new TransformerEncoderLayer(128, 4, { dimFeedforward: 512, dropout: 0, batchFirst: true, normFirst: true, generator: new Generator(2) });
  const gpt = new TransformerEncoder(layer, 4, { norm: new LayerNorm(128) });
  time('4-layer encoder fwd+bwd (B32 T16 E128)', () => { const y = gpt.forward(x, { isCausal: true }); sum(mul(y, y)).backward(); }, 10);
}
