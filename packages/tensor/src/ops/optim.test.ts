// The fused optimizer step against the same formulas written with tensor ops (the optimizers' code
// before fusion): bit for bit in float64, close in float32, on every layout, and its errors.
import { describe, expect, it } from 'vitest';
import {
  AutogradError, DTypeError, Generator, ShapeError, Tensor, fusedUpdate_, listBackends, maximum, noGrad, randn, zeros, zerosLike, type UpdateRule,
} from '../index.js';
import { expectAllClose, snapshot, stridedCopy, useBackend } from '../../test/helpers.js';

/** The rule's update as composed tensor ops, in the optimizers' order. */
function reference(rule: UpdateRule, param: Tensor, grad: Tensor, state: Tensor[]): void {
  const wd = rule.weightDecay;
  const decoupled = rule.kind === 'adam' && rule.decoupled;
  const g = wd === 0 || decoupled ? grad : grad.add(param, wd);
  switch (rule.kind) {
    case 'sgd': {
      const u = state[0]!;
      u.mul_(rule.momentum).add_(g, (1 - rule.dampening) * rule.lr);
      param.sub_(rule.nesterov ? u.mul(rule.momentum).add(g, rule.lr) : u);
      return;
    }
    case 'sgdTorch': {
      let d = g;
      if (rule.momentum !== 0) {
        const b = state[0]!;
        if (rule.first) b.copy_(g);
        else b.mul_(rule.momentum).add_(g, 1 - rule.dampening);
        d = rule.nesterov ? g.add(b, rule.momentum) : b;
      }
      param.sub_(d, rule.lr);
      return;
    }
    case 'adam': {
      const { lr, decay1, decay2, eps, step: t } = rule;
      const [mean, v, maxVar] = state as [Tensor, Tensor, Tensor | undefined];
      if (decoupled) param.mul_(1 - lr * wd);
      v.mul_(decay2).add_(g.square(), 1 - decay2);
      mean.mul_(decay1).add_(g, 1 - decay1);
      if (maxVar) maxVar.copy_(maximum(maxVar, v));
      const vHat = (maxVar ?? v).div(1 - decay2 ** t);
      const mHat = mean.div(1 - decay1 ** t);
      param.sub_(mHat.mul(lr).div(vHat.sqrt().add(eps)));
      return;
    }
    case 'rmsprop': {
      const { lr, decay, eps, momentum } = rule;
      const cache = state[0]!, avg = rule.centered ? state[1]! : null, buf = momentum !== 0 ? state.at(-1)! : null;
      cache.mul_(decay).add_(g.square(), 1 - decay);
      let meanSquare = cache;
      if (avg) {
        avg.mul_(decay).add_(g, 1 - decay);
        meanSquare = cache.sub(avg.square());
      }
      const denom = meanSquare.sqrt().add(eps);
      if (buf) {
        buf.mul_(momentum).add_(g.div(denom));
        param.sub_(buf, lr);
      } else {
        param.sub_(g.mul(lr).div(denom));
      }
      return;
    }
    case 'adagrad': {
      const cache = state[0]!;
      cache.add_(g.square());
      param.sub_(g.mul(rule.lr).div(cache.sqrt().add(rule.eps)));
      return;
    }
  }
}

const sgd = { kind: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 } as const;
const sgdTorch = { kind: 'sgdTorch', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, first: false } as const;
const adam = { kind: 'adam', lr: 0.01, decay1: 0.9, decay2: 0.999, eps: 1e-7, weightDecay: 0, decoupled: false, amsgrad: false, step: 1 } as const;
const rmsprop = { kind: 'rmsprop', lr: 0.01, decay: 0.9, eps: 1e-7, momentum: 0, centered: false, weightDecay: 0 } as const;
const adagrad = { kind: 'adagrad', lr: 0.05, eps: 1e-7, weightDecay: 0 } as const;

/** Every loop of every rule, with and without L2 weight decay. */
const RULES: [string, UpdateRule][] = [
  ['sgd', sgd],
  ['sgd nesterov', { ...sgd, nesterov: true }],
  ['sgd dampening, weightDecay', { ...sgd, dampening: 0.3, weightDecay: 0.01 }],
  ['sgd no momentum', { ...sgd, momentum: 0 }],
  ['sgdTorch no momentum', { ...sgdTorch, momentum: 0 }],
  ['sgdTorch no momentum, weightDecay', { ...sgdTorch, momentum: 0, weightDecay: 0.01 }],
  ['sgdTorch first', { ...sgdTorch, first: true }],
  ['sgdTorch first nesterov', { ...sgdTorch, first: true, nesterov: true, weightDecay: 0.01 }],
  ['sgdTorch dampening', { ...sgdTorch, dampening: 0.3 }],
  ['sgdTorch nesterov, weightDecay', { ...sgdTorch, nesterov: true, weightDecay: 0.01 }],
  ['adam', adam],
  ['adam step 7, weightDecay', { ...adam, step: 7, weightDecay: 0.01 }],
  ['adam decoupled (AdamW)', { ...adam, step: 3, weightDecay: 0.05, decoupled: true }],
  ['adam amsgrad', { ...adam, step: 2, amsgrad: true }],
  ['adam amsgrad, decoupled', { ...adam, step: 2, amsgrad: true, weightDecay: 0.05, decoupled: true }],
  ['rmsprop', rmsprop],
  ['rmsprop weightDecay', { ...rmsprop, weightDecay: 0.01 }],
  ['rmsprop momentum', { ...rmsprop, momentum: 0.9 }],
  ['rmsprop centered', { ...rmsprop, centered: true }],
  ['rmsprop centered, momentum, weightDecay', { ...rmsprop, centered: true, momentum: 0.9, weightDecay: 0.01 }],
  ['adagrad', adagrad],
  ['adagrad weightDecay', { ...adagrad, weightDecay: 0.01 }],
];

function stateCount(rule: UpdateRule): number {
  switch (rule.kind) {
    case 'sgd': case 'adagrad': return 1;
    case 'sgdTorch': return rule.momentum === 0 ? 0 : 1;
    case 'adam': return rule.amsgrad ? 3 : 2;
    case 'rmsprop': return 1 + Number(rule.centered) + Number(rule.momentum !== 0);
  }
}

/** A parameter, a gradient and state as after a few steps (state ≥ 0 where it holds squares). */
function inputs(rule: UpdateRule, seed: number, shape = [3, 5]): { param: Tensor; grad: Tensor; state: Tensor[] } {
  const gen = new Generator(seed);
  const r = (): Tensor => randn(shape, { dtype: 'float64', generator: gen });
  const param = r(), grad = r();
  const state = Array.from({ length: stateCount(rule) }, (_, i) => {
    const s = r();
    // Adam's var and maxVar, RMSProp's and AdaGrad's cache are sums of squares; rmsprop's gradAvg must
    // stay below √cache for the centered variance.
    if (rule.kind === 'adam' && i > 0) return s.square().mul(0.1);
    if ((rule.kind === 'rmsprop' || rule.kind === 'adagrad') && i === 0) return s.square().add(1);
    if (rule.kind === 'rmsprop' && rule.centered && i === 1) return s.mul(0.1);
    return s;
  });
  return { param, grad, state };
}

function fused(rule: UpdateRule, param: Tensor, grad: Tensor, state: Tensor[]): void {
  noGrad(() => fusedUpdate_(rule, param, grad, state));
}

describe.each(listBackends())('backend %s: fusedUpdate_', (backend) => {
  useBackend(backend);

  it.each(RULES)('%s: equals the tensor-op formula bit for bit in float64, over three steps', (_, rule) => {
    const a = inputs(rule, 1);
    const b = { param: a.param.clone(), state: a.state.map((s) => s.clone()) };
    for (let k = 0; k < 3; k++) {
      const grad = randn(a.param.shape, { dtype: 'float64', generator: new Generator(10 + k) });
      const step = rule.kind === 'adam' ? { ...rule, step: rule.step + k } : rule.kind === 'sgdTorch' ? { ...rule, first: rule.first && k === 0 } : rule;
      fused(step, a.param, grad, a.state);
      noGrad(() => reference(step, b.param, grad, b.state));
    }
    expect(Array.from(a.param.data)).toEqual(Array.from(b.param.data));
    a.state.forEach((s, i) => expect(Array.from(s.data), `state ${i}`).toEqual(Array.from(b.state[i]!.data)));
    expect(a.param.data.some((v, i) => v !== inputs(rule, 1).param.data[i])).toBe(true);
  });

  it.each(RULES)('%s: float32 stays within 1e-6 of the float64 result', (_, rule) => {
    const f64 = inputs(rule, 2);
    const f32 = { param: f64.param.to('float32'), grad: f64.grad.to('float32'), state: f64.state.map((s) => s.to('float32')) };
    // The float64 reference starts from the same float32-rounded values.
    const ref = { param: f32.param.to('float64'), grad: f32.grad.to('float64'), state: f32.state.map((s) => s.to('float64')) };
    fused(rule, f32.param, f32.grad, f32.state);
    noGrad(() => reference(rule, ref.param, ref.grad, ref.state));
    expect(f32.param.dtype).toBe('float32');
    const tol = { rtol: 1e-6, atol: 1e-7 };
    expectAllClose(f32.param, ref.param, tol, 'param');
    f32.state.forEach((s, i) => expectAllClose(s, ref.state[i]!, tol, `state ${i}`));
  });

  it.each(RULES)('%s: non-contiguous and offset tensors give the contiguous result', (_, rule) => {
    const a = inputs(rule, 3, [4, 3]);
    const b = { param: a.param.clone(), grad: a.grad.clone(), state: a.state.map((s) => s.clone()) };
    const param = stridedCopy(a.param, 'transposed');
    const grad = stridedCopy(a.grad, 'gapped');
    const state = a.state.map((s, i) => stridedCopy(s, i % 2 ? 'transposed' : 'gapped'));
    fused(rule, param, grad, state);
    fused(rule, b.param, b.grad, b.state);
    expect(param.toArray()).toEqual(b.param.toArray());
    state.forEach((s, i) => expect(s.toArray(), `state ${i}`).toEqual(b.state[i]!.toArray()));
  });
});

describe('fusedUpdate_ layouts', () => {
  it('updates a contiguous view at an offset in place and leaves the rest of its storage alone', () => {
    const { param, grad, state } = inputs(adam, 4, [2, 3]);
    const big = zeros([4, 3], { dtype: 'float64' });
    big.narrow(0, 1, 2).copy_(param);
    const view = big.narrow(0, 1, 2);
    expect(view.isContiguous && view.offset === 3).toBe(true);
    fused(adam, view, grad, state.map((s) => s.clone()));
    fused(adam, param, grad, state);
    expect(big.toArray()).toEqual([[0, 0, 0], ...(param.toArray() as number[][]), [0, 0, 0]]);
  });

  it('casts a gradient of the other float dtype and copies one that shares storage with the parameter', () => {
    const { param, grad, state } = inputs(adagrad, 5);
    const ref = { param: param.clone(), state: state.map((s) => s.clone()) };
    fused(adagrad, param, grad.to('float32'), state);
    fused(adagrad, ref.param, grad.to('float32').to('float64'), ref.state);
    expect(param.toArray()).toEqual(ref.param.toArray());

    // grad is param itself: it must be read before param is written.
    const p = inputs(sgd, 6).param, s = zerosLike(p);
    const expected = p.sub(p.mul(sgd.lr));
    fused(sgd, p, p, [s]);
    expect(p.toArray()).toEqual(expected.toArray());
  });

  it('accepts empty tensors', () => {
    const p = zeros([0, 3], { dtype: 'float64' });
    fused(adam, p, zerosLike(p), [zerosLike(p), zerosLike(p)]);
    expect(p.shape).toEqual([0, 3]);
  });
});

describe('fusedUpdate_ errors name what is wrong and change nothing', () => {
  const base = (): { param: Tensor; grad: Tensor; state: Tensor[] } => inputs(adam, 7);
  const cases: [string, (x: ReturnType<typeof base>) => void, new (...a: never[]) => Error, RegExp][] = [
    ['unknown rule', (x) => fusedUpdate_({ ...adam, kind: 'lion' } as unknown as UpdateRule, x.param, x.grad, x.state), TypeError, /rule\.kind must be one of sgd, sgdTorch, adam, rmsprop, adagrad; got lion/],
    ['missing hyperparameter', (x) => fusedUpdate_({ ...adam, eps: undefined } as unknown as UpdateRule, x.param, x.grad, x.state), TypeError, /fusedUpdate_\(adam\): eps must be a number, got undefined/],
    ['NaN lr', (x) => fusedUpdate_({ ...adam, lr: NaN }, x.param, x.grad, x.state), RangeError, /fusedUpdate_\(adam\): lr must be finite, got NaN/],
    ['adam step 0', (x) => fusedUpdate_({ ...adam, step: 0 }, x.param, x.grad, x.state), RangeError, /step must be an integer ≥ 1, got 0/],
    ['non-tensor grad', (x) => fusedUpdate_(adam, x.param, [1, 2] as unknown as Tensor, x.state), TypeError, /fusedUpdate_\(adam\): grad must be a Tensor/],
    ['state count', (x) => fusedUpdate_({ ...adam, amsgrad: true }, x.param, x.grad, x.state), TypeError, /expected 3 state tensors \[mean, var, maxVar\], got 2/],
    ['int param', (x) => fusedUpdate_(adam, x.param.to('int32'), x.grad, x.state), DTypeError, /param must be float32 or float64, got int32/],
    ['int grad', (x) => fusedUpdate_(adam, x.param, x.grad.to('int32'), x.state), DTypeError, /grad must be float32 or float64, got int32/],
    ['grad shape', (x) => fusedUpdate_(adam, x.param, x.grad.t(), x.state), ShapeError, /grad has shape \[5, 3\] but param has shape \[3, 5\]/],
    ['state dtype', (x) => fusedUpdate_(adam, x.param, x.grad, [x.state[0]!, x.state[1]!.to('float32')]), DTypeError, /state\[1\] \(var\) is float32 but param is float64/],
    ['state shape', (x) => fusedUpdate_(adam, x.param, x.grad, [x.state[0]!.reshape([15]), x.state[1]!]), ShapeError, /state\[0\] \(mean\) has shape \[15\] but param has shape \[3, 5\]/],
    ['shared state', (x) => fusedUpdate_(adam, x.param, x.grad, [x.state[0]!, x.state[0]!]), TypeError, /state\[1\] \(var\) shares its storage with state\[0\] \(mean\)/],
    ['requires grad', (x) => fusedUpdate_(adam, x.param.requiresGrad_(), x.grad, x.state), AutogradError, /cannot modify param, a tensor that requires grad \(shape \[3, 5\]\) in place while grad mode is on; wrap the update in noGrad/],
  ];
  it.each(cases)('%s', (_, call, Err, message) => {
    const x = base();
    const before = [x.param, x.grad, ...x.state].map((t) => snapshot(t).data);
    expect(() => call(x)).toThrow(Err);
    expect(() => call(base())).toThrow(message);
    expect([x.param, x.grad, ...x.state].map((t) => Array.from(t.data))).toEqual(before);
  });

  it('runs on a parameter that requires grad under noGrad', () => {
    const x = base();
    x.param.requiresGrad_();
    const before = Array.from(x.param.data);
    fused(adam, x.param, x.grad, x.state);
    expect(Array.from(x.param.data)).not.toEqual(before);
  });
});
