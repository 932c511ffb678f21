// Tensor ops: creation, the Tensor constructor, movement, reductions, elementwise, matmul, indexing,
// convolution and pooling, in-place writes, and a few layers and losses. Expectations follow PyTorch 1.13
// (checked with it where a number is involved) and the house rule: a clear typed error that names the op,
// the argument and the bad value or shapes.
import {
  AutogradError, DTypeError, ShapeError, Tensor, add, arange, argmax, avgPool2d, cat, chunk, clamp, conv2d, expand, eye, flatten, full,
  gather, indexSelect, leakyRelu, linspace, logicalAnd, logsumexp, matmul, maxPool2d, mul, narrow, neg, oneHot, ones, pad, permute, pow,
  rand, randint, randn, reshape, scatterAdd, slice, softmax, softplus, split, squeeze, stack, sum, t, tensor, transpose, unsqueeze, variance, view,
  where, zeros,
} from '@tensile/tensor';
import { AvgPool2d, F, Linear, crossEntropy } from '@tensile/nn';
import { category, err, ok } from '../harness.js';
import { bad, snap, tensorIs } from '../checks.js';

/** Any of Tensile's typed errors, where the spec fixes the message but not the class. */
const TYPED = [ShapeError, DTypeError, AutogradError, RangeError, TypeError];
const SIZE = [ShapeError, RangeError];
const INT_RANGE = [RangeError, DTypeError];
/** A refusal to allocate names the size: `… 4000000000000 bytes` or `… 3.6 TiB`. */
const BYTES = /\d\s*(bytes|[KMGTP]i?B)\b/;
const OVERLAP = /more than one element|overlap|expanded|broadcast view|clone/i;

const x23 = () => arange(6, undefined, 1, { dtype: 'float32' }).reshape([2, 3]);
const img = (h: number, w: number) => arange(h * w, undefined, 1, { dtype: 'float32' }).reshape([1, 1, h, w]);

export default category('tensor ops', [
  // ---- creation and its options ----
  { name: 'zeros with a negative size', run: () => zeros([2, -1]), expect: err(SIZE, /zeros/, /-1/) },
  { name: 'zeros with a NaN size', run: () => zeros([NaN]), expect: err(SIZE, /zeros/, /NaN/) },
  { name: 'zeros with an infinite size', run: () => zeros([Infinity]), expect: err(SIZE, /zeros/, /Infinity/) },
  { name: 'zeros with a fractional size', run: () => zeros([1.5]), expect: err(SIZE, /zeros/, /1\.5/) },
  { name: 'zeros with a string for the shape', run: () => zeros(bad('3')), expect: err(TypeError, /zeros/, /shape/) },
  { name: 'zeros with null for the shape', run: () => zeros(bad(null)), expect: err(TypeError, /zeros/, /shape/) },
  { name: 'zeros with a dtype Tensile lacks (float16)', run: () => zeros([2], bad({ dtype: 'float16' })), expect: err(DTypeError, /zeros/, /float16/) },
  { name: 'ones with the option requires_grad (snake_case)', run: () => ones([2], bad({ requires_grad: true })), expect: err(TypeError, /ones/, /unknown option "requires_grad"/, /requiresGrad/) },
  { name: 'zeros with a misspelt option dtyp', run: () => zeros([2], bad({ dtyp: 'float64' })), expect: err(TypeError, /zeros/, /unknown option "dtyp"/, /dtype/) },
  { name: 'tensor with an unknown option', run: () => tensor([1, 2], bad({ shap: [2] })), expect: err(TypeError, /tensor/, /unknown option "shap"/) },
  { name: "full([2], 'x'): a string fill value", run: () => full([2], bad('x')), expect: err(TypeError, /full/, /x/) },
  { name: 'full with 3e9 into int32', run: () => full([2], 3e9, { dtype: 'int32' }), expect: err(INT_RANGE, /full/, /3000000000/, /int32/) },
  { name: 'full with NaN (float): NaNs, as PyTorch', run: () => full([2], NaN), expect: ok(tensorIs({ dtype: 'float32', shape: [2], values: [NaN, NaN] })) },
  { name: "tensor([3e9], { dtype: 'int32' })", run: () => tensor([3e9], { dtype: 'int32' }), expect: err(INT_RANGE, /tensor/, /3000000000/, /int32/) },
  { name: "tensor([NaN], { dtype: 'int32' })", run: () => tensor([NaN], { dtype: 'int32' }), expect: err(INT_RANGE, /tensor/, /NaN/, /int32/) },
  { name: "tensor([-Infinity], { dtype: 'int32' })", run: () => tensor([-Infinity], { dtype: 'int32' }), expect: err(INT_RANGE, /tensor/, /Infinity/, /int32/) },
  { name: "tensor([1.5], { dtype: 'int32' }) truncates to 1, as PyTorch", run: () => tensor([1.5], { dtype: 'int32' }), expect: ok(tensorIs({ dtype: 'int32', values: [1] })) },
  { name: 'tensor from a ragged nested array', run: () => tensor([[1, 2], [3]]), expect: err(ShapeError, /tensor/, /ragged/) },
  { name: 'tensor with a string element', run: () => tensor(bad([1, 'a'])), expect: err(TypeError, /tensor/, /string/) },
  { name: 'tensor with a null element', run: () => tensor(bad([1, null])), expect: err(TypeError, /tensor/) },
  { name: 'tensor of a plain object', run: () => tensor(bad({ a: 1 })), expect: err(TypeError, /tensor/) },
  { name: 'tensor whose shape option does not hold the data', run: () => tensor([1, 2], { shape: [3] }), expect: err(ShapeError, /tensor/, /\[3\]/) },
  { name: 'arange(0, 1, 1e-10): 1e10 elements', run: () => arange(0, 1, 1e-10), expect: err(TYPED, /arange/, /10000000000/, BYTES) },
  { name: 'zeros([1e6, 1e6])', run: () => zeros([1e6, 1e6]), expect: err(TYPED, /zeros/, /\[1000000, 1000000\]/, BYTES) },
  { name: 'randn([1e6, 1e6])', run: () => randn([1e6, 1e6]), expect: err(TYPED, /randn/, /\[1000000, 1000000\]/, BYTES) },
  { name: 'ones([1e5, 1e5], float64)', run: () => ones([1e5, 1e5], { dtype: 'float64' }), expect: err(TYPED, /ones/, /\[100000, 100000\]/, BYTES) },
  { name: 'a huge matmul: [1e5, 1] · [1, 1e5]', run: () => matmul(zeros([1e5, 1]), zeros([1, 1e5])), expect: err(TYPED, /matmul/, /\[100000, 100000\]/, BYTES) },
  { name: 'a huge broadcast add: [1e6, 1] + [1e6]', run: () => add(zeros([1e6, 1]), zeros([1e6])), expect: err(TYPED, /add/, /\[1000000, 1000000\]/, BYTES) },
  { name: 'arange with step 0', run: () => arange(0, 10, 0), expect: err(RangeError, /arange/, /step/) },
  { name: 'arange(NaN)', run: () => arange(NaN), expect: err(RangeError, /arange/, /NaN/) },
  { name: 'linspace with -1 steps', run: () => linspace(0, 1, -1), expect: err(RangeError, /linspace/, /-1/) },
  { name: 'eye(-1)', run: () => eye(-1), expect: err(SIZE, /eye/, /-1/) },
  { name: 'eye(2.5)', run: () => eye(2.5), expect: err(SIZE, /eye/, /2\.5/) },
  { name: 'randint with low ≥ high', run: () => randint(5, 1, [2]), expect: err(RangeError, /randint/) },
  { name: 'rand with an int32 dtype', run: () => rand([2], { dtype: 'int32' }), expect: err(DTypeError, /rand/, /int32/) },
  { name: 'randn with a number for the generator', run: () => randn([2], bad({ generator: 42 })), expect: err(TypeError, /randn/, /generator/) },

  // ---- the Tensor constructor: the buffer must cover the view ----
  { name: 'new Tensor(Float32Array(2), [3]): the buffer does not cover the shape', run: () => new Tensor(new Float32Array(2), [3]), expect: err(SIZE, /Tensor/, /\[3\]/) },
  { name: 'new Tensor with strides past the end of the buffer', run: () => new Tensor(new Float32Array(4), [2, 2], [4, 1]), expect: err(SIZE, /Tensor/, /stride/) },
  { name: 'new Tensor with an offset past the end of the buffer', run: () => new Tensor(new Float32Array(4), [2, 2], [2, 1], 1), expect: err(SIZE, /Tensor/, /offset/) },
  { name: 'new Tensor with negative sizes that multiply to the length', run: () => new Tensor(new Float32Array(4), [-1, -4]), expect: err(SIZE, /Tensor/, /-1/) },
  { name: 'new Tensor with a plain array for the data', run: () => new Tensor(bad([1, 2]), [2]), expect: err(TypeError, /Tensor/) },
  { name: 'new Tensor with a Uint16Array (no such dtype)', run: () => new Tensor(bad(new Uint16Array(2)), [2]), expect: err([TypeError, DTypeError], /Tensor/, /Uint16Array/) },

  // ---- movement ----
  { name: 'zeros([3]).expand([-1, 3]): -1 in a new leading dim', run: () => zeros([3]).expand([-1, 3]), expect: err(SIZE, /expand/, /-1/) },
  { name: 'zeros([3]).expand([2, 3])', run: () => zeros([3]).expand([2, 3]), expect: ok(tensorIs({ shape: [2, 3], values: [0, 0, 0, 0, 0, 0] })) },
  { name: 'expand to fewer dims', run: () => expand(zeros([2, 3]), [3]), expect: err(ShapeError, /expand/, /\[2, 3\]/) },
  { name: 'expand with a NaN size', run: () => expand(zeros([1]), [NaN]), expect: err(SIZE, /expand/, /NaN/) },
  { name: 'reshape [6] to [4, -1]', run: () => reshape(arange(6), [4, -1]), expect: err(ShapeError, /reshape/, /\[4, -1\]/) },
  { name: 'reshape with two -1s', run: () => reshape(arange(6), [-1, -1]), expect: err(ShapeError, /reshape/, /-1/) },
  { name: 'reshape with a fractional size', run: () => reshape(arange(6), [2, 1.5, 2]), expect: err(SIZE, /reshape/, /1\.5/) },
  { name: 'reshape with a negative size other than -1', run: () => reshape(arange(6), [-2, -3]), expect: err(SIZE, /reshape/, /-2/) },
  { name: 'view of a transposed tensor', run: () => view(x23().t(), [6]), expect: err(ShapeError, /view/, /reshape/) },
  { name: 'transpose with dim 5 of a 2-d tensor', run: () => transpose(x23(), 0, 5), expect: err(RangeError, /transpose/, /5/) },
  { name: 'permute with too few dims', run: () => permute(x23(), [0]), expect: err(ShapeError, /permute/) },
  { name: 'permute with a repeated dim', run: () => permute(x23(), [0, 0]), expect: err(RangeError, /permute/) },
  { name: 'squeeze dim 7', run: () => squeeze(x23(), 7), expect: err(RangeError, /squeeze/, /7/) },
  { name: 'unsqueeze dim 9', run: () => unsqueeze(x23(), 9), expect: err(RangeError, /unsqueeze/, /9/) },
  { name: 'narrow past the end', run: () => narrow(x23(), 0, 1, 5), expect: err(RangeError, /narrow/) },
  { name: 'slice with step 0', run: () => slice(x23(), 0, 0, 2, 0), expect: err(RangeError, /slice/, /step/) },
  { name: 'flatten with startDim after endDim', run: () => flatten(x23(), 1, 0), expect: err(RangeError, /flatten/) },
  { name: 't() of a 3-d tensor', run: () => t(zeros([2, 2, 2])), expect: err(ShapeError, /\bt\b/, /\[2, 2, 2\]/) },

  // ---- reductions and their options ----
  { name: 'sum over dim 5 of a 2-d tensor', run: () => sum(x23(), 5), expect: err(RangeError, /sum/, /5/) },
  { name: 'sum over a repeated dim', run: () => sum(x23(), [0, 0]), expect: err(RangeError, /sum/) },
  { name: 'sum over dim 0.5', run: () => sum(x23(), 0.5), expect: err(RangeError, /sum/, /0\.5/) },
  // keepdim is a positional boolean, as in PyTorch's sum(dim, keepdim); an object there is an error, not a truthy flag.
  { name: 'sum(x, 1, { keepdims: true }): an options object where keepdim goes', run: () => sum(x23(), 1, bad({ keepdims: true })), expect: err(TypeError, /sum/, /keepdim must be true or false, got an object/) },
  { name: 'sum(x, 1, true)', run: () => sum(x23(), 1, true), expect: ok(tensorIs({ shape: [2, 1], values: [3, 12] })) },
  { name: "sum(x, 1, 'yes'): keepdim not a boolean", run: () => sum(x23(), 1, bad('yes')), expect: err(TypeError, /sum/, /keepdim/) },
  { name: 'var with a misspelt option unbiasd', run: () => variance(x23(), 0, bad({ unbiasd: false })), expect: err(TypeError, /var/, /unknown option "unbiasd"/, /unbiased/) },
  { name: 'softmax over dim 3 of a 2-d tensor', run: () => softmax(x23(), 3), expect: err(RangeError, /softmax/, /3/) },
  { name: 'argmax of an empty tensor', run: () => argmax(zeros([0])), expect: err(ShapeError, /argmax/, /\[0\]/) },
  { name: 'max over dim 5', run: () => x23().max(5), expect: err(RangeError, /max/, /5/) },
  { name: 'logsumexp without a dim', run: () => logsumexp(x23(), bad(undefined)), expect: err([TypeError, RangeError], /logsumexp/, /dim/) },

  // ---- elementwise ----
  { name: "add(x, 'a')", run: () => add(x23(), bad('a')), expect: err(TypeError, /add/, /other/) },
  { name: 'add(x, null)', run: () => add(x23(), bad(null)), expect: err(TypeError, /add/, /null/) },
  { name: 'add(x, [1, 2, 3]): a plain array', run: () => add(x23(), bad([1, 2, 3])), expect: err(TypeError, /add/, /array/) },
  { name: 'add(x, undefined)', run: () => add(x23(), bad(undefined)), expect: err(TypeError, /add/, /undefined/) },
  { name: 'add(1, 2): no tensor', run: () => add(1, 2), expect: err(TypeError, /add/, /Tensor/) },
  { name: 'add of [2, 3] and [4]', run: () => add(x23(), zeros([4])), expect: err(ShapeError, /add/, /\[2, 3\]/, /\[4\]/) },
  { name: 'mul(x, {})', run: () => mul(x23(), bad({})), expect: err(TypeError, /mul/, /object/) },
  { name: "x.add(y, 'two'): a string alpha", run: () => x23().add(x23(), bad('two')), expect: err(TypeError, /add/, /alpha/) },
  { name: 'neg of a bool tensor', run: () => neg(tensor([true, false])), expect: err(DTypeError, /neg/, /bool/, /logicalNot/) },
  { name: 'int32 to the power -1', run: () => pow(tensor([2], { dtype: 'int32' }), -1), expect: err(INT_RANGE, /pow/, /negative/) },
  { name: 'int32 to the power 0.5 gives float32', run: () => pow(tensor([4], { dtype: 'int32' }), 0.5), expect: ok(tensorIs({ dtype: 'float32', values: [2] })) },
  { name: 'where with a float condition', run: () => where(tensor([1, 0]), tensor([1, 2]), tensor([3, 4])), expect: err(DTypeError, /where/, /condition/, /bool/) },
  { name: 'where(cond, 1, 0.5) gives float32 [1, 0.5]', run: () => where(tensor([true, false]), 1, 0.5), expect: ok(tensorIs({ dtype: 'float32', shape: [2], values: [1, 0.5] })) },
  { name: 'where(cond, int32 tensor, 0.5) gives float32', run: () => where(tensor([true, false]), tensor([1, 2], { dtype: 'int32' }), 0.5), expect: ok(tensorIs({ dtype: 'float32', values: [1, 0.5] })) },
  { name: 'where with shapes [3] and [2]', run: () => where(tensor([true, false, true]), zeros([2]), 0), expect: err(ShapeError, /where/, /\[3\]/, /\[2\]/) },
  { name: 'where with a null condition', run: () => where(bad(null), zeros([2]), 0), expect: err(TypeError, /where/, /condition/) },
  { name: 'clamp without bounds', run: () => clamp(x23()), expect: err(TypeError, /clamp/) },
  { name: "clamp(x, 'a')", run: () => clamp(x23(), bad('a')), expect: err(TypeError, /clamp/, /min/) },
  { name: 'clamp with min > max gives max, as PyTorch', run: () => clamp(tensor([0, 1.5, 3]), 2, 1), expect: ok(tensorIs({ values: [1, 1, 1] })) },
  { name: 'clamp_ without bounds', setup: () => tensor([1, 2]), run: (x: Tensor) => x.clamp_(), unchanged: (x: Tensor) => snap(x), expect: err(TypeError, /clamp_/) },
  { name: 'float32 3e9 to int32', run: () => tensor([3e9]).to('int32'), expect: err(INT_RANGE, /int32/, /3000000000|3e\+?9/) },
  { name: 'float32 NaN to int32', run: () => tensor([NaN]).to('int32'), expect: err(INT_RANGE, /int32/, /NaN/) },
  { name: 'float64 Infinity to int32', run: () => tensor([Infinity], { dtype: 'float64' }).int(), expect: err(INT_RANGE, /int32/, /Infinity/) },
  { name: "to('float16')", run: () => x23().to(bad('float16')), expect: err(DTypeError, /float16/) },
  { name: 'logicalAnd(x, 1): a number', run: () => logicalAnd(x23(), bad(1)), expect: err(TypeError, /logicalAnd/) },
  { name: "leakyRelu(x, 'a')", run: () => leakyRelu(x23(), bad('a')), expect: err(TypeError, /leakyRelu/, /negativeSlope|slope/) },
  { name: 'F.softplus with beta 2 and threshold 1 (PyTorch values)', run: () => F.softplus(tensor([-1, 0.25, 1, 30]), { beta: 2, threshold: 1 }), expect: ok(tensorIs({ values: [0.06346400552148625, 0.48703849209005335, 1, 30], tol: 1e-6 })) },
  { name: 'softplus with the defaults (PyTorch values)', run: () => softplus(tensor([-1, 0.25, 1, 30])), expect: ok(tensorIs({ values: [0.31326168751822286, 0.8259394417827525, 1.3132616875182228, 30], tol: 1e-6 })) },
  { name: 'F.softplus with a misspelt option', run: () => F.softplus(tensor([1]), bad({ betta: 2 })), expect: err(TypeError, /softplus/, /unknown option "betta"/, /beta/) },

  { name: 'sum of a bool tensor counts, as int32', run: () => sum(tensor([true, true, false])), expect: ok(tensorIs({ dtype: 'int32', shape: [], values: [2] })) },
  { name: 'mean of an empty tensor is NaN, as PyTorch', run: () => zeros([0]).mean(), expect: ok(tensorIs({ shape: [], values: [NaN] })) },
  { name: 'item() of an empty tensor', run: () => zeros([0]).item(), expect: err(RangeError, /item/, /\[0\]/) },

  // ---- matmul and indexing ----
  { name: 'matmul of two bool tensors', run: () => matmul(tensor([[true]]), tensor([[true]])), expect: err(DTypeError, /matmul/, /bool/) },
  { name: 'cat of int32 and float32 promotes to float32', run: () => cat([tensor([1], { dtype: 'int32' }), tensor([0.5])]), expect: ok(tensorIs({ dtype: 'float32', values: [1, 0.5] })) },
  { name: 'indexSelect with a float index', run: () => indexSelect(x23(), 0, tensor([0])), expect: err(DTypeError, /indexSelect/, /float32/) },
  { name: 'scatterAdd with a source smaller than the index', run: () => scatterAdd(zeros([3]), 0, tensor([0, 1, 2], { dtype: 'int32' }), ones([2])), expect: err(ShapeError, /scatterAdd/, /\[2\]/) },
  { name: 'matmul [2, 3] · [4, 5]', run: () => matmul(x23(), zeros([4, 5])), expect: err(ShapeError, /matmul/, /\[2, 3\]/, /\[4, 5\]/) },
  { name: 'matmul with null', run: () => matmul(x23(), bad(null)), expect: err(TypeError, /matmul/) },
  { name: 'matmul of a 0-d tensor', run: () => matmul(tensor(2), x23()), expect: err(ShapeError, /matmul/, /\[\]/) },
  { name: 'matmul with batch dims 2 and 3', run: () => matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), expect: err(ShapeError, /matmul/, /\[2\]|\[2, 2, 3\]/) },
  { name: 'gather with an index out of range', run: () => gather(x23(), 1, tensor([[0], [3]], { dtype: 'int32' })), expect: err(RangeError, /gather/, /3/) },
  { name: 'gather with a float index', run: () => gather(x23(), 1, tensor([[0], [1]])), expect: err(DTypeError, /gather/, /float32/) },
  { name: 'indexSelect with a 2-d index', run: () => indexSelect(x23(), 0, zeros([1, 1], { dtype: 'int32' })), expect: err(ShapeError, /indexSelect/) },
  { name: 'cat of an empty list', run: () => cat([]), expect: err(RangeError, /cat/) },
  { name: 'cat of [2, 3] and [2, 4] along 0', run: () => cat([x23(), zeros([2, 4])]), expect: err(ShapeError, /cat/, /\[2, 4\]/) },
  { name: 'cat with a string in the list', run: () => cat([x23(), bad('a')]), expect: err(TypeError, /cat/) },
  { name: 'stack of different shapes', run: () => stack([zeros([2]), zeros([3])]), expect: err(ShapeError, /stack/, /\[3\]/) },
  { name: 'split with sizes that do not sum to the dim', run: () => split(x23(), [1, 2], 0), expect: err(RangeError, /split/) },
  { name: 'chunk(0)', run: () => chunk(x23(), 0), expect: err(RangeError, /chunk/) },
  { name: 'pad with an odd number of amounts', run: () => pad(x23(), [1, 2, 3]), expect: err(RangeError, /pad/) },
  { name: 'oneHot of a negative index', run: () => oneHot(tensor([-1], { dtype: 'int32' }), 3), expect: err(RangeError, /oneHot/, /-1/) },
  { name: 'oneHot of a float tensor', run: () => oneHot(tensor([1])), expect: err(DTypeError, /oneHot/) },
  { name: 'oneHot with too few classes', run: () => oneHot(tensor([5], { dtype: 'int32' }), 3), expect: err(RangeError, /oneHot/, /5/) },

  // ---- convolution and pooling ----
  { name: 'conv2d of a 3-d input', run: () => conv2d(zeros([1, 4, 4]), zeros([1, 1, 3, 3])), expect: err(ShapeError, /conv2d/, /\[1, 4, 4\]/) },
  { name: 'conv2d with 2 input channels for a 3-channel weight', run: () => conv2d(zeros([1, 2, 4, 4]), zeros([1, 3, 3, 3])), expect: err(ShapeError, /conv2d/, /channels/) },
  { name: 'conv2d with stride 0', run: () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { stride: 0 }), expect: err(RangeError, /conv2d/, /stride/) },
  { name: 'conv2d with padding -1', run: () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { padding: -1 }), expect: err(RangeError, /conv2d/, /padding/) },
  { name: 'conv2d with groups 0', run: () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { groups: 0 }), expect: err(RangeError, /conv2d/, /groups/) },
  { name: 'conv2d with a kernel larger than the input', run: () => conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3])), expect: err(ShapeError, /conv2d/, /too small/) },
  { name: 'conv2d with the option strides (a typo)', run: () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, bad({ strides: 2 })), expect: err(TypeError, /conv2d/, /unknown option "strides"/, /stride/) },
  { name: "conv2d with padding 'full'", run: () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, bad({ padding: 'full' })), expect: err([TypeError, RangeError], /conv2d/, /padding/) },
  { name: 'conv2d with a bias of the wrong shape', run: () => conv2d(zeros([1, 1, 4, 4]), zeros([2, 1, 3, 3]), zeros([3])), expect: err(ShapeError, /conv2d/, /bias/, /\[3\]/) },
  { name: 'conv2d of int32 tensors', run: () => conv2d(zeros([1, 1, 4, 4], { dtype: 'int32' }), zeros([1, 1, 3, 3], { dtype: 'int32' })), expect: err(DTypeError, /conv2d/, /int32/) },
  { name: 'maxPool2d with kernel 0', run: () => maxPool2d(zeros([1, 1, 4, 4]), 0), expect: err(RangeError, /maxPool2d/, /kernel/) },
  { name: 'maxPool2d with the option ceil_mode (snake_case)', run: () => maxPool2d(zeros([1, 1, 4, 4]), 2, bad({ ceil_mode: true })), expect: err(TypeError, /maxPool2d/, /unknown option "ceil_mode"/, /ceilMode/) },
  { name: 'maxPool2d with padding over half the kernel', run: () => maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 }), expect: err(RangeError, /maxPool2d/, /padding/) },
  { name: 'maxPool2d of an int32 tensor', run: () => maxPool2d(zeros([1, 1, 4, 4], { dtype: 'int32' }), 2), expect: err(DTypeError, /maxPool2d/, /int32/) },
  { name: 'avgPool2d with the option count_include_pad (snake_case)', run: () => avgPool2d(img(4, 4), 2, bad({ count_include_pad: false })), expect: err(TypeError, /avgPool2d/, /unknown option "count_include_pad"/, /countIncludePad/) },
  // x = 1…16 as [1, 1, 4, 4], kernel 3, stride 2, padding 1. The windows cover rows {0,1} and {1,2,3} (and the
  // same columns): sums 14, 30, 57, 99 over 4, 6, 6, 9 real elements; PyTorch's default divides by 9.
  { name: 'avgPool2d counting padded zeros (the default)', run: () => avgPool2d(img(4, 4).add(1), 3, { stride: 2, padding: 1 }), expect: ok(tensorIs({ shape: [1, 1, 2, 2], values: [14 / 9, 30 / 9, 57 / 9, 11], tol: 1e-6 })) },
  { name: 'avgPool2d with countIncludePad: false', run: () => avgPool2d(img(4, 4).add(1), 3, bad({ stride: 2, padding: 1, countIncludePad: false })), expect: ok(tensorIs({ shape: [1, 1, 2, 2], values: [3.5, 5, 9.5, 11], tol: 1e-6 })) },
  // x = 0…24 as [1, 1, 5, 5], kernel 2, stride 2, ceilMode: a third window of one row/column at the edge,
  // averaged over the elements it covers (PyTorch 1.13: 6.5 = (4 + 9) / 2, 24 alone).
  { name: 'avgPool2d with ceilMode: true', run: () => avgPool2d(img(5, 5), 2, bad({ ceilMode: true })), expect: ok(tensorIs({ shape: [1, 1, 3, 3], values: [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24] })) },
  { name: 'maxPool2d with ceilMode: true', run: () => maxPool2d(img(5, 5), 2, bad({ ceilMode: true })), expect: ok(tensorIs({ shape: [1, 1, 3, 3], values: [6, 8, 9, 16, 18, 19, 21, 23, 24] })) },
  { name: 'avgPool2d with ceilMode, padding 1 and countIncludePad: false', run: () => avgPool2d(img(5, 5), 3, bad({ stride: 2, padding: 1, ceilMode: true, countIncludePad: false })), expect: ok(tensorIs({ shape: [1, 1, 3, 3], values: [3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21] })) },
  { name: 'avgPool2d with ceilMode, padding 1, counting padded zeros', run: () => avgPool2d(img(5, 5), 3, bad({ stride: 2, padding: 1, ceilMode: true })), expect: ok(tensorIs({ shape: [1, 1, 3, 3], values: [12 / 9, 3, 24 / 9, 7, 12, 9, 8, 13, 84 / 9], tol: 1e-5 })) },
  { name: 'new AvgPool2d with a misspelt option', run: () => new AvgPool2d(2, bad({ strid: 1 })), expect: err(TypeError, /AvgPool2d/, /unknown option "strid"/, /stride/) },

  // ---- in-place writes ----
  { name: 'ones([1, 3]).expand([2, 3]).mul_(2): a write through a broadcast view', setup: () => ones([1, 3]), run: (b: Tensor) => b.expand([2, 3]).mul_(2), unchanged: (b: Tensor) => snap(b), expect: err(TYPED, /mul_/, OVERLAP) },
  { name: 'add_ into an expanded tensor', setup: () => ones([1, 3]), run: (b: Tensor) => b.expand([2, 3]).add_(1), unchanged: (b: Tensor) => snap(b), expect: err(TYPED, /add_/, OVERLAP) },
  { name: 'copy_ into an expanded tensor', setup: () => ones([1, 3]), run: (b: Tensor) => b.expand([2, 3]).copy_(arange(6, undefined, 1, { dtype: 'float32' }).reshape([2, 3])), unchanged: (b: Tensor) => snap(b), expect: err(TYPED, /copy_/, OVERLAP) },
  { name: 'fill_ of an expanded tensor writes one value, as PyTorch allows', setup: () => ones([1, 3]), run: (b: Tensor) => (b.expand([2, 3]).fill_(2), b), expect: ok(tensorIs({ shape: [1, 3], values: [2, 2, 2] })) },
  { name: 'add_ of a [4] operand into [2, 3]', setup: () => ones([2, 3]), run: (x: Tensor) => x.add_(zeros([4])), unchanged: (x: Tensor) => snap(x), expect: err(ShapeError, /add_/, /\[4\]/, /\[2, 3\]/) },
  { name: "add_('a')", setup: () => ones([2, 3]), run: (x: Tensor) => x.add_(bad('a')), unchanged: (x: Tensor) => snap(x), expect: err(TypeError, /add_/) },
  { name: "fill_('a')", setup: () => ones([2, 3]), run: (x: Tensor) => x.fill_(bad('a')), unchanged: (x: Tensor) => snap(x), expect: err(TypeError, /fill_/, /a/) },
  { name: 'mul_(0.5) of an int32 tensor', setup: () => tensor([2, 3], { dtype: 'int32' }), run: (x: Tensor) => x.mul_(0.5), unchanged: (x: Tensor) => snap(x), expect: err(DTypeError, /mul_/, /int32/) },
  { name: 'add_ of a float tensor into an int32 tensor', setup: () => tensor([2, 3], { dtype: 'int32' }), run: (x: Tensor) => x.add_(tensor([0.5, 0.5])), unchanged: (x: Tensor) => snap(x), expect: err(DTypeError, /add_/, /int32/) },
  { name: 'copy_ of a plain array', setup: () => ones([3]), run: (x: Tensor) => x.copy_(bad([1, 2, 3])), unchanged: (x: Tensor) => snap(x), expect: err(TypeError, /copy_/) },
  { name: 'addcmul_ with factors that do not broadcast', setup: () => ones([3]), run: (x: Tensor) => x.addcmul_(ones([3]), ones([2])), unchanged: (x: Tensor) => snap(x), expect: err(ShapeError, /addcmul_/, /\[2\]/) },

  // ---- layers and losses ----
  { name: 'Linear(3, 2) on an input of shape [4, 5]', run: () => new Linear(3, 2).forward(zeros([4, 5])), expect: err(ShapeError, /Linear/, /\[4, 5\]/) },
  { name: 'Linear with -1 input features', run: () => new Linear(-1, 2), expect: err(RangeError, /Linear/, /-1/) },
  { name: 'Linear with a misspelt option bais', run: () => new Linear(3, 2, bad({ bais: false })), expect: err(TypeError, /Linear/, /unknown option "bais"/, /bias/) },
  { name: 'crossEntropy with a class index out of range', run: () => crossEntropy(zeros([2, 3]), tensor([0, 5], { dtype: 'int32' })), expect: err(RangeError, /crossEntropy/, /5/) },
  // Float labels [N] for input [N, C]: PyTorch says "expected scalar type Long but found Float"; the issue asks for the int32 hint.
  { name: 'crossEntropy with float class labels', run: () => crossEntropy(zeros([2, 3]), tensor([0, 1])), expect: err(DTypeError, /crossEntropy/, /int32/, /\[2\]/) },
  { name: 'crossEntropy with a misspelt option reductio', run: () => crossEntropy(zeros([2, 3]), tensor([0, 1], { dtype: 'int32' }), bad({ reductio: 'sum' })), expect: err(TypeError, /crossEntropy/, /unknown option "reductio"/, /reduction/) },
  { name: 'dropout with p 1.5', run: () => F.dropout(ones([2]), 1.5), expect: err(RangeError, /dropout/, /1\.5/) },
]);
