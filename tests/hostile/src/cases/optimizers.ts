// Optimizers: hyperparameters, parameter lists, state dicts and steps that cannot work. The hyperparameter
// errors name the option and the value (`Adam: decay1 must be in [0, 1), got 1`); loadStateDict and a step
// with bad state change nothing (parameters, state, step count).
import { DTypeError, Generator, ShapeError, Tensor, ones, tensor, zeros } from '@tensile/tensor';
import { Linear } from '@tensile/nn';
import { Adam, AdaGrad, ParameterError, RMSProp, SGD, StateDictError, StepLR, clipGradNorm, type Optimizer } from '@tensile/optim';
import { category, err, ok } from '../harness.js';
import { bad, snap, snapModel, valuesProblem } from '../checks.js';

const model = () => new Linear(3, 2, { generator: new Generator(3) });

/** A model whose parameters have gradients, and an Adam that has taken one step on it. */
function trained() {
  const m = model();
  const opt = new Adam(m, { lr: 0.1 });
  m.forward(ones([4, 3])).sum().backward();
  opt.step();
  return { m, opt };
}
type Trained = ReturnType<typeof trained>;

/** Everything an optimizer holds, as plain data. */
function snapOpt(opt: Optimizer<any, any>) {
  const sd = opt.stateDict();
  const state = Object.fromEntries(Object.entries(sd.state).map(([n, s]) => [n, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? snap(v)[0] : v]))]));
  return { step: sd.step, groups: sd.groups, state, lastLr: [...opt.lastLr] };
}
const snapAll = ({ m, opt }: Trained) => ({ model: snapModel(m), opt: snapOpt(opt) });

export default category('optimizers', [
  // ---- hyperparameters ----
  { name: 'SGD with a negative lr', run: () => new SGD(model(), { lr: -0.1 }), expect: err(RangeError, /SGD/, /lr/, /-0\.1/) },
  { name: 'Adam with lr NaN', run: () => new Adam(model(), { lr: NaN }), expect: err(RangeError, /Adam/, /lr/, /NaN/) },
  { name: 'Adam with lr Infinity', run: () => new Adam(model(), { lr: Infinity }), expect: err(RangeError, /Adam/, /lr/, /Infinity/) },
  { name: "SGD with lr '0.1' (a string)", run: () => new SGD(model(), bad({ lr: '0.1' })), expect: err(TypeError, /SGD/, /lr/, /"0\.1"/) },
  { name: 'Adam with decay1 = 1', run: () => new Adam(model(), { decay1: 1 }), expect: err(RangeError, /Adam: decay1 must be in \[0, 1\), got 1/) },
  { name: 'Adam with decay2 = 1.5', run: () => new Adam(model(), { decay2: 1.5 }), expect: err(RangeError, /Adam/, /decay2/, /1\.5/) },
  { name: 'Adam with decay1 = -0.1', run: () => new Adam(model(), { decay1: -0.1 }), expect: err(RangeError, /Adam/, /decay1/, /-0\.1/) },
  { name: 'Adam with decay2 NaN', run: () => new Adam(model(), { decay2: NaN }), expect: err(RangeError, /Adam/, /decay2/, /NaN/) },
  { name: 'Adam with a negative eps', run: () => new Adam(model(), { eps: -1e-8 }), expect: err(RangeError, /Adam/, /eps/) },
  { name: 'RMSProp with decay = 1', run: () => new RMSProp(model(), { decay: 1 }), expect: err(RangeError, /RMSProp/, /decay/, /1/) },
  { name: 'SGD with a negative momentum', run: () => new SGD(model(), { momentum: -0.5 }), expect: err(RangeError, /SGD/, /momentum/, /-0\.5/) },
  { name: 'SGD with weightDecay NaN', run: () => new SGD(model(), { weightDecay: NaN }), expect: err(RangeError, /SGD/, /weightDecay/, /NaN/) },
  { name: 'SGD with nesterov but no momentum', run: () => new SGD(model(), { nesterov: true }), expect: err(RangeError, /SGD/, /nesterov/, /momentum/) },
  { name: "Adam with amsgrad: 'yes'", run: () => new Adam(model(), bad({ amsgrad: 'yes' })), expect: err(TypeError, /Adam/, /amsgrad/) },
  { name: 'Adam with betas (the PyTorch name)', run: () => new Adam(model(), bad({ betas: [0.9, 0.99] })), expect: err(TypeError, /Adam/, /unknown option "betas"/, /decay1 and decay2/) },
  { name: 'SGD with learning_rate', run: () => new SGD(model(), bad({ learning_rate: 0.1 })), expect: err(TypeError, /SGD/, /unknown option "learning_rate"/, /\blr\b/) },
  { name: 'AdaGrad with a misspelt option', run: () => new AdaGrad(model(), bad({ epsilon: 1e-8 })), expect: err(TypeError, /AdaGrad/, /unknown option "epsilon"/, /eps/) },
  { name: "Adam with dialect 'keras'", run: () => new Adam(model(), bad({ dialect: 'keras' })), expect: err(TypeError, /Adam/, /dialect/, /keras/) },
  { name: 'Adam with a scheduler that is not one', run: () => new Adam(model(), bad({ scheduler: {} })), expect: err(TypeError, /Adam/, /scheduler/) },
  { name: 'StepLR with stepSize 0', run: () => new StepLR({ lr: 0.1, stepSize: 0 }), expect: err(RangeError, /StepLR/, /stepSize/, /0/) },
  { name: 'StepLR with a misspelt option', run: () => new StepLR(bad({ lr: 0.1, stepSize: 2, gama: 0.5 })), expect: err(TypeError, /StepLR/, /unknown option "gama"/, /gamma/) },

  // ---- parameters ----
  { name: 'SGD over an array of numbers', run: () => new SGD(bad([1, 2, 3]), { lr: 0.1 }), expect: err(TypeError, /SGD/, /param/) },
  { name: 'SGD over an array of strings', run: () => new SGD(bad(['w']), { lr: 0.1 }), expect: err(TypeError, /SGD/, /param/) },
  { name: 'SGD over an array holding null', run: () => new SGD(bad([ones([2], { requiresGrad: true }), null]), { lr: 0.1 }), expect: err(TypeError, /SGD/, /param.*1|null/) },
  { name: 'SGD over an empty list', run: () => new SGD([], { lr: 0.1 }), expect: err(RangeError, /SGD/, /empty/) },
  {
    name: 'the same tensor listed twice',
    run: () => {
      const w = ones([2], { requiresGrad: true });
      return new SGD([w, w], { lr: 0.1 });
    },
    expect: err(ParameterError, /SGD/, /same tensor/),
  },
  {
    name: 'the same tensor in two parameter groups',
    run: () => {
      const w = ones([2], { requiresGrad: true });
      return new SGD([{ params: [['a', w]] }, { params: [['b', w]] }], { lr: 0.1 });
    },
    expect: err(ParameterError, /SGD/, /same tensor/),
  },
  { name: 'an int32 parameter', run: () => new SGD([tensor([1, 2], { dtype: 'int32' })], { lr: 0.1 }), expect: err(DTypeError, /SGD/, /int32/) },
  { name: 'a non-leaf parameter', run: () => new SGD([ones([2], { requiresGrad: true }).mul(2)], { lr: 0.1 }), expect: err(ParameterError, /SGD/, /leaf/) },
  { name: 'a parameter group with an unknown option', run: () => new SGD([{ params: model(), lrr: 0.1 } as never], { lr: 0.1 }), expect: err(TypeError, /SGD/, /unknown option "lrr"/, /\blr\b/) },

  // ---- steps ----
  {
    name: 'step with a gradient of the wrong shape changes nothing',
    setup: () => {
      const t = trained();
      t.m.weight.grad = zeros([5]);
      return t;
    },
    run: ({ opt }: Trained) => opt.step(),
    unchanged: snapAll,
    expect: err(ShapeError, /Adam/, /"weight"/, /\[5\]/, /\[2, 3\]/),
  },
  {
    name: 'step with optimizer state of the wrong shape changes nothing',
    setup: () => {
      const t = trained();
      t.opt.state.get('bias')!.mean = zeros([7]);
      t.m.forward(ones([4, 3])).sum().backward();
      return t;
    },
    run: ({ opt }: Trained) => opt.step(),
    unchanged: ({ m, opt }: Trained) => ({ model: snapModel(m), step: opt.stepCount, lastLr: [...opt.lastLr] }),
    expect: err(ShapeError, /Adam/, /"bias"/, /\[7\]/),
  },
  { name: 'step with a two-element loss', setup: trained, run: ({ opt }: Trained) => opt.step(ones([2])), unchanged: snapAll, expect: err(TypeError, /step/, /loss/, /\[2\]/) },
  { name: "step with the loss 'low'", setup: trained, run: ({ opt }: Trained) => opt.step(bad('low')), unchanged: snapAll, expect: err(TypeError, /step/, /loss/) },
  { name: 'zeroGrad with the option set_to_none (snake_case)', setup: trained, run: ({ opt }: Trained) => opt.zeroGrad(bad({ set_to_none: false })), unchanged: ({ m }: Trained) => snap(m.weight.grad!), expect: err(TypeError, /zeroGrad/, /unknown option "set_to_none"/, /setToNone/) },
  { name: 'clipGradNorm with maxNorm -1', setup: trained, run: ({ m }: Trained) => clipGradNorm(m, -1), unchanged: ({ m }: Trained) => snap(m.weight.grad!), expect: err(RangeError, /clipGradNorm/, /maxNorm/, /-1/) },
  {
    name: 'one Adam step from zero state: lr·sign(g) per element',
    run: () => {
      const w = tensor([1, 2], { requiresGrad: true });
      const opt = new Adam([w], { lr: 0.1, dialect: 'torch' });
      w.grad = tensor([0.5, -3]);
      opt.step();
      return Array.from(w.toTypedArray());
    },
    // m̂ = g and v̂ = g² after one step, so the update is lr·g/(|g| + eps) ≈ lr·sign(g).
    expect: ok((w: number[]) => valuesProblem(w, [0.9, 2.1], 1e-6)),
  },

  // ---- loadStateDict ----
  {
    name: 'loadStateDict of an SGD checkpoint into Adam',
    setup: trained,
    run: ({ m, opt }: Trained) => opt.loadStateDict(new SGD(m, { lr: 0.1 }).stateDict()),
    unchanged: snapAll,
    expect: err(StateDictError, /loadStateDict\(Adam\)/, /SGD/, /Nothing was loaded/),
  },
  {
    name: 'loadStateDict with state for an unknown parameter name',
    setup: trained,
    run: ({ opt }: Trained) => {
      const sd = opt.stateDict();
      sd.state['fc9.weight'] = sd.state['weight']!;
      return opt.loadStateDict(sd);
    },
    unchanged: snapAll,
    expect: err(StateDictError, /unexpected "fc9\.weight"/),
  },
  {
    name: 'loadStateDict with a state tensor of the wrong shape',
    setup: trained,
    run: ({ opt }: Trained) => {
      const sd = opt.stateDict();
      sd.state['weight']!.mean = zeros([3, 2]);
      sd.step = 99;
      return opt.loadStateDict(sd);
    },
    unchanged: snapAll,
    expect: err(StateDictError, /"weight"/, /mean/, /\[3, 2\]/, /\[2, 3\]/),
  },
  {
    name: 'loadStateDict with a negative step',
    setup: trained,
    run: ({ opt }: Trained) => opt.loadStateDict({ ...opt.stateDict(), step: -1 }),
    unchanged: snapAll,
    expect: err(StateDictError, /step/, /-1/),
  },
  {
    name: 'loadStateDict with a NaN in the per-parameter step t',
    setup: trained,
    run: ({ opt }: Trained) => {
      const sd = opt.stateDict();
      sd.state['bias']!.t = NaN;
      return opt.loadStateDict(sd);
    },
    unchanged: snapAll,
    expect: err(StateDictError, /"bias"/, /\bt\b/, /NaN/),
  },
  {
    name: 'loadStateDict with a hyperparameter out of range',
    setup: trained,
    run: ({ opt }: Trained) => {
      const sd = opt.stateDict();
      sd.groups[0]!.options.decay1 = 1;
      return opt.loadStateDict(sd);
    },
    unchanged: snapAll,
    expect: err(StateDictError, /decay1/, /1/),
  },
  { name: 'loadStateDict(null)', setup: trained, run: ({ opt }: Trained) => opt.loadStateDict(bad(null)), unchanged: snapAll, expect: err(TypeError, /loadStateDict/, /null/) },
  { name: 'loadStateDict({})', setup: trained, run: ({ opt }: Trained) => opt.loadStateDict(bad({})), unchanged: snapAll, expect: err(StateDictError, /loadStateDict/) },
  { name: 'loadStateDict with a misspelt option strcit', setup: trained, run: ({ opt }: Trained) => opt.loadStateDict(opt.stateDict(), bad({ strcit: false })), unchanged: snapAll, expect: err(TypeError, /loadStateDict/, /unknown option "strcit"/, /strict/) },
  {
    name: 'a state dict round trip continues identically',
    run: () => {
      const a = trained();
      // b starts elsewhere (other weights, another lr, no state) and takes a's weights and optimizer state.
      const bm = new Linear(3, 2, { generator: new Generator(99) });
      const b = { m: bm, opt: new Adam(bm, { lr: 0.5 }) };
      b.m.loadStateDict(a.m.stateDict());
      b.opt.loadStateDict(a.opt.stateDict());
      for (const t of [a, b]) {
        t.m.zeroGrad();
        t.m.forward(ones([4, 3]).mul(2)).sum().backward();
        t.opt.step();
      }
      return [Array.from(a.m.weight.toTypedArray()), Array.from(b.m.weight.toTypedArray())];
    },
    expect: ok(([wa, wb]: number[][]) => valuesProblem(wb!, wa!, 0)),
  },
]);
