// float64 finite-difference checks of every differentiable registry case, on contiguous and on
// non-contiguous (strided, offset, reversed-layout) inputs; broadcasting ops have broadcast cases in
// the registry. Also: every gradient has its input's shape and dtype, and second derivatives check out.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { Generator, Tensor, cast, enableGrad, grad, gradcheck, isFloat, listBackends, randn } from '../src/index.js';
import { CASES, OPS, hasGradients, runCase, sampleInputs, type RegisteredCase } from './op-cases.js';
import { stridedCopy, useBackend, type StridedLayout } from './helpers.js';

/** Tighter than gradcheck's PyTorch defaults (1e-5, 1e-3): central differences in float64 on O(1) values are good to ~1e-9. */
const TOL = { eps: 1e-6, atol: 1e-7, rtol: 1e-5 };

type Layout = 'contiguous' | StridedLayout;

/**
 * The case's inputs as gradcheck leaves: float inputs become float64 leaves that require grad; `fn`
 * casts back any input whose spec fixes float32, and keeps only float outputs.
 */
function setup(cs: RegisteredCase, layout: Layout) {
  const sampled = sampleInputs(cs, 'float64');
  const leaves = sampled.map((t) => {
    const x = isFloat(t.dtype) ? cast(t, 'float64') : t;
    const y = layout === 'contiguous' ? x : stridedCopy(x, layout);
    if (isFloat(y.dtype)) y.requiresGrad = true;
    return y;
  });
  const fn = (...xs: Tensor[]): Tensor[] =>
    runCase(cs, xs.map((x, i) => (x.dtype !== sampled[i]!.dtype ? cast(x, sampled[i]!.dtype) : x))).filter((o) => isFloat(o.dtype));
  return { leaves, fn, diff: leaves.filter((x) => x.requiresGrad) };
}

// Cases sampled on a kink pin PyTorch's subgradient in the parity suite; finite differences say nothing there.
const differentiable = CASES.filter((cs) => hasGradients(cs) && !cs.onKink);

describe('the op registry', () => {
  it('covers every op in the public API', () => {
    // Public functions that are not ops on tensors (creation, autograd, backends, helpers).
    const notOps = new Set([
      'Tensor', 'ShapeError', 'DTypeError', 'AutogradError', 'AnomalyError', 'AllocationError', 'GradcheckError', 'Generator', 'OpContext',
      'promoteTypes', 'isFloat', 'fmtShape', 'broadcastShapes', 'contiguousStrides', 'numelOf', 'shapesEqual', 'manualSeed', 'getDefaultGenerator',
      'checkTensor', 'checkOptions', 'describeValue', 'layoutProblem', 'isHostStorage', 'DeviceError', 'simulatedDevice', 'SimBuffer',
      'setNumThreads', 'getNumThreads', 'noGrad', 'enableGrad', 'isGradEnabled', 'detectAnomaly', 'setDetectAnomaly', 'isAnomalyEnabled', 'backward', 'grad', 'defineOp',
      'gradcheck', 'getBackend', 'setBackend', 'registerBackend', 'listBackends', 'defineBuiltinOp', 'wasmHeapStats', 'setWasmHeapLimit', 'wasmBuild', 'wasmBackendWithGemm', 'tensor', 'zeros', 'ones', 'full', 'arange', 'linspace',
      'eye', 'rand', 'randn', 'randint', 'zerosLike', 'onesLike', 'fullLike', 'toNested', 'sumTo', 'logicalAnd', 'logicalNot',
      'shapesEqual', 'checkTensor', 'checkOptions', 'describeValue',
      'variance', // exported twice: as `var` (registry name) and `variance`
      'add_', 'sub_', 'mul_', 'div_', 'addcmul_', 'addcdiv_', 'copy_', 'fill_', 'clamp_', 'lerp_', 'maximum_', 'minimum_', 'elementwise_', 'defineElementwise',
      // the NaN guard, hooks and the profiler
      'NonFiniteError', 'nanGuard', 'setNanGuard', 'isNanGuardEnabled', 'isAllFinite', 'checkParamUpdate', 'describeScope',
      'RemovableHandle', 'groupForBackward', 'isWatching', 'getCurrentScope', 'setCurrentScope', 'getRecorder',
      'profile', 'startProfiler', 'stopProfiler', 'isProfiling', 'recordFunction', 'Profile',
    ]);
    const registered = new Set(OPS.map((en) => en.op));
    const missing = Object.entries(api)
      .filter(([name, v]) => typeof v === 'function' && !notOps.has(name) && !registered.has(name))
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('has unique case names, at least one case per op, and broadcast cases for broadcasting ops', () => {
    const names = CASES.map((cs) => cs.name);
    expect(new Set(names).size).toBe(names.length);
    for (const en of OPS) {
      expect(en.cases.length, en.op).toBeGreaterThan(0);
      if (en.broadcasts) {
        const hasBroadcast = en.cases.some((cs) => new Set(cs.inputs.map((s) => JSON.stringify(s.shape))).size > 1);
        expect(hasBroadcast, `${en.op} broadcasts but has no case with operands of different shapes`).toBe(true);
      }
    }
  });

  it('keeps kinky samples away from their kinks', () => {
    // A sample within 1e-3 of a kink would make central differences straddle it.
    for (const cs of differentiable) {
      const xs = sampleInputs(cs, 'float64');
      cs.inputs.forEach((spec, i) => {
        const v = xs[i]!.toTypedArray();
        if (spec.magnitude) for (const x of v) expect(Math.abs(x), cs.name).toBeGreaterThanOrEqual(spec.magnitude[0]);
        for (const a of spec.avoid ?? []) for (const x of v) expect(Math.abs(x - a), cs.name).toBeGreaterThanOrEqual(0.05);
      });
      if (cs.distinct) {
        const all = xs.filter((x) => isFloat(x.dtype)).flatMap((x) => Array.from(x.toTypedArray())).sort((a, b) => a - b);
        for (let i = 1; i < all.length; i++) expect(all[i]! - all[i - 1]!, cs.name).toBeGreaterThan(1e-3);
      }
    }
  });
});

describe.each(listBackends())('backend %s', (backend) => {
  useBackend(backend);

  // gapped: row-major with gaps and an offset; transposed: also dims stored in reverse order.
  describe.each<Layout>(['contiguous', 'gapped', 'transposed'])('gradcheck, %s inputs', (layout) => {
    it.each(differentiable.filter((cs) => layout !== 'transposed' || !cs.entry.viewOnly))('$name', (cs) => {
      const { leaves, fn, diff } = setup(cs, layout);
      if (layout !== 'contiguous') for (const x of leaves) if (x.numel > 1) expect(x.isContiguous).toBe(false);
      expect(gradcheck(fn, leaves, cs.gradcheck ?? TOL)).toBe(true);

      // Each gradient has its input's shape and dtype.
      const outs = fn(...leaves);
      const g = new Generator(7);
      const grads = grad(outs, diff, { gradOutputs: outs.map((o) => randn([...o.shape], { dtype: o.dtype, generator: g })), allowUnused: true });
      grads.forEach((gi, i) => {
        expect(gi, `gradient of input ${i}`).not.toBeNull();
        expect(gi!.shape).toEqual(diff[i]!.shape);
        expect(gi!.dtype).toBe(diff[i]!.dtype);
      });
    });
  });

  describe('second order: gradcheck of the gradient (in the inputs and the output gradient)', () => {
    it.each(differentiable.filter((cs) => !cs.gradcheck))('$name', (cs) => {
      const { leaves, fn, diff } = setup(cs, 'contiguous');
      const outs = fn(...leaves);
      const g = new Generator(11);
      const seeds = outs.map((o) => randn([...o.shape], { dtype: 'float64', generator: g, requiresGrad: true }));
      const n = leaves.length;
      // The first derivative as a function of (inputs, output gradients); nulls (no dependence) are dropped.
      const first = (...args: Tensor[]): Tensor[] =>
        enableGrad(() => {
          const xs = args.slice(0, n);
          const gs = args.slice(n);
          const ys = fn(...xs);
          const dx = grad(ys, xs.filter((x) => x.requiresGrad), { gradOutputs: gs, createGraph: true, allowUnused: true });
          return dx.filter((d): d is Tensor => d !== null);
        });
      expect(diff.length).toBeGreaterThan(0);
      expect(gradcheck(first, [...leaves, ...seeds], TOL)).toBe(true);
    });
  });
});
