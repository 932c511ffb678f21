// The example's MLP crosses to PyTorch and back with no renaming, in float64 at 1e-10. The PyTorch twin
// (`MLP` in tools/fixtures/make_interop_fixtures.py, same field names) wrote torch-mlp.safetensors; this
// suite writes tensile-mlp.safetensors (UPDATE_TENSILE_FIXTURES=1), which the script loaded with
// load_state_dict(strict=True), recording its verdict and eval output in tensile-check.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '@tensile/nn';
import { Generator, tensor, type Tensor } from '@tensile/tensor';
import { MLP } from '../src/model.js';

interface Fx { dtype: string; shape: number[]; data: number[] }
const path = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const json = (name: string) => JSON.parse(readFileSync(path(name), 'utf8')) as Record<string, Record<string, unknown>>;
const fromFx = (t: Fx): Tensor => tensor(new Float64Array(t.data), { shape: t.shape });
function maxError(a: Tensor, t: Fx): number {
  expect(a.shape).toEqual(t.shape);
  const v = a.toTypedArray();
  return t.data.reduce((m, e, i) => Math.max(m, Math.abs(Number(v[i]) - e) / Math.max(1, Math.abs(e))), 0);
}
/** The fixture script's digest(): Σv, Σ|v|, Σ v·((i mod 7) − 3) over the row-major values. */
function digest(t: Tensor): number[] {
  const v = Array.from(t.toTypedArray() as ArrayLike<number>, Number);
  return [v.reduce((s, x) => s + x, 0), v.reduce((s, x) => s + Math.abs(x), 0), v.reduce((s, x, i) => s + x * ((i % 7) - 3), 0)];
}
/** Digests agree up to summation order: each sum within 1e-12 of the values' total magnitude. */
function expectSameDigest(t: Tensor, want: number[], label: string): void {
  const got = digest(t);
  const scale = Math.max(1, got[1]!);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${label} digest ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-12 * scale));
}
const build = (generator?: Generator) => new MLP({ dropout: 0.2, dtype: 'float64', generator });

describe('the MNIST MLP and PyTorch', () => {
  it('loads PyTorch’s state dict with strict checking and no renaming, and gives PyTorch’s eval output', () => {
    const rec = json('torch.json').mlp as { keys: string[]; inputs: Fx[]; output: Fx };
    const { tensors } = loadSafetensors(readFileSync(path('torch-mlp.safetensors')));
    const model = build();
    expect([...model.stateDict().keys()]).toEqual(rec.keys);
    expect(model.loadStateDict(tensors, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [], renamedKeys: [] });
    expect(maxError(model.eval().forward(fromFx(rec.inputs[0]!)), rec.output)).toBeLessThan(1e-10);
  });

  it('writes a file PyTorch loads with load_state_dict(strict=True), giving the same eval output', () => {
    const model = build(new Generator(31)).eval();
    const bytes = saveSafetensors(model.stateDict());
    if (process.env.UPDATE_TENSILE_FIXTURES === '1') writeFileSync(path('tensile-mlp.safetensors'), bytes);
    expect(Buffer.from(bytes).equals(readFileSync(path('tensile-mlp.safetensors')))).toBe(true);
    const check = json('tensile-check.json').mlp as { loaded: boolean; missing: string[]; unexpected: string[]; state: Record<string, number[]>; inputs: Fx[]; output: Fx };
    expect([check.loaded, check.missing, check.unexpected]).toEqual([true, [], []]);
    for (const [k, t] of model.stateDict()) expectSameDigest(t, check.state[k]!, k);
    expect(maxError(model.forward(fromFx(check.inputs[0]!)), check.output)).toBeLessThan(1e-10);
  });
});
