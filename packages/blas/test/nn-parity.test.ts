// @tensile/nn's PyTorch-parity suites that iterate over the backends: the recurrent layers and cells, and
// attention with the transformer layers (float64 at 1e-10: outputs and every gradient), run here with 'blas'
// registered (setup.ts) so that each runs on js, wasm and blas.
import '../../nn/test/rnn-parity.test.ts';
import '../../nn/test/attention-parity.test.ts';
