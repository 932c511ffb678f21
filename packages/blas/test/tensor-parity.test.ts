// @tensile/tensor's PyTorch-parity suite (outputs, gradients and Hessian-vector products of every op against
// the committed fixtures, on contiguous and strided inputs), run here with 'blas' registered (setup.ts): the
// suite iterates over listBackends(), so its matmul, bmm, baddbmm, linear and conv cases run in the library too.
import '../../tensor/test/parity.test.ts';
