import { DTypeError, Tensor, copy_, fmtShape, isFloat, noGrad, zeros, type Storage } from '@tensile/tensor';

/**
 * A tensor that a `Module` owns as a trainable weight: a `Tensor` with `requiresGrad = true` that the
 * module walk (`namedParameters()`, `stateDict()`) finds in its fields. Like `torch.nn.Parameter`, it
 * shares storage with the tensor it wraps when that tensor is contiguous, and copies it otherwise.
 * Int tensors are allowed with `requiresGrad = false` (PyTorch refuses them outright).
 * @example
 * this.scale = new Parameter(ones([10]));
 * new Parameter(zeros([3]), false); // a frozen parameter
 */
/** A contiguous copy of `t`'s elements made by the current backend (in wasm memory where it keeps tensors). */
function ownCopy(t: Tensor): Storage {
  const c = zeros([...t.shape], { dtype: t.dtype });
  noGrad(() => copy_(c, t));
  return c.storage;
}

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) {
      throw new TypeError(`Parameter: expected a Tensor, got ${data === null ? 'null' : typeof data}`);
    }
    const owns = data.offset === 0 && data.isContiguous && data.storage.length === data.numel;
    // The copy is made by the current backend (so it lives in wasm memory where the wasm backend keeps tensors,
    // or on the device of a device backend).
    super(owns ? data.storage : ownCopy(data), [...data.shape]);
    if (requiresGrad && !isFloat(this.dtype)) {
      throw new DTypeError(
        `Parameter: only float tensors can require gradients, got a ${this.dtype} tensor of shape ${fmtShape(this.shape)}; pass requiresGrad = false to keep it frozen`,
      );
    }
    this.requiresGrad = requiresGrad;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
