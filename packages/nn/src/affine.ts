// x·Wᵀ + b without argument checks: `F.linear` and the `Linear` layer each check their arguments once, with
// their own wording, and then share this.
import { addmm, matmul, reshape, type Tensor } from '@tensile/tensor';

/**
 * `x·Wᵀ + b` for checked arguments: `x` `[…, in]`, `weight` `[out, in]`, `bias` `[out]` or null. With a bias,
 * the rows of `x` go through one `addmm` (as PyTorch's linear does), which adds the bias into the product's
 * own buffer instead of making a second tensor.
 */
export function affine(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  if (bias === null || x.ndim < 2 || x.dtype !== weight.dtype || bias.dtype !== weight.dtype) {
    const y = matmul(x, weight.t());
    return bias === null ? y : y.add(bias);
  }
  if (x.ndim === 2) return addmm(bias, x, weight.t());
  const y = addmm(bias, reshape(x, [-1, x.shape[x.ndim - 1]!]), weight.t());
  return reshape(y, [...x.shape.slice(0, -1), weight.shape[0]!]);
}
