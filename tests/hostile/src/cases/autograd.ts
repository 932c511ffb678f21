// Autograd misuse. The core is PyTorch's version counter: a tensor that an op saved for its backward and that
// is then modified in place (directly, through a view, by an optimizer step or a state-dict load) makes
// backward() throw, naming the op, the shape and the versions, instead of differentiating the new values.
import { AnomalyError, AutogradError, DTypeError, Tensor, detectAnomaly, enableGrad, grad, noGrad, ones, tensor } from '@tensile/tensor';
import { Linear } from '@tensile/nn';
import { SGD } from '@tensile/optim';
import { Generator } from '@tensile/tensor';
import { category, err, ok } from '../harness.js';
import { bad, snap, tensorIs, valuesProblem } from '../checks.js';

const VERSION = /version/;
const rg = (values: number[]) => tensor(values, { requiresGrad: true });
const gradOf = (t: Tensor) => (t.grad === null ? null : snap(t.grad));

/** A small Linear and an input, seeded. */
function linear() {
  const model = new Linear(3, 2, { generator: new Generator(1) });
  return { model, x: ones([4, 3]) };
}

export default category('autograd misuse', [
  {
    name: 'a saved output of mul modified under noGrad before backward',
    setup: () => {
      const a = rg([1, 2, 3]);
      const b = a.mul(1);
      const y = b.mul(b).sum();
      noGrad(() => b.mul_(10));
      return { a, y };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ a }) => gradOf(a),
    expect: err(AutogradError, /\bmul\b/, /\[3\]/, VERSION),
  },
  {
    name: 'x.mul_(100) after y = x.matmul(w).sum() (x needs no grad, w does)',
    setup: () => {
      const x = ones([2, 3]);
      const w = ones([3, 2], { requiresGrad: true });
      const y = x.matmul(w).sum();
      x.mul_(100);
      return { w, y };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ w }) => gradOf(w),
    expect: err(AutogradError, /matmul/, /\[2, 3\]/, VERSION),
  },
  {
    name: 'a leaf modified under noGrad between forward and backward',
    setup: () => {
      const x = rg([1, 2, 3]);
      const y = x.pow(2).sum();
      noGrad(() => x.mul_(2));
      return { x, y };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ x }) => gradOf(x),
    expect: err(AutogradError, /pow/, /\[3\]/, VERSION),
  },
  {
    name: 'a write through a view of a saved tensor',
    setup: () => {
      const x = ones([4]);
      const w = ones([4], { requiresGrad: true });
      const y = x.mul(w).sum();
      x.narrow(0, 0, 2).fill_(5);
      return { w, y };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ w }) => gradOf(w),
    expect: err(AutogradError, /\bmul\b/, /\[4\]/, VERSION),
  },
  {
    name: 'a write into the base of a saved view',
    setup: () => {
      const x = ones([4]);
      const w = ones([2], { requiresGrad: true });
      const y = x.narrow(0, 0, 2).mul(w).sum();
      x.fill_(2);
      return { w, y };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ w }) => gradOf(w),
    expect: err(AutogradError, /\bmul\b/, VERSION),
  },
  {
    name: 'a write under noGrad through a view of a saved non-leaf',
    setup: () => {
      const a = rg([1, 2, 3]);
      const b = a.mul(1);
      const y = b.mul(b).sum();
      noGrad(() => b.narrow(0, 0, 1).mul_(3));
      return { a, y };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ a }) => gradOf(a),
    expect: err(AutogradError, /\bmul\b/, VERSION),
  },
  {
    // With an input that needs no gradient, the weight's own gradient reads only x, and PyTorch (like
    // Tensile) lets the step pass; x's gradient reads the weight, so an x that requires grad trips it.
    name: 'opt.step() between forward and backward',
    setup: () => {
      const { model } = linear();
      const x = ones([4, 3]).requiresGrad_();
      const opt = new SGD(model, { lr: 0.1 });
      model.forward(x).sum().backward();
      const y = model.forward(x).sum();
      opt.step();
      return { y };
    },
    run: ({ y }) => y.backward(),
    // The weight [2, 3], or its transposed view [3, 2] if that is what the product saved.
    expect: err(AutogradError, /\[2, 3\]|\[3, 2\]/, VERSION),
  },
  {
    name: 'model.loadStateDict(sd) between forward and backward',
    setup: () => {
      const { model } = linear();
      const x = ones([4, 3]).requiresGrad_();
      const other = new Linear(3, 2, { generator: new Generator(2) });
      const y = model.forward(x).sum();
      model.loadStateDict(other.stateDict());
      return { y, model };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ model }) => gradOf(model.weight),
    expect: err(AutogradError, VERSION),
  },
  {
    name: 'opt.step() between forward and backward when only the weight needs a gradient passes, as in PyTorch',
    setup: () => {
      const { model, x } = linear();
      const opt = new SGD(model, { lr: 0.1 });
      model.forward(x).sum().backward();
      const y = model.forward(x).sum();
      opt.step();
      opt.zeroGrad();
      return { y, model };
    },
    // d/dW Σ(xWᵀ + b) = Σ over the 4 rows of x = 4 in every entry, whatever W is.
    run: ({ y, model }) => (y.backward(), model.weight.grad),
    expect: ok(tensorIs({ shape: [2, 3], values: [4, 4, 4, 4, 4, 4] })),
  },
  {
    name: 'modifying a saved tensor after backward is fine',
    run: () => {
      const a = rg([1, 2, 3]);
      const b = a.mul(1);
      b.mul(b).sum().backward();
      noGrad(() => b.mul_(10));
      a.mul(a).sum().backward(); // accumulates 2a again
      return a.grad;
    },
    expect: ok(tensorIs({ values: [4, 8, 12] })),
  },
  {
    name: 'modifying a tensor no op saved (an input of add) before backward is fine, as PyTorch',
    run: () => {
      const a = rg([1, 2, 3]);
      const b = a.add(0);
      const y = b.add(1).sum();
      noGrad(() => b.mul_(10));
      y.backward();
      return a.grad;
    },
    expect: ok(tensorIs({ values: [1, 1, 1] })),
  },
  {
    name: 'an in-place update before the forward pass is fine',
    run: () => {
      const x = rg([1, 2, 3]);
      noGrad(() => x.mul_(2));
      x.mul(x).sum().backward();
      return x.grad;
    },
    expect: ok(tensorIs({ values: [4, 8, 12] })),
  },
  {
    name: 'backward twice without retainGraph',
    setup: () => {
      const x = rg([1, 2]);
      const y = x.mul(x).sum();
      y.backward();
      return { x, y };
    },
    run: ({ y }) => y.backward(),
    unchanged: ({ x }) => gradOf(x),
    expect: err(AutogradError, /backward/, /retainGraph/),
  },
  {
    name: 'backward twice through a graph that saved nothing works, as PyTorch',
    run: () => {
      const x = rg([1, 2]);
      const y = x.add(1).sum();
      y.backward();
      y.backward();
      return x.grad;
    },
    expect: ok(tensorIs({ values: [2, 2] })),
  },
  {
    name: 'backward twice with retainGraph accumulates',
    run: () => {
      const x = rg([1, 2]);
      const y = x.mul(x).sum();
      y.backward(null, { retainGraph: true });
      y.backward();
      return x.grad;
    },
    expect: ok(tensorIs({ values: [4, 8] })),
  },
  {
    name: 'backward with the option retain_graph (snake_case)',
    setup: () => {
      const x = rg([1, 2]);
      return { x, y: x.mul(x).sum() };
    },
    run: ({ y }) => y.backward(null, bad({ retain_graph: true })),
    unchanged: ({ x }) => gradOf(x),
    expect: err(TypeError, /backward/, /unknown option "retain_graph"/, /retainGraph/),
  },
  { name: 'backward of a non-scalar without a gradient', run: () => rg([1, 2]).mul(2).backward(), expect: err(AutogradError, /backward/, /scalar/, /\[2\]/) },
  { name: 'backward with a gradient of the wrong shape', run: () => rg([1, 2]).mul(2).backward(ones([3])), expect: err(AutogradError, /backward/, /\[3\]/, /\[2\]/) },
  { name: 'backward with a number for the gradient', run: () => rg([1, 2]).mul(2).backward(bad(1)), expect: err(TypeError, /backward/, /gradient/) },
  { name: 'backward with an array for the gradient', run: () => rg([1, 2]).mul(2).backward(bad([1, 1])), expect: err(TypeError, /backward/, /gradient/) },
  { name: 'backward of a tensor that does not require grad', run: () => tensor([1, 2]).sum().backward(), expect: err(AutogradError, /backward/, /does not require grad/) },
  {
    name: 'grad of an unused input',
    run: () => {
      const x = rg([1, 2]);
      const unused = rg([3]);
      return grad(x.mul(x).sum(), [x, unused]);
    },
    expect: err(AutogradError, /grad/, /input 1/, /allowUnused/),
  },
  {
    name: 'grad of an unused input with allowUnused gives null',
    run: () => {
      const x = rg([1, 2]);
      const unused = rg([3]);
      const [gx, gu] = grad(x.mul(x).sum(), [x, unused], { allowUnused: true });
      return { gx, gu };
    },
    expect: ok(({ gx, gu }: { gx: Tensor; gu: unknown }) => (gu !== null ? 'the unused input got a gradient' : valuesProblem(Array.from(gx.toTypedArray()), [2, 4]))),
  },
  {
    name: 'backward leaves an unused leaf without a gradient',
    run: () => {
      const x = rg([1, 2]);
      const unused = rg([3]);
      x.mul(x).sum().backward();
      return unused.grad;
    },
    expect: ok((g: unknown) => (g === null ? null : 'the unused leaf got a gradient')),
  },
  { name: 'grad with a number for an input', run: () => grad(rg([1]).sum(), bad([1])), expect: err(TypeError, /grad/, /input/) },
  {
    name: 'a second-order gradient with createGraph',
    run: () => {
      const x = rg([2]);
      const [g] = grad(x.pow(3).sum(), [x], { createGraph: true });
      return grad(g!.sum(), [x])[0];
    },
    expect: ok(tensorIs({ values: [12] })),
  },
  {
    name: 'backward inside noGrad still computes gradients, as PyTorch',
    run: () => {
      const x = rg([1, 2]);
      const y = x.mul(x).sum();
      noGrad(() => y.backward());
      return x.grad;
    },
    expect: ok(tensorIs({ values: [2, 4] })),
  },
  { name: 'noGrad(async () => …)', run: () => noGrad(async () => rg([1]).mul(2)), expect: err([TypeError, AutogradError], /noGrad/, /async|Promise/) },
  { name: 'enableGrad(async () => …)', run: () => enableGrad(async () => rg([1]).mul(2)), expect: err([TypeError, AutogradError], /enableGrad/, /async|Promise/) },
  { name: 'detectAnomaly(async () => …)', run: () => detectAnomaly(async () => rg([1]).mul(2)), expect: err([TypeError, AutogradError], /detectAnomaly/, /async|Promise/) },
  { name: 'requiresGrad on an int32 tensor', run: () => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), expect: err(DTypeError, /requiresGrad/, /int32/) },
  { name: 'requiresGrad_() on a bool tensor', run: () => tensor([true]).requiresGrad_(), expect: err(DTypeError, /requiresGrad/, /bool/) },
  { name: 'requiresGrad = false on a non-leaf', run: () => (rg([1]).mul(2).requiresGrad = false), expect: err(AutogradError, /requiresGrad/, /leaf/) },
  { name: 'add_ on a leaf that requires grad', setup: () => rg([1, 2]), run: (x: Tensor) => x.add_(1), unchanged: (x: Tensor) => snap(x), expect: err(AutogradError, /add_/, /requires grad/, /noGrad/) },
  { name: 'detectAnomaly names the op that made a NaN', run: () => detectAnomaly(() => rg([-1]).sqrt()), expect: err(AnomalyError, /sqrt/, /NaN/) },
]);
