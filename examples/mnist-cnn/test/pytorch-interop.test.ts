// The example's CNN (with batch norm) crosses to PyTorch and back with no renaming, in float64 at 1e-10
// (the shared suite; its PyTorch twin is `CNN` in tools/fixtures/make_interop_fixtures.py).
import { expect } from 'vitest';
import { randn } from '@tensile/tensor';
import { pytorchInteropSuite } from '../../common/test-support/pytorch-interop.js';
import { CNN } from '../src/model.js';

pytorchInteropSuite({
  title: 'the MNIST CNN (with batch norm) and PyTorch',
  key: 'cnn',
  fixtures: new URL('./fixtures/', import.meta.url),
  build: (generator) => new CNN({ batchNorm: true, dropout: 0.25, dtype: 'float64', generator }),
  beforeSaving: (model, g) => {
    // Two training batches give the running statistics and num_batches_tracked (int32 here, int64 in PyTorch).
    for (let i = 0; i < 2; i++) model.forward(randn([4, 1, 28, 28], { dtype: 'float64', generator: g }));
    expect(model.stateDict().get('bn1.num_batches_tracked')!.item()).toBe(2);
  },
});
