// PyTorch parity: outputs, gradients and Hessian-vector products of every registry case against the
// committed fixtures (tools/fixtures/make_tensor_fixtures.py; no Python needed here). float64 must agree
// to 1e-10 relative, float32 to 1e-5; int and bool outputs exactly. PyTorch's int64 indices are int32 here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, add, grad, isFloat, listBackends, mul, sum, zerosLike } from '../src/index.js';
import { CASES, hasGradients, runCase, type RegisteredCase } from './op-cases.js';
import { decode, expectAllClose, fromJson, stridedCopy, tolFor, useBackend, type JsonTensor } from './helpers.js';

interface FixtureCase {
  readonly name: string;
  readonly op: string;
  /** float64, float32 (the dtype of the unfixed float inputs), or fixed (no float input without a dtype in its spec). */
  readonly variant: 'float64' | 'float32' | 'fixed';
  readonly attrs: unknown;
  readonly specs: unknown;
  readonly distinct?: boolean;
  readonly onKink?: boolean;
  readonly inputs: JsonTensor[];
  readonly requiresGrad: boolean[];
  readonly outputs: JsonTensor[];
  readonly gradOutputs?: JsonTensor[];
  readonly grads?: (JsonTensor | null)[];
  readonly hvp?: { readonly v: (JsonTensor | null)[]; readonly grads: (JsonTensor | null)[] };
}

const FAMILIES = ['elementwise', 'reduce', 'matmul', 'movement', 'indexing', 'nn', 'sequence'];
const FIXTURES: FixtureCase[] = FAMILIES.flatMap(
  (family) => (JSON.parse(readFileSync(new URL(`./fixtures/${family}.json`, import.meta.url), 'utf8')) as { cases: FixtureCase[] }).cases,
);
const BY_NAME = new Map<string, RegisteredCase>(CASES.map((cs) => [cs.name, cs]));

function caseOf(fx: FixtureCase): RegisteredCase {
  const cs = BY_NAME.get(fx.name);
  if (!cs) throw new Error(`fixture case "${fx.name}" is not in the registry (test/op-cases.ts)`);
  return cs;
}

/**
 * The fixture's inputs as tensors, float ones requiring grad where PyTorch's did; with `strided`, laid
 * out non-contiguously (dims reversed, gaps, an offset; only gaps for ops that must view their input).
 */
function inputsOf(fx: FixtureCase, cs: RegisteredCase, strided: boolean): Tensor[] {
  return fx.inputs.map((j, i) => {
    const dense = fromJson(j);
    const t = strided ? stridedCopy(dense, cs.entry.viewOnly ? 'gapped' : 'transposed') : dense;
    if (fx.requiresGrad[i]) t.requiresGrad = true;
    return t;
  });
}

/** Σᵢ sum(gᵢ ⊙ vᵢ) over the gradients that depend on the inputs, or null when none does. */
function innerProduct(grads: readonly (Tensor | null)[], vs: readonly Tensor[]): Tensor | null {
  let s: Tensor | null = null;
  grads.forEach((g, i) => {
    if (g === null || !g.requiresGrad) return;
    const term = sum(mul(g, vs[i]!));
    s = s === null ? term : add(s, term);
  });
  return s;
}

describe('fixtures', () => {
  it('cover every registry case, in float64 and float32 (or once when the dtypes are fixed)', () => {
    const variants = new Map<string, string[]>();
    for (const fx of FIXTURES) variants.set(fx.name, [...(variants.get(fx.name) ?? []), fx.variant]);
    for (const cs of CASES) {
      // One record when no float input takes the variant's dtype (all fixed, or none at all).
      const fixedOnly = cs.inputs.every((s) => s.kind !== 'float' || s.dtype !== undefined);
      expect(variants.get(cs.name), `fixture variants of ${cs.name}`).toEqual(fixedOnly ? ['fixed'] : ['float64', 'float32']);
    }
    expect([...variants.keys()].filter((name) => !BY_NAME.has(name)), 'fixture cases missing from the registry').toEqual([]);
  });

  it('agree with the registry on op, attrs and input specs', () => {
    for (const fx of FIXTURES) {
      const cs = caseOf(fx);
      expect({ name: fx.name, op: fx.op, attrs: fx.attrs, specs: fx.specs, distinct: fx.distinct ?? false, onKink: fx.onKink ?? false }).toEqual({
        name: cs.name, op: cs.entry.op, attrs: cs.attrs, specs: cs.inputs, distinct: cs.distinct ?? false, onKink: cs.onKink ?? false,
      });
      expect(fx.inputs.map((j) => j.shape)).toEqual(cs.inputs.map((s) => s.shape));
      expect(fx.grads !== undefined, `${fx.name}: gradients present iff the case has some`).toBe(hasGradients(cs));
      expect(fx.hvp !== undefined, `${fx.name}: Hessian-vector products present iff it has gradients off kinks`).toBe(hasGradients(cs) && !cs.onKink);
    }
  });

  it('include second-order gradients for tanh, mul, matmul, exp and softmax (and every other differentiable case)', () => {
    for (const op of ['tanh', 'mul', 'matmul', 'exp', 'softmax', 'logSoftmax', 'sigmoid', 'gelu', 'conv2d']) {
      const withHvp = FIXTURES.filter((fx) => fx.op === op && fx.hvp && fx.hvp.grads.some((g) => g !== null && g.data.some((v) => Number(v) !== 0)));
      expect(withHvp.length, `${op} has nonzero Hessian-vector products`).toBeGreaterThan(0);
    }
  });
});

describe.each(listBackends())('backend %s: PyTorch parity', (backend) => {
  useBackend(backend);

  describe.each(['contiguous', 'non-contiguous'])('%s inputs', (layout) => {
  it.each(FIXTURES)('$name ($variant)', (fx) => {
    const cs = caseOf(fx);
    const inputs = inputsOf(fx, cs, layout === 'non-contiguous');
    const outs = runCase(cs, inputs);
    expect(outs.length, 'number of outputs').toBe(fx.outputs.length);
    outs.forEach((o, i) => {
      expect(o.dtype, `output ${i} dtype`).toBe(fx.outputs[i]!.dtype);
      expectAllClose(o, decode(fx.outputs[i]!), tolFor(o.dtype), `${fx.name} (${fx.variant}) output ${i}`);
    });
    if (!fx.grads || !fx.gradOutputs) return;

    const floatOuts = outs.filter((o) => isFloat(o.dtype));
    const diff = inputs.filter((t) => t.requiresGrad);
    const slots = inputs.map((t) => (t.requiresGrad ? diff.indexOf(t) : -1));
    const gradOutputs = fx.gradOutputs.map(fromJson);

    // First order, as backward() would compute it (no graph).
    const grads = grad(floatOuts, diff, { gradOutputs, allowUnused: true, retainGraph: true });
    slots.forEach((s, i) => {
      if (s < 0) return;
      const expected = fx.grads![i]!;
      const g = grads[s] ?? zerosLike(diff[s]!);
      expect(g.dtype, `gradient ${i} dtype`).toBe(expected.dtype);
      expectAllClose(g, decode(expected), tolFor(expected.dtype), `${fx.name} (${fx.variant}) gradient of input ${i}`);
    });

    // Second order: the gradient of Σ <gradᵢ, vᵢ> with the first backward recorded (createGraph).
    if (!fx.hvp) return;
    const recorded = grad(floatOuts, diff, { gradOutputs, createGraph: true, allowUnused: true });
    const vs = slots.filter((s) => s >= 0).map((_, k) => fromJson(fx.hvp!.v[slots.indexOf(k)]!));
    const s = innerProduct(recorded, vs);
    const hvp = s === null ? diff.map(() => null) : grad(s, diff, { allowUnused: true });
    slots.forEach((k, i) => {
      if (k < 0) return;
      const expected = fx.hvp!.grads[i]!;
      expectAllClose(hvp[k] ?? zerosLike(diff[k]!), decode(expected), tolFor(expected.dtype), `${fx.name} (${fx.variant}) Hessian-vector product for input ${i}`);
    });
  });
  });
});
