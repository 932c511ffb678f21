// The example's MLP crosses to PyTorch and back with no renaming, in float64 at 1e-10 (the shared suite;
// its PyTorch twin is `MLP` in tools/fixtures/make_interop_fixtures.py).
import { pytorchInteropSuite } from '../../common/test-support/pytorch-interop.js';
import { MLP } from '../src/model.js';

pytorchInteropSuite({
  title: 'the MNIST MLP and PyTorch',
  key: 'mlp',
  fixtures: new URL('./fixtures/', import.meta.url),
  build: (generator) => new MLP({ dropout: 0.2, dtype: 'float64', generator }),
});
