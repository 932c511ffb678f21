// The MLP example's recipes and model; main.ts runs it.
import type { ClassifierExample, Recipe } from '@tensile/examples-common';
import { MLP } from './model.js';

/** PyTorch's reference run: Adam lr 1e-3, batch 64, inputs in [0, 1], default init, nothing else. */
const pytorch = (dataset: string): Recipe => ({
  epochs: dataset === 'mnist' ? 10 : 5, batchSize: 64, lr: 1e-3, optimizer: 'adam', dialect: 'torch', schedule: 'constant',
  shift: 0, dropout: 0, normalize: false, batchNorm: false, labelSmoothing: 0,
});

/** The default: normalised inputs, a one-cycle schedule, random shifts (digits), dropout, more epochs. */
const tuned = (dataset: string): Recipe => ({
  epochs: dataset === 'mnist' ? 30 : 15, batchSize: 64, lr: 2e-3, optimizer: 'adam', dialect: 'notebook', schedule: 'onecycle',
  // Fashion-MNIST's items are centred and the MLP underfits them already: no shifts there, less dropout.
  shift: dataset === 'mnist' ? 2 : 0, dropout: dataset === 'mnist' ? 0.2 : 0.1, normalize: true, batchNorm: false, labelSmoothing: 0,
});

/** The MLP example: its recipes and how to build its model from the settings. */
export const mlpExample: ClassifierExample = {
  name: 'mnist-mlp',
  summary: 'trains a 784-128-10 MLP on handwritten digits (the mnist package\'s 10,000) or Fashion-MNIST.',
  recipeHelp:
    'Recipes: "tuned" (default) normalises the inputs, shifts the digits randomly by up to 2 pixels, adds\n' +
    'dropout (0.2; 0.1 on Fashion-MNIST) and a one-cycle learning-rate schedule, and trains 30 epochs (15 on\n' +
    'Fashion-MNIST). "pytorch" is the reference recipe: Adam lr 1e-3, batch 64, inputs in [0, 1], 10 epochs on\n' +
    'digits, 5 on Fashion-MNIST. Flags override a recipe\'s settings.',
  flatten: true,
  recipes: { tuned, pytorch },
  describeModel: () => 'MLP 784-128-10',
  buildModel: (config, g) => new MLP({ dropout: config.dropout, dtype: config.dtype, generator: g.init, dropoutGenerator: g.dropout }),
};

