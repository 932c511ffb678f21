// Tensor-to-tensor transforms for inputs and labels (torchvision.transforms, as plain functions).
// They work on a batch from a DataLoader as well as on one sample, and `compose` chains them.
import {
  Generator, ShapeError, Tensor, checkOptions, checkTensor, describeValue, fmtShape, getDefaultGenerator, isFloat, oneHot as oneHotOp, tensor, type DType,
} from '@tensile/tensor';

/** A function from tensor to tensor. */
export type Transform = (x: Tensor) => Tensor;

/**
 * Applies transforms left to right (torchvision's `Compose`).
 * @example
 * const prep = compose(randomShift(2, { generator: g }), normalize(0.1307, 0.3081), flatten());
 */
export function compose(...transforms: Transform[]): Transform {
  transforms.forEach((t, k) => {
    if (typeof t !== 'function') throw new TypeError(`compose: transform ${k} is ${typeof t}, not a function`);
  });
  return (x) => transforms.reduce((y, t) => t(y), x);
}

function perChannel(what: string, value: number | readonly number[]): number[] {
  const values = typeof value === 'number' ? [value] : [...value];
  if (values.length === 0 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new RangeError(`normalize: ${what} must be a finite number or a non-empty list of them, got ${Array.isArray(value) ? `[${value.map((v) => describeValue(v)).join(', ')}]` : describeValue(value)}`);
  }
  return values;
}

/**
 * `(x − mean) / std` (torchvision's `Normalize`). A list gives one value per channel, the dimension
 * third from the end ([C, H, W] or [N, C, H, W]); a number applies to every element. Integer inputs
 * come out float32. MNIST's usual constants are mean 0.1307, std 0.3081 (of pixels in [0, 1]).
 * @example normalize(0.1307, 0.3081)(images)
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  const m = perChannel('mean', mean);
  const s = perChannel('std', std);
  if (s.some((v) => v <= 0)) throw new RangeError(`normalize: std must be positive, got ${JSON.stringify(std)}`);
  if (m.length > 1 && s.length > 1 && m.length !== s.length) {
    throw new RangeError(`normalize: mean has ${m.length} channels but std has ${s.length}`);
  }
  const channels = Math.max(m.length, s.length);
  return (x) => {
    checkTensor('normalize', 'input', x);
    if (channels === 1) return x.sub(m[0]!).div(s[0]!);
    if (x.ndim < 3 || x.shape[x.ndim - 3] !== channels) {
      throw new ShapeError(`normalize: ${channels} per-channel values need inputs shaped [C, H, W] or [N, C, H, W] with C = ${channels}, got ${fmtShape(x.shape)}`);
    }
    const dtype: DType = isFloat(x.dtype) ? x.dtype : 'float32';
    const column = (v: number[]) => tensor(v.length === 1 ? Array(channels).fill(v[0]) : v, { dtype }).reshape([channels, 1, 1]);
    return x.sub(column(m)).div(column(s));
  };
}

/**
 * Flattens dimensions `startDim…` into one (PyTorch's `nn.Flatten`, which starts at 1 so a batch keeps
 * its first dimension). For one [C, H, W] sample use `flatten(0)`.
 * @example flatten()(images) // [64, 1, 28, 28] → [64, 784]
 */
export function flatten(startDim = 1): Transform {
  if (!Number.isInteger(startDim)) throw new RangeError(`flatten: startDim must be an integer, got ${startDim}`);
  return (x) => {
    checkTensor('flatten', 'input', x);
    return x.flatten(startDim);
  };
}

/**
 * Integer labels to one-hot rows with a new last dimension of `numClasses` (float32 by default, for
 * losses that take probabilities; `crossEntropy` takes the int32 labels directly).
 * @example oneHot(10)(tensor([3, 0], { dtype: 'int32' })) // [[0,0,0,1,0,…], [1,0,…]]
 */
export function oneHot(numClasses: number, opts: { dtype?: DType } = {}): Transform {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  checkOptions('oneHot', opts, ['dtype']);
  const dtype = opts.dtype ?? 'float32';
  return (labels) => {
    checkTensor('oneHot', 'labels', labels);
    const hot = oneHotOp(labels, numClasses);
    return dtype === 'int32' ? hot : hot.to(dtype);
  };
}

/** Options of `randomShift`. */
export interface RandomShiftOptions {
  /** The source of the shifts (default: the default generator). */
  generator?: Generator;
  /** The value shifted-in pixels take (default 0, the background of MNIST). */
  fill?: number;
}

/**
 * Shifts each image by a random whole number of pixels, up to `maxShift` in each direction: pad by
 * `maxShift` with `fill`, then crop back at a random offset (torchvision's `RandomCrop(size, padding)`).
 * The last two dimensions are height and width. A 4-d [N, C, H, W] batch gets one shift per image (all
 * its channels move together); a [C, H, W] or [H, W] image gets one shift. Per image the generator draws
 * the vertical, then the horizontal crop offset, each uniform in [0, 2·maxShift]. Not differentiable:
 * it is for input data.
 * @example
 * const augment = randomShift(2, { generator: new Generator(1) });
 * for (const [x, y] of loader) step(augment(x), y);
 */
export function randomShift(maxShift: number, opts: RandomShiftOptions = {}): Transform {
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new RangeError(`randomShift: maxShift must be a non-negative integer, got ${maxShift}`);
  checkOptions('randomShift', opts, ['generator', 'fill']);
  if (opts.generator !== undefined && !(opts.generator instanceof Generator)) throw new TypeError('randomShift: generator must be a Generator from @tensile/tensor');
  const { fill = 0 } = opts;
  if (typeof fill !== 'number') throw new TypeError(`randomShift: fill must be a number, got ${typeof fill}`);
  return (x) => {
    checkTensor('randomShift', 'input', x);
    if (x.ndim < 2 || x.ndim > 4) throw new ShapeError(`randomShift: expected images shaped [H, W], [C, H, W] or [N, C, H, W], got ${fmtShape(x.shape)}`);
    if (maxShift === 0) return x;
    const g = opts.generator ?? getDefaultGenerator();
    const h = x.shape[x.ndim - 2]!;
    const w = x.shape[x.ndim - 1]!;
    const images = x.ndim === 4 ? x.shape[0]! : 1;
    const planes = x.numel / (images * h * w);
    const src = x.toTypedArray();
    const out = src.slice().fill(fill);
    for (let n = 0; n < images; n++) {
      // out[y][x] = padded[y + oy][x + ox] = in[y + dy][x + dx] with d = o − maxShift
      const dy = g.int(0, 2 * maxShift + 1) - maxShift;
      const dx = g.int(0, 2 * maxShift + 1) - maxShift;
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(w, w - dx);
      if (x1 <= x0) continue;
      for (let p = n * planes; p < (n + 1) * planes; p++) {
        for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
          const from = p * h * w + (y + dy) * w + dx;
          out.set(src.subarray(from + x0, from + x1), p * h * w + y * w + x0);
        }
      }
    }
    return new Tensor(out, [...x.shape]);
  };
}
