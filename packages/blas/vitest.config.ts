// The package's own tests, plus PyTorch-parity suites of @tensile/tensor and @tensile/nn run again with the
// 'blas' backend registered (test/setup.ts): they iterate over listBackends(), so each runs on js, wasm and blas.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../vitest.shared.js';

export default mergeConfig(shared, defineConfig({
  test: { setupFiles: ['test/setup.ts'] },
}));
