// TF.js 4.22 as a peer: its `cpu` backend (plain JS) and `wasm` (XNNPACK, SIMD; single-threaded in Node, where
// tfjs-backend-wasm turns multithreading off). The .wasm binaries ship inside the npm package and are loaded from
// node_modules.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

// Production mode only silences tfjs's warnings (among them the "install tfjs-node" banner); it changes no kernel.
tf.enableProdMode();

let wasmPathsSet = false;

/** Points tfjs-backend-wasm at the binaries in its own npm package (before the backend initialises). */
export function configureTfjsWasm(): string {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  if (!wasmPathsSet) {
    setWasmPaths(dir);
    wasmPathsSet = true;
  }
  return dir;
}

/** Selects a tfjs backend ('cpu' or 'wasm'); throws if it does not initialise. */
export async function useTfjs(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm') configureTfjsWasm();
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error(`tfjs: backend ${backend} did not initialise`);
}

/** What the tfjs wasm backend runs with (SIMD, threads). */
export async function tfjsWasmInfo(): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs-backend-wasm ${tf.version.tfjs}: ${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multithreaded' : 'single thread'}`;
}

/** One-hot float32 labels `[batch, classes]`, label i = i mod classes. */
export function tfLabels(batch: number, classes = 10): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32'), classes).toFloat() as tf.Tensor2D);
}

/** A training step: forward, softmax cross-entropy, backward, Adam update; everything else is disposed. */
export function tfTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): () => void {
  return () => {
    tf.tidy(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, false);
    });
  };
}

/** An MLP `sizes[0] → … → sizes[n]` with ReLU between the dense layers and logits out. */
export function tfMlp(sizes: readonly number[]): tf.Sequential {
  const model = tf.sequential();
  for (let i = 1; i < sizes.length; i++) {
    const last = i === sizes.length - 1;
    model.add(tf.layers.dense({ units: sizes[i]!, activation: last ? 'linear' : 'relu', ...(i === 1 ? { inputShape: [sizes[0]!] } : {}) }));
  }
  return model;
}

/** LeNet-5 on 28×28×1 (NHWC, tfjs's native layout): conv 6@5×5, pool 2, conv 16@5×5, pool 2, 120, 84, 10; ReLU. */
export function tfLeNet(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}
