// x·Wᵀ + b without argument checks: `F.linear` and the `Linear` layer each check their arguments once, with
// their own wording, and then share this.
import { matmul, type Tensor } from '@tensile/tensor';

/** `x·Wᵀ + b` for checked arguments: `x` `[…, in]`, `weight` `[out, in]`, `bias` `[out]` or null. */
export function affine(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const y = matmul(x, weight.t());
  return bias === null ? y : y.add(bias);
}
