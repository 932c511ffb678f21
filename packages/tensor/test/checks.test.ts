// "No silent wrong answers": inputs that used to wrap, be ignored or give a wrong result now give PyTorch's
// answer or a typed error naming the problem. Op-level cases with PyTorch twins live in the registry
// (op-cases.ts: expand, where, pow, neg, cast, softplus, pooling, options); these are the checks that do not
// fit its one-op-one-call shape: constructors, allocation limits, grad mode, gradcheck's options.
import { describe, expect, it } from 'vitest';
import {
  AllocationError, DTypeError, Generator, MAX_ELEMENTS, ShapeError, Tensor, add, arange, avgPool2d, cast, enableGrad, eq, expand, eye, full,
  fullLike, ge, gradcheck, gt, isGradEnabled, le, linspace, listBackends, lt, matmul, maxPool2d, mul, ne, noGrad, ones, onesLike, rand,
  randint, randn, sub, tensor, where, zeros, zerosLike,
} from '../src/index.js';
import { useBackend } from './helpers.js';

describe.each(listBackends())('backend %s', (backend) => {
  useBackend(backend);

  describe('int32 values that would wrap', () => {
    it('are refused by the constructors, naming the value (PyTorch: "value cannot be converted to type int32 without overflow")', () => {
      expect(() => tensor([3e9], { dtype: 'int32' })).toThrow(RangeError);
      expect(() => tensor([1, 3e9], { dtype: 'int32' })).toThrow(/^tensor: element 1 = 3000000000 is outside the int32 range \[-2147483648, 2147483647\]/);
      expect(() => tensor([[1], [NaN]], { dtype: 'int32' })).toThrow(/^tensor: element 1 = NaN is outside the int32 range/);
      expect(() => tensor(new Float64Array([-Infinity]), { dtype: 'int32' })).toThrow(/^tensor: element 0 = -Infinity/);
      expect(() => tensor(new Uint32Array([4e9]))).toThrow(/^tensor: element 0 = 4000000000 is outside the int32 range/);
      expect(() => full([2], 3e9, { dtype: 'int32' })).toThrow(/^full: fill value 3000000000 is outside the int32 range/);
      expect(() => fullLike(zeros([2], { dtype: 'int32' }), -2147483649)).toThrow(/^fullLike: fill value -2147483649 is outside the int32 range/);
      expect(() => arange(0, 4e9, 1e9)).toThrow(/^arange: the last value 3000000000 is outside the int32 range/);
      expect(() => arange(3e9, 3e9 + 2)).toThrow(/^arange: start 3000000000 is outside the int32 range/);
      expect(() => linspace(0, 3e9, 3, { dtype: 'int32' })).toThrow(/^linspace: end 3000000000 is outside the int32 range/);
      expect(() => randint(0, 3e9, [2])).toThrow(/^randint: the largest value high − 1 = 2999999999 is outside the int32 range/);
    });

    it('at the edges of the range, and truncated fractions, are stored as PyTorch stores them', () => {
      expect(Array.from(tensor([2147483647, -2147483648, 2.7, -2.7], { dtype: 'int32' }).toTypedArray())).toEqual([2147483647, -2147483648, 2, -2]);
      expect(Array.from(arange(0, 3e9, 1e9).toTypedArray())).toEqual([0, 1e9, 2e9]);
      expect(Array.from(tensor(new Int16Array([-300, 7])).toTypedArray())).toEqual([-300, 7]);
      expect(tensor(new Int16Array([1])).dtype).toBe('int32');
    });

    it('are refused as number operands of arithmetic on int32 tensors (PyTorch wraps them)', () => {
      const x = tensor([1, -5], { dtype: 'int32' });
      expect(() => add(x, 3e9)).toThrow(/^add: the number 3000000000 is outside the int32 range/);
      expect(() => mul(2 ** 31, x)).toThrow(/^mul: the number 2147483648 is outside the int32 range/);
      expect(() => sub(x, 1, 2 ** 31)).toThrow(/^sub: alpha 2147483648 is outside the int32 range/);
      // A float operand makes the result float: no wrap, no error.
      expect(Array.from(add(x, 3.5e9 + 0.5).toTypedArray())).toEqual([3500000001.5, 3499999995.5].map(Math.fround));
    });

    it('compare exactly with int32 tensors (in float64), where PyTorch wraps the number and answers wrongly', () => {
      const x = tensor([1, -5], { dtype: 'int32' });
      const big = 3e9;
      const bool = (t: Tensor) => t.toArray();
      expect([eq, ne, lt, le, gt, ge].map((op) => bool(op(x, big)))).toEqual([[false, false], [true, true], [true, true], [true, true], [false, false], [false, false]]);
      expect([eq, ne, lt, le, gt, ge].map((op) => bool(op(x, -big)))).toEqual([[false, false], [true, true], [false, false], [false, false], [true, true], [true, true]]);
      expect(bool(lt(big, x))).toEqual([false, false]);
    });

    it('are refused by a float → int32 cast (NaN, ±Inf, past ±2³¹), and in-range floats truncate toward zero', () => {
      expect(() => cast(tensor([1, 2147483648]), 'int32')).toThrow(/^to: cannot convert a float32 tensor of shape \[2\] to int32: it holds 2147483648/);
      expect(() => tensor([0.5, NaN], { dtype: 'float64' }).int()).toThrow(RangeError);
      expect(() => tensor([[-Infinity]]).to('int32')).toThrow(/holds -Infinity/);
      // A strided view is checked through its strides (the gap between its elements holds a value that would overflow).
      const gapped = new Tensor(new Float32Array([1, 5e9, -2.9, 5e9]), [2], [2], 0);
      expect(Array.from(gapped.int().toTypedArray())).toEqual([1, -2]);
      expect(Array.from(tensor([2147483647.9, -2147483648.9], { dtype: 'float64' }).int().toTypedArray())).toEqual([2147483647, -2147483648]);
      expect(zeros([0]).int().shape).toEqual([0]);
    });
  });

  describe('creation functions validate every argument', () => {
    it('refuse a fill value that is not a number or boolean', () => {
      expect(() => full([2], 'x' as never)).toThrow(TypeError);
      expect(() => full([2], 'x' as never)).toThrow(/^full: fill value must be a number or a boolean, got a string \("x"\)/);
      expect(() => fullLike(zeros([2]), null as never)).toThrow(/^fullLike: fill value must be a number or a boolean, got null/);
      expect(full([2], true).toArray()).toEqual([true, true]);
      expect(full([2], true, { dtype: 'float64' }).toArray()).toEqual([1, 1]);
    });

    it('refuse shapes that are not lists of non-negative integers, and unknown dtype names', () => {
      expect(() => zeros(3 as never)).toThrow(/^zeros: shape must be an array of sizes, got 3/);
      expect(() => ones([2, -1])).toThrow(ShapeError);
      expect(() => randn([2.5])).toThrow(/^randn: sizes must be non-negative integers, got shape \[2\.5\]/);
      expect(() => zeros([2], { dtype: 'int64' as never })).toThrow(/^zeros: dtype must be one of float32, float64, int32, bool; got int64/);
      expect(() => rand([2], { dtype: 'int32' })).toThrow(DTypeError);
    });

    it('reject unknown option keys with a hint, and check the types of known ones', () => {
      expect(() => zeros([2], { requires_grad: true } as never)).toThrow(
        /^zeros: unknown option "requires_grad" \(did you mean requiresGrad\?\); the options are dtype, requiresGrad$/,
      );
      expect(() => tensor([1], { dtyp: 'float64' } as never)).toThrow(/^tensor: unknown option "dtyp" \(did you mean dtype\?\); the options are dtype, requiresGrad, shape$/);
      expect(() => randn([2], { seed: 3 } as never)).toThrow(/^randn: unknown option "seed"; the options are dtype, requiresGrad, generator$/);
      expect(() => onesLike(zeros([1]), { shape: [2] } as never)).toThrow(/^onesLike: unknown option "shape"/);
      expect(() => arange(0, 3, 1, { step: 2 } as never)).toThrow(/^arange: unknown option "step"/);
      expect(() => ones([2], 'float64' as never)).toThrow(/^ones: options must be an object, got a string \("float64"\)/);
      expect(() => zeros([2], { requiresGrad: 'yes' as never })).toThrow(/^zeros: requiresGrad must be a boolean, got a string \("yes"\)/);
      expect(() => rand([2], { generator: 7 as never })).toThrow(/^rand: generator must be a Generator, got 7/);
      expect(rand([2], { generator: new Generator(1) }).shape).toEqual([2]);
    });

    it('name the misplaced options of arange, and refuse a like-argument that is not a tensor', () => {
      expect(() => arange(5, { dtype: 'float64' } as never)).toThrow(/^arange: end must be a number, got an object; options go fourth: arange\(start, end, step, \{ dtype \}\)/);
      expect(() => eye(2, { dtype: 'float64' } as never)).toThrow(/^eye: m must be a number, got an object; options go third: eye\(n, m, \{ dtype \}\)/);
      expect(eye(2, 3, { dtype: 'int32' }).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
      expect(() => zerosLike([1, 2] as never)).toThrow(/^zerosLike: argument 'input' must be a Tensor, got an array/);
      expect(() => tensor(new BigInt64Array(2) as never)).toThrow(/^tensor: cannot make a tensor from a BigInt64Array/);
    });
  });

  describe('sizes too large to allocate', () => {
    const bytes = (n: number) => String(n);

    it('are an AllocationError (a RangeError) naming the op, the shape and the bytes, before anything is allocated', () => {
      let err: unknown;
      try {
        zeros([1e6, 1e6]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AllocationError);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).name).toBe('AllocationError');
      expect((err as Error).message).toBe(
        `zeros: cannot allocate a float32 tensor of shape [1000000, 1000000] (1000000000000 elements, ${bytes(4e12)} bytes (3.64 TiB)): a typed array holds at most 4294967296 elements`,
      );
      expect(() => randn([1e6, 1e6], { dtype: 'float64' })).toThrow(/^randn: cannot allocate a float64 tensor of shape \[1000000, 1000000\] \(1000000000000 elements, 8000000000000 bytes/);
      expect(() => arange(0, 1, 1e-10)).toThrow(/^arange: cannot allocate a float32 tensor of shape \[10000000000\] \(10000000000 elements, 40000000000 bytes \(37\.25 GiB\)\)/);
    });

    it('are refused by ops before their kernel runs: matmul, broadcasting arithmetic, contiguous copies', () => {
      const a = expand(ones([1, 1]), [70000, 1]);
      const b = expand(ones([1, 1]), [1, 70000]);
      expect(() => matmul(a, b)).toThrow(AllocationError);
      expect(() => matmul(a, b)).toThrow(/^matmul: cannot allocate a float32 tensor of shape \[70000, 70000\] \(4900000000 elements, 19600000000 bytes \(18\.25 GiB\)\)/);
      expect(() => add(zeros([70000, 1]), zeros([1, 70000]))).toThrow(/^add: cannot allocate a float32 tensor of shape \[70000, 70000\]/);
      expect(() => expand(zeros([1]), [5e9]).contiguous()).toThrow(/^contiguous: cannot allocate a float32 tensor of shape \[5000000000\]/);
    });

    it('has a documented limit: 2³² elements, as V8 caps a typed array', () => {
      expect(MAX_ELEMENTS).toBe(2 ** 32);
      expect(() => zeros([2 ** 32 + 1], { dtype: 'bool' })).toThrow(/^zeros: cannot allocate a bool tensor of shape \[4294967297\] \(4294967297 elements, 4294967297 bytes \(4\.00 GiB\)\): a typed array holds at most 4294967296 elements/);
    });
  });

  describe('pooling options reach the kernels', () => {
    // 1 … 16 in a 4×4 plane; padding 1 and a 3×3 window with stride 3 give windows at rows/cols −1…1 and 2…4.
    const x = arange(1, 17).float().reshape([1, 1, 4, 4]);

    it('countIncludePad: false divides border windows by their input elements only (it used to be ignored)', () => {
      const incl = avgPool2d(x, 3, { stride: 3, padding: 1 }).toArray();
      const excl = avgPool2d(x, 3, { stride: 3, padding: 1, countIncludePad: false }).toArray();
      // Each window holds 2×2 input elements and 5 padded zeros: the top-left one 1 + 2 + 5 + 6 = 14, so
      // 14/9 with the padding counted and 14/4 without.
      expect(incl).toEqual([[[[14 / 9, 22 / 9].map(Math.fround), [46 / 9, 54 / 9].map(Math.fround)]]]);
      expect(excl).toEqual([[[[3.5, 5.5], [11.5, 13.5]]]]);
    });

    it('ceilMode keeps the partial last window; divisorOverride replaces every divisor', () => {
      expect(maxPool2d(x, 3, { stride: 2 }).shape).toEqual([1, 1, 1, 1]);
      expect(maxPool2d(x, 3, { stride: 2, ceilMode: true }).toArray()).toEqual([[[[11, 12], [15, 16]]]]);
      expect(avgPool2d(x, 2, { divisorOverride: 1 }).toArray()).toEqual([[[[14, 22], [46, 54]]]]);
    });
  });

  describe('where', () => {
    it('takes two numbers, with the dtype PyTorch gives (float32 when either is fractional, else int32 for int64)', () => {
      const c = tensor([true, false]);
      expect(where(c, 1, 0.5).dtype).toBe('float32');
      expect(where(c, 1, 0.5).toArray()).toEqual([1, 0.5]);
      expect(where(c, 2, -3).dtype).toBe('int32');
      expect(where(c, 2, -3).toArray()).toEqual([2, -3]);
    });
  });
});

describe('noGrad and enableGrad refuse async functions and keep grad mode right', () => {
  it('refuse an async function before running it', () => {
    let ran = false;
    const fn = async () => {
      ran = true;
    };
    expect(() => noGrad(fn as never)).toThrow(TypeError);
    expect(() => noGrad(fn as never)).toThrow(/^noGrad: the function is async \(it returned a promise\), but grad mode is a global flag that cannot follow it across await; call noGrad inside the async function around the synchronous work instead/);
    expect(() => enableGrad(fn as never)).toThrow(/^enableGrad: the function is async/);
    expect(ran).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });

  it('refuse a function that returns a promise, with grad mode restored at once and after the promise settles', async () => {
    let insideBefore: boolean | undefined;
    let insideAfter: boolean | undefined;
    let settle!: () => void;
    const gate = new Promise<void>((resolve) => (settle = resolve));
    const fn = () => {
      insideBefore = isGradEnabled();
      return gate.then(() => {
        insideAfter = isGradEnabled();
        throw new Error('late failure');
      });
    };
    expect(() => noGrad(fn)).toThrow(/^noGrad: the function is async/);
    expect(insideBefore).toBe(false);
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      expect(() => enableGrad(() => Promise.resolve(1))).toThrow(/^enableGrad: the function is async/);
      expect(isGradEnabled()).toBe(false);
    });
    settle();
    await gate;
    await new Promise((r) => setTimeout(r, 0));
    // The rest of the function ran with grad mode on: exactly what refusing it protects against.
    expect(insideAfter).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });

  it('refuse a non-function and still run synchronous functions', () => {
    expect(() => noGrad(3 as never)).toThrow(/^noGrad: expected a function, got number/);
    const x = ones([2], { requiresGrad: true });
    expect(noGrad(() => mul(x, 2)).requiresGrad).toBe(false);
    expect(noGrad(() => enableGrad(() => mul(x, 2))).requiresGrad).toBe(true);
  });
});

describe('gradcheck validates its arguments and options', () => {
  const x = tensor([0.5, -0.25], { dtype: 'float64', requiresGrad: true });

  it('rejects unknown options with a hint and bad tolerances', () => {
    expect(() => gradcheck((t) => t.tanh(), [x], { epsilon: 1e-6 } as never)).toThrow(/^gradcheck: unknown option "epsilon"; the options are eps, atol, rtol/);
    expect(() => gradcheck((t) => t.tanh(), [x], { Atol: 1e-6 } as never)).toThrow(/^gradcheck: unknown option "Atol" \(did you mean atol\?\)/);
    expect(() => gradcheck((t) => t.tanh(), [x], { eps: 0 })).toThrow(/^gradcheck: eps must be a positive finite number, got 0/);
    expect(() => gradcheck((t) => t.tanh(), [x], { rtol: -1 })).toThrow(/^gradcheck: atol and rtol must be non-negative numbers/);
  });

  it('rejects inputs that are not tensors', () => {
    expect(() => gradcheck((t) => t.tanh(), [[0.5]] as never)).toThrow(/^gradcheck: argument 'inputs\[0\]' must be a Tensor, got an array/);
    expect(() => gradcheck((t) => t.tanh(), x as never)).toThrow(/^gradcheck: inputs must be an array of Tensors/);
    expect(gradcheck((t) => t.tanh(), [x], { eps: 1e-6, atol: 1e-8, rtol: 1e-6 })).toBe(true);
  });
});

describe.each(listBackends())('backend %s: in-place writes into int32 tensors', (backend) => {
  useBackend(backend);

  it('refuse numbers and float sources that int32 cannot hold, and write nothing', () => {
    const t = tensor([1, 2, 3], { dtype: 'int32' });
    expect(() => t.fill_(3e9)).toThrow(/^fill_: the value 3000000000 is outside the int32 range \[-2147483648, 2147483647\]/);
    expect(() => t.fill_(NaN)).toThrow(/^fill_: the value NaN is outside the int32 range/);
    expect(() => t.fill_('a' as never)).toThrow(/^fill_: the value must be a number, got a string \("a"\)$/);
    expect(() => t.copy_(-3e9)).toThrow(/^copy_: the value -3000000000 is outside the int32 range/);
    expect(() => t.add_(3e9)).toThrow(/^add_: the number 3000000000 is outside the int32 range/);
    expect(() => t.copy_(tensor([1, 2, 3e10]))).toThrow(/^copy_: cannot convert a float32 tensor of shape \[3\] to int32: it holds 30000001024, outside the int32 range/);
    expect(() => t.copy_(tensor([1, NaN, 3], { dtype: 'float64' }))).toThrow(/it holds NaN/);
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(t.version).toBe(0);
    t.copy_(tensor([-1.7, 2.2, 2147483647], { dtype: 'float64' }));
    expect(t.toArray()).toEqual([-1, 2, 2147483647]);
  });
});

describe('backward and grad check their arguments', () => {
  it('reject unknown options with a hint, and non-tensor gradients', async () => {
    const { backward, grad } = await import('../src/index.js');
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    expect(() => y.backward(null, { retain_graph: true } as never)).toThrow(/^backward: unknown option "retain_graph" \(did you mean retainGraph\?\); the options are retainGraph, createGraph$/);
    expect(() => backward(y, 1 as never)).toThrow(/^backward: argument 'gradient' must be a Tensor, got 1$/);
    expect(() => grad(y, [1 as never])).toThrow(/^grad: argument 'inputs\[0\]' must be a Tensor, got 1$/);
    expect(() => grad(y, x, { allow_unused: true } as never)).toThrow(/did you mean allowUnused\?/);
    expect(() => grad(y, x, { gradOutputs: [[1] as never] })).toThrow(/^grad: argument 'gradOutputs\[0\]' must be a Tensor, got an array$/);
    expect(x.grad).toBeNull();
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4]);
  });
});

describe('detectAnomaly refuses async functions like noGrad', () => {
  it('refuses them and restores the flag', async () => {
    const { detectAnomaly, isAnomalyEnabled } = await import('../src/index.js');
    expect(() => detectAnomaly(async () => 1)).toThrow(/^detectAnomaly: the function is async \(it returned a promise\), but anomaly detection is a global flag/);
    expect(() => detectAnomaly(() => Promise.resolve(1))).toThrow(TypeError);
    expect(isAnomalyEnabled()).toBe(false);
    expect(detectAnomaly(() => isAnomalyEnabled())).toBe(true);
  });
});

describe.each(listBackends())('backend %s: scalar arguments and flags are checked', (backend) => {
  useBackend(backend);
  const x = tensor([[0, 1, 2], [3, 4, 5]]);

  it('keepdim must be true or false; logsumexp needs its dim', async () => {
    const { amax, argmax, logsumexp, max, mean, sum, std } = await import('../src/index.js');
    expect(() => sum(x, 1, { keepdims: true } as never)).toThrow(/^sum: keepdim must be true or false, got an object$/);
    expect(() => sum(x, 1, 'yes' as never)).toThrow(/^sum: keepdim must be true or false, got a string \("yes"\)$/);
    expect(() => mean(x, 1, 1 as never)).toThrow(/^mean: keepdim must be true or false, got 1$/);
    expect(() => amax(x, 1, null as never)).toThrow(/amax: keepdim/);
    expect(() => argmax(x, 1, 'no' as never)).toThrow(/argmax: keepdim/);
    expect(() => max(x, 1, {} as never)).toThrow(/max: keepdim/);
    expect(() => std(x, 1, { keepdim: 'yes' as never })).toThrow(/std: keepdim must be true or false/);
    expect(() => logsumexp(x, undefined as never)).toThrow(/^logsumexp: dim is required/);
    expect(sum(x, 1, true).shape).toEqual([2, 1]);
  });

  it('clamp takes numbers, at least one bound, and gives max everywhere when min > max (PyTorch)', async () => {
    const { clamp } = await import('../src/index.js');
    expect(() => clamp(x, 'a' as never)).toThrow(/^clamp: min must be a number, got a string \("a"\)$/);
    expect(() => clamp(x, null, '1' as never)).toThrow(/^clamp: max must be a number/);
    expect(() => clamp(x)).toThrow(/^clamp: at least one of min and max must be given$/);
    expect(() => clamp(x, NaN)).toThrow(/min and max must not be NaN/);
    expect(() => x.clone().clamp_()).toThrow(/^clamp_: at least one of min and max must be given$/);
    expect(clamp(tensor([0, 1.5, 3]), 2, 1).toArray()).toEqual([1, 1, 1]);
    const t = tensor([0, 1.5, 3]);
    t.clamp_(2, 1);
    expect(t.toArray()).toEqual([1, 1, 1]);
  });

  it('activations and logicalAnd check their arguments; matmul refuses bool; addcmul_ names itself', async () => {
    const { elu, leakyRelu, logicalAnd, matmul } = await import('../src/index.js');
    expect(() => leakyRelu(x, 'a' as never)).toThrow(/^leakyRelu: negativeSlope must be a number, got a string \("a"\)$/);
    expect(() => elu(x, null as never)).toThrow(/^elu: alpha must be a number, got null$/);
    expect(() => logicalAnd(x, 1 as never)).toThrow(/^logicalAnd: argument 'other' must be a Tensor, got 1$/);
    expect(() => matmul(tensor([[true]]), tensor([[true]]))).toThrow(/^matmul: not defined for two bool tensors/);
    const t = tensor([1, 2]);
    expect(() => t.addcmul_(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/^addcmul_: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => t.addcdiv_(tensor([[1], [2]]), tensor([1, 2]))).toThrow(/^addcdiv_: the product of shapes \[2, 1\] and \[2\] cannot be broadcast to the target's shape \[2\]/);
    expect(t.toArray()).toEqual([1, 2]);
  });
});
