import { checkOptions, checkTensor, describeValue } from '../check.js';
import { DTypeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { grad } from './engine.js';
import { noGrad } from './grad-mode.js';
import { zerosLike } from '../ops/creation.js';

export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
}

/** Error thrown by `gradcheck`: names the output, the input, the worst element and both values. */
export class GradcheckError extends Error {
  override name = 'GradcheckError';
}

/** Storage positions of a tensor's elements in row-major order. */
function positions(t: Tensor): number[] {
  const out: number[] = [];
  const idx = new Array<number>(t.ndim).fill(0);
  for (let e = 0; e < t.numel; e++) {
    let p = t.offset;
    for (let d = 0; d < t.ndim; d++) p += idx[d]! * t.strides[d]!;
    out.push(p);
    for (let d = t.ndim - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function asList(y: Tensor | readonly Tensor[]): Tensor[] {
  return Array.isArray(y) ? [...(y as readonly Tensor[])] : [y as Tensor];
}

/**
 * Compares the gradients of `fn` at `inputs` with float64 central differences (PyTorch's
 * `torch.autograd.gradcheck`). Every input that requires grad must be float64. Returns true or throws a
 * `GradcheckError` naming the output, the input, the worst element and both values.
 * @example
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradcheck((x) => x.tanh().sum(1), [x]);
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[], inputs: readonly Tensor[], opts: GradcheckOptions = {}): boolean {
  if (typeof fn !== 'function') throw new TypeError(`gradcheck: fn must be a function, got ${describeValue(fn)}`);
  if (!Array.isArray(inputs)) throw new TypeError(`gradcheck: inputs must be an array of Tensors, got ${describeValue(inputs)}`);
  inputs.forEach((t, i) => checkTensor('gradcheck', `inputs[${i}]`, t));
  checkOptions('gradcheck', opts, ['eps', 'atol', 'rtol']);
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  if (!(eps > 0 && Number.isFinite(eps))) throw new RangeError(`gradcheck: eps must be a positive finite number, got ${describeValue(eps)}`);
  if (!(atol >= 0) || !(rtol >= 0)) throw new RangeError(`gradcheck: atol and rtol must be non-negative numbers, got ${describeValue(atol)} and ${describeValue(rtol)}`);
  const diffIdx = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  for (const i of diffIdx) {
    if (inputs[i]!.dtype !== 'float64') {
      throw new DTypeError(`gradcheck: input ${i} is ${inputs[i]!.dtype}; finite differences need float64 inputs`);
    }
  }
  const outputs = asList(fn(...inputs));
  const diffInputs = diffIdx.map((i) => inputs[i]!);
  // Analytical Jacobian rows: one backward pass per output element.
  const analytic: number[][][] = outputs.map((o) => {
    const rows: number[][] = [];
    for (let j = 0; j < o.numel; j++) {
      if (!o.requiresGrad) {
        rows.push(diffInputs.map(() => 0));
        continue;
      }
      const seed = zerosLike(o);
      seed.data[j] = 1;
      const grads = grad([o], diffInputs, { gradOutputs: [seed], retainGraph: true, allowUnused: true });
      rows.push(...[grads.flatMap((g, k) => (g === null ? new Array<number>(diffInputs[k]!.numel).fill(0) : Array.from(g.toTypedArray())))]);
    }
    return rows;
  });
  // Numerical Jacobian columns.
  let inputOffset = 0;
  diffInputs.forEach((x, k) => {
    const pos = positions(x);
    pos.forEach((p, e) => {
      const orig = x.data[p]!;
      x.data[p] = orig + eps;
      const plus = noGrad(() => asList(fn(...inputs)).map((o) => o.toTypedArray()));
      x.data[p] = orig - eps;
      const minus = noGrad(() => asList(fn(...inputs)).map((o) => o.toTypedArray()));
      x.data[p] = orig;
      outputs.forEach((o, oi) => {
        for (let j = 0; j < o.numel; j++) {
          const num = (plus[oi]![j]! - minus[oi]![j]!) / (2 * eps);
          const ana = analytic[oi]![j]![inputOffset + e]!;
          if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) {
            throw new GradcheckError(
              `gradcheck: Jacobian mismatch for output ${oi} (shape ${fmtShape(o.shape)}) with respect to input ${diffIdx[k]} ` +
                `(shape ${fmtShape(x.shape)}) at output element ${j}, input element ${e}: analytical ${ana}, numerical ${num} ` +
                `(atol ${atol}, rtol ${rtol})`,
            );
          }
        }
      });
    });
    inputOffset += x.numel;
  });
  return true;
}
