// Initialisers (PyTorch's torch.nn.init): each fills a tensor in place from the seeded generator, outside
// the graph, and returns it.
import {
  DTypeError, ShapeError, checkOptions, checkTensor, fmtShape, getDefaultGenerator, isFloat, noGrad, numelOf, randn, rand, tensor,
  type Generator, type Tensor,
} from '@tensile/tensor';

/** Where random draws come from (default: the generator seeded by `manualSeed`). */
export interface InitOptions {
  generator?: Generator;
}

/** The activations `calculateGain` knows (PyTorch's names in camelCase). */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** Which fan Kaiming initialisation preserves: the forward pass's (`fanIn`, default) or the backward's. */
export type FanMode = 'fanIn' | 'fanOut';

function checkFloat(op: string, t: Tensor): void {
  checkTensor(op, 'tensor', t);
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: expected a float tensor, got ${t.dtype} of shape ${fmtShape(t.shape)}`);
}

/** Writes float64 `values` (same shape) into `t`, converting to its dtype. */
function write(t: Tensor, values: Tensor): Tensor {
  noGrad(() => t.copy_(values));
  return t;
}

/**
 * The recommended gain for an activation (PyTorch's `calculate_gain`): 1 for linear, conv and sigmoid,
 * 5/3 for tanh, √2 for relu, √(2/(1 + slope²)) for leakyRelu (slope `param`, default 0.01), 3/4 for selu.
 * @example calculateGain('leakyRelu', Math.sqrt(5)) // √(1/3), Linear's default
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new RangeError(`calculateGain: negative slope ${slope} is not a finite number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** `[fanIn, fanOut]` of a weight `[out, in, ...kernel]`: in·k and out·k, with k the kernel's element count. */
export function computeFans(op: string, t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new ShapeError(`${op}: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`);
  }
  const receptive = numelOf(t.shape.slice(2));
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

/** Fills with U(a, b). @example uniform_(w, -0.1, 0.1) */
export function uniform_(t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor {
  checkFloat('uniform_', t);
  checkOptions('uniform_', opts, ['generator']);
  if (!(a <= b)) throw new RangeError(`uniform_: expected a ≤ b, got a=${a}, b=${b}`);
  const u = rand(t.shape, { dtype: 'float64', generator: opts.generator });
  return write(t, noGrad(() => u.mul(b - a).add(a)));
}

/** Fills with N(mean, std²). @example normal_(w, 0, 0.02) */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  checkFloat('normal_', t);
  checkOptions('normal_', opts, ['generator']);
  if (!(std >= 0)) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  const z = randn(t.shape, { dtype: 'float64', generator: opts.generator });
  return write(t, noGrad(() => z.mul(std).add(mean)));
}

/** Fills with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  checkFloat('constant_', t);
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills with 0. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills with 1. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export interface GainOptions extends InitOptions {
  /** Scale factor, e.g. `calculateGain('tanh')`. Default 1. */
  gain?: number;
}

/**
 * Glorot & Bengio (2010): U(−b, b) with b = gain·√(6/(fanIn + fanOut)).
 * @example xavierUniform_(linear.weight, { gain: calculateGain('tanh') })
 */
export function xavierUniform_(t: Tensor, opts: GainOptions = {}): Tensor {
  checkFloat('xavierUniform_', t);
  checkOptions('xavierUniform_', opts, ['gain', 'generator']);
  const [fanIn, fanOut] = computeFans('xavierUniform_', t);
  const bound = (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, { generator: opts.generator });
}

/** Glorot & Bengio (2010): N(0, std²) with std = gain·√(2/(fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, opts: GainOptions = {}): Tensor {
  checkFloat('xavierNormal_', t);
  checkOptions('xavierNormal_', opts, ['gain', 'generator']);
  const [fanIn, fanOut] = computeFans('xavierNormal_', t);
  return normal_(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), { generator: opts.generator });
}

export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leakyRelu that follows (used only for `leakyRelu`). Default 0. */
  a?: number;
  mode?: FanMode;
  /** Default 'leakyRelu' (with a = 0 that is relu's gain √2), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  checkOptions(op, opts, ['a', 'mode', 'nonlinearity', 'generator'], { negative_slope: 'a', negativeSlope: 'a' });
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new RangeError(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  const [fanIn, fanOut] = computeFans(op, t);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new ShapeError(`${op}: cannot initialise a tensor with a zero-element dimension (shape ${fmtShape(t.shape)})`);
  return calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0) / Math.sqrt(fan);
}

/**
 * He et al. (2015): U(−b, b) with b = gain·√(3/fan). Linear and Conv2d use it with `a: √5`
 * (b = 1/√fanIn).
 * @example kaimingUniform_(conv.weight, { nonlinearity: 'relu' })
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkFloat('kaimingUniform_', t);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, -bound, bound, { generator: opts.generator });
}

/** He et al. (2015): N(0, std²) with std = gain/√fan. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkFloat('kaimingNormal_', t);
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts), { generator: opts.generator });
}

/**
 * Saxe et al. (2013): a (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, scaled by
 * `gain`; trailing dims are flattened. Rows are orthonormal when rows ≤ columns, columns otherwise.
 * @example orthogonal_(rnn.weight, { gain: 1 })
 */
export function orthogonal_(t: Tensor, opts: GainOptions = {}): Tensor {
  checkFloat('orthogonal_', t);
  checkOptions('orthogonal_', opts, ['gain', 'generator']);
  if (t.ndim < 2) throw new ShapeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(t.shape)}`);
  const rows = t.shape[0]!;
  const cols = t.numel / rows;
  if (t.numel === 0) return t;
  // Orthonormalise the columns of a tall m×n Gaussian matrix (m ≥ n). Gram–Schmidt gives R a positive
  // diagonal, which is exactly the sign correction PyTorch applies to its QR.
  const [m, n] = rows < cols ? [cols, rows] : [rows, cols];
  const a = randn([n, m], { dtype: 'float64', generator: opts.generator }).toTypedArray() as Float64Array;
  for (let j = 0; j < n; j++) {
    const qj = a.subarray(j * m, (j + 1) * m);
    // Two passes of modified Gram–Schmidt keep the columns orthogonal to machine precision.
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const qk = a.subarray(k * m, (k + 1) * m);
        let dot = 0;
        for (let i = 0; i < m; i++) dot += qk[i]! * qj[i]!;
        for (let i = 0; i < m; i++) qj[i] = qj[i]! - dot * qk[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += qj[i]! * qj[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) qj[i] = qj[i]! / norm;
  }
  // `a` holds Qᵀ as [n, m]: that is the answer's layout when rows < cols, else transpose it.
  const q = tensor(a, { shape: [n, m] });
  const out = rows < cols ? q : noGrad(() => q.t().contiguous());
  return write(t, noGrad(() => out.mul(opts.gain ?? 1).reshape(t.shape)));
}

export interface TruncNormalOptions extends InitOptions {
  mean?: number;
  std?: number;
  /** Lower cut-off in absolute units (not standard deviations), as PyTorch. Default −2. */
  a?: number;
  /** Upper cut-off. Default 2. */
  b?: number;
}

/**
 * N(mean, std²) truncated to [a, b], drawn by rejection: exact, and fast while [a, b] holds a fair part
 * of the distribution (it throws when it holds almost none, where PyTorch only warns).
 * @example truncNormal_(w, { std: 0.02 }) // a = −2, b = 2 as in PyTorch
 */
export function truncNormal_(t: Tensor, opts: TruncNormalOptions = {}): Tensor {
  checkFloat('truncNormal_', t);
  checkOptions('truncNormal_', opts, ['mean', 'std', 'a', 'b', 'generator']);
  const { mean = 0, std = 1, a = -2, b = 2 } = opts;
  if (!(std > 0) || !(a < b)) throw new RangeError(`truncNormal_: expected std > 0 and a < b, got std=${std}, a=${a}, b=${b}`);
  const g = opts.generator ?? getDefaultGenerator();
  const values = new Float64Array(t.numel);
  let budget = 1000 * t.numel + 1000;
  for (let i = 0; i < values.length; i++) {
    let v: number;
    do {
      if (budget-- <= 0) {
        throw new RangeError(`truncNormal_: [${a}, ${b}] holds too little of N(${mean}, ${std}²) to sample by rejection; move the interval towards the mean`);
      }
      v = mean + std * g.normal();
    } while (v < a || v > b);
    values[i] = v;
  }
  return write(t, tensor(values, { shape: t.shape }));
}

/** PyTorch's spelling of `truncNormal_`. */
export const trunc_normal_ = truncNormal_;
