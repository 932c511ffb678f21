// The CNN example's recipes and model; main.ts runs it.
import type { ClassifierExample, Recipe } from '@tensile/examples-common';
import { CNN } from './model.js';

/** PyTorch's reference run: the plain CNN (no batch norm, no dropout), Adam lr 1e-3, batch 64, inputs in [0, 1]. */
const pytorch = (dataset: string): Recipe => ({
  epochs: dataset === 'mnist' ? 5 : 3, batchSize: 64, lr: 1e-3, optimizer: 'adam', dialect: 'torch', schedule: 'constant',
  shift: 0, dropout: 0, normalize: false, batchNorm: false, labelSmoothing: 0,
});

/** The default: batch norm, dropout, normalised inputs, random shifts, a one-cycle schedule, more epochs. */
const tuned = (dataset: string): Recipe => ({
  epochs: dataset === 'mnist' ? 12 : 8, batchSize: 64, lr: 2e-3, optimizer: 'adam', dialect: 'notebook', schedule: 'onecycle',
  shift: dataset === 'mnist' ? 2 : 1, dropout: 0.25, normalize: true, batchNorm: true, labelSmoothing: 0,
});

/** The CNN example: its recipes and how to build its model from the settings. */
export const cnnExample: ClassifierExample = {
  name: 'mnist-cnn',
  summary: 'trains a LeNet-style CNN (Conv2d, MaxPool2d, BatchNorm, Dropout) on handwritten digits or Fashion-MNIST.',
  recipeHelp:
    'Recipes: "tuned" (default) adds batch norm and dropout (0.25), normalises the inputs, shifts the images\n' +
    'randomly by up to 2 pixels (1 on Fashion-MNIST), uses a one-cycle learning-rate schedule and trains 12 epochs\n' +
    '(8 on Fashion-MNIST). "pytorch" is the reference recipe: the plain CNN, Adam lr 1e-3, batch 64, inputs in\n' +
    '[0, 1], 5 epochs on digits, 3 on Fashion-MNIST. Flags override a recipe\'s settings.',
  flatten: false,
  recipes: { tuned, pytorch },
  describeModel: (c) => `CNN conv5×5(16)${c.batchNorm ? '-BN' : ''}-pool-conv5×5(32)${c.batchNorm ? '-BN' : ''}-pool-128-10`,
  buildModel: (config, g) =>
    new CNN({ batchNorm: config.batchNorm, dropout: config.dropout, dtype: config.dtype, generator: g.init, dropoutGenerator: g.dropout }),
};

