// A training-step workload (W1–W4) for Tensile and tfjs: same model, batch and loss; samples per second.
import { manualSeed } from '@tensile/tensor';
import type { Sequential } from '@tensile/nn';
import type { Framework } from './frameworks.js';
import type * as TfjsPeer from './peers/tfjs.js';
import { tensileTrainStep } from './models.js';
import type { Case, Workload } from './workload.js';

export interface TrainSpec {
  id: string;
  title: string;
  batch: number;
  /** Tensile's input shape without the batch dimension (NCHW for images). */
  inputShape: number[];
  /** tfjs's input shape without the batch dimension (NHWC for images). */
  tfInputShape: number[];
  tensileModel: () => Sequential;
  /** The tfjs model, built with the lazily imported peer module. */
  tfModel: (peer: typeof TfjsPeer) => TfjsPeer.tf.Sequential;
}

export async function buildTrainCase(spec: TrainSpec, fw: Framework): Promise<Case> {
  if (fw.kind === 'tensile') {
    manualSeed(0);
    const step = tensileTrainStep(spec.tensileModel(), spec.batch, spec.inputShape);
    return { fn: () => void step(), unitsPerCall: spec.batch };
  }
  const peer = await import('./peers/tfjs.js');
  const { tf } = peer;
  const model = spec.tfModel(peer);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([spec.batch, ...spec.tfInputShape], 0, 1, 'float32', 0);
  const y = peer.tfLabels(spec.batch);
  return {
    fn: peer.tfTrainStep(model, optimizer, x, y),
    unitsPerCall: spec.batch,
    dispose: () => {
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}

export function trainWorkload(spec: TrainSpec): Workload {
  return {
    id: spec.id,
    title: spec.title,
    variants: [{ id: spec.id, workload: spec.id, label: spec.title, unit: 'samples/s' }],
    build: (fw) => buildTrainCase(spec, fw),
  };
}
