// scaledDotProductAttention, MultiheadAttention, TransformerEncoderLayer and TransformerEncoder against
// PyTorch 1.13 (tools/fixtures/make_attention_fixtures.py): outputs, attention weights, input and parameter
// gradients in float64 at 1e-10, on every backend. The PyTorch state dicts load with their own keys.
import { describe, expect, it } from 'vitest';
import { Tensor, grad, listBackends, mul, setBackend, sum, add } from '@tensile/tensor';
import {
  LayerNorm, MultiheadAttention, TransformerEncoder, TransformerEncoderLayer, scaledDotProductAttention, type Module,
} from '../src/index.js';
import { expectAllClose, fromFixture, loadJson, type FixtureTensor } from './helpers.js';

type T = FixtureTensor;
interface SdpaCase {
  name: string; query: T; key: T; value: T; attnMask: T | null; isCausal: boolean; scale: number | null;
  output: T; gradOutput: T; grads: Record<string, T>;
}
interface MhaCase {
  name: string;
  config: { embedDim: number; numHeads: number; batchFirst?: boolean; bias?: boolean; kdim?: number; vdim?: number; addBiasKv?: boolean; addZeroAttn?: boolean };
  stateDict: Record<string, T>; selfAttention: boolean; query: T; key: T | null; value: T | null;
  forward: { attnMask: T | null; keyPaddingMask: T | null; isCausal: boolean; needWeights: boolean; averageAttnWeights: boolean };
  output: T; weights: T | null; gradOutput: T; gradWeights: T | null; grads: Record<string, T | null>; paramGrads: Record<string, T>;
}
interface LayerConfig { dModel: number; nhead: number; dimFeedforward: number; activation?: 'relu' | 'gelu'; layerNormEps?: number; batchFirst?: boolean; normFirst?: boolean }
interface ModuleCase {
  name: string; config: LayerConfig; stateDict: Record<string, T>; src: T;
  forward: { srcMask?: T | null; srcKeyPaddingMask: T | null; isCausal: boolean };
  output: T; gradOutput: T; grads: { src: T }; paramGrads: Record<string, T>;
  numLayers?: number; finalNorm?: boolean;
}
const FX = loadJson<{ sdpa: SdpaCase[]; mha: MhaCase[]; encoderLayer: ModuleCase[]; encoder: ModuleCase[] }>('attention.json');

const tol = { rtol: 1e-10, atol: 1e-12 };
const maybe = (t: T | null | undefined, requiresGrad = false): Tensor | null => (t ? fromFixture(t, { requiresGrad }) : null);
const stateDictOf = (sd: Record<string, T>) => new Map(Object.entries(sd).map(([k, v]) => [k, fromFixture(v)]));

/** Loads PyTorch's state dict with its own keys (strict), and checks the model has exactly those keys. */
function load(model: Module<never[], unknown>, sd: Record<string, T>): void {
  expect([...model.stateDict().keys()].sort()).toEqual(Object.keys(sd).sort());
  model.loadStateDict(stateDictOf(sd), { strict: true });
}

function checkParamGrads(model: Module<never[], unknown>, expected: Record<string, T>, label: string): void {
  const named = new Map(model.namedParameters());
  // Same names in the same order as PyTorch's named_parameters().
  expect([...named.keys()]).toEqual(Object.keys(expected));
  for (const [k, g] of Object.entries(expected)) expectAllClose(named.get(k)!.grad, g, { ...tol, label: `${label} grad of ${k}` });
}

function layerOptions(c: LayerConfig) {
  return { dimFeedforward: c.dimFeedforward, dropout: 0, activation: c.activation, layerNormEps: c.layerNormEps, batchFirst: c.batchFirst, normFirst: c.normFirst, dtype: 'float64' as const };
}

describe.each(listBackends())('backend %s: attention matches PyTorch 1.13', (backend) => {
  const use = () => setBackend(backend);

  it.each(FX.sdpa)('scaledDotProductAttention $name', (c) => {
    const prev = use();
    try {
      const q = fromFixture(c.query, { requiresGrad: true });
      const k = fromFixture(c.key, { requiresGrad: true });
      const v = fromFixture(c.value, { requiresGrad: true });
      const mask = c.attnMask ? fromFixture(c.attnMask, { requiresGrad: c.attnMask.dtype !== 'bool' }) : null;
      const y = scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: c.isCausal, scale: c.scale });
      expectAllClose(y, c.output, { ...tol, label: 'output' });
      const inputs = [q, k, v, ...(mask?.requiresGrad ? [mask] : [])];
      const grads = grad(sum(mul(y, fromFixture(c.gradOutput))), inputs);
      ['query', 'key', 'value', 'attnMask'].slice(0, inputs.length).forEach((name, i) => expectAllClose(grads[i], c.grads[name]!, { ...tol, label: `grad of ${name}` }));
    } finally {
      setBackend(prev);
    }
  });

  it.each(FX.mha)('MultiheadAttention $name', (c) => {
    const prev = use();
    try {
      const { embedDim, numHeads, ...rest } = c.config;
      const mha = new MultiheadAttention(embedDim, numHeads, { ...rest, dtype: 'float64' });
      load(mha as never, c.stateDict);
      const q = fromFixture(c.query, { requiresGrad: true });
      const k = c.selfAttention ? q : fromFixture(c.key!, { requiresGrad: true });
      const v = c.selfAttention ? q : fromFixture(c.value!, { requiresGrad: true });
      const f = c.forward;
      const [y, w] = mha.forward(q, k, v, {
        attnMask: maybe(f.attnMask), keyPaddingMask: maybe(f.keyPaddingMask), isCausal: f.isCausal,
        needWeights: f.needWeights, averageAttnWeights: f.averageAttnWeights,
      });
      expectAllClose(y, c.output, { ...tol, label: 'output' });
      if (c.weights === null) expect(w).toBeNull();
      else expectAllClose(w, c.weights, { ...tol, label: 'attention weights' });
      let loss = sum(mul(y, fromFixture(c.gradOutput)));
      if (w !== null) loss = add(loss, sum(mul(w, fromFixture(c.gradWeights!))));
      loss.backward();
      expectAllClose(q.grad, c.grads.query!, { ...tol, label: 'grad of query' });
      if (!c.selfAttention) {
        expectAllClose(k.grad, c.grads.key!, { ...tol, label: 'grad of key' });
        expectAllClose(v.grad, c.grads.value!, { ...tol, label: 'grad of value' });
      }
      checkParamGrads(mha as never, c.paramGrads, 'MultiheadAttention');
    } finally {
      setBackend(prev);
    }
  });

  it.each(FX.encoderLayer)('TransformerEncoderLayer $name', (c) => {
    const prev = use();
    try {
      const layer = new TransformerEncoderLayer(c.config.dModel, c.config.nhead, layerOptions(c.config));
      load(layer as never, c.stateDict);
      const src = fromFixture(c.src, { requiresGrad: true });
      const y = layer.forward(src, { srcMask: maybe(c.forward.srcMask), srcKeyPaddingMask: maybe(c.forward.srcKeyPaddingMask), isCausal: c.forward.isCausal });
      expectAllClose(y, c.output, { ...tol, label: 'output' });
      sum(mul(y, fromFixture(c.gradOutput))).backward();
      expectAllClose(src.grad, c.grads.src, { ...tol, label: 'grad of src' });
      checkParamGrads(layer as never, c.paramGrads, 'TransformerEncoderLayer');
    } finally {
      setBackend(prev);
    }
  });

  it.each(FX.encoder)('TransformerEncoder $name', (c) => {
    const prev = use();
    try {
      const layer = new TransformerEncoderLayer(c.config.dModel, c.config.nhead, layerOptions(c.config));
      const enc = new TransformerEncoder(layer, c.numLayers!, { norm: c.finalNorm ? new LayerNorm(c.config.dModel, { dtype: 'float64' }) : null });
      load(enc as never, c.stateDict);
      const src = fromFixture(c.src, { requiresGrad: true });
      const y = enc.forward(src, { srcKeyPaddingMask: maybe(c.forward.srcKeyPaddingMask), isCausal: c.forward.isCausal });
      expectAllClose(y, c.output, { ...tol, label: 'output' });
      sum(mul(y, fromFixture(c.gradOutput))).backward();
      expectAllClose(src.grad, c.grads.src, { ...tol, label: 'grad of src' });
      checkParamGrads(enc as never, c.paramGrads, 'TransformerEncoder');
    } finally {
      setBackend(prev);
    }
  });
});
