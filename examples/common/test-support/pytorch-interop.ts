// The MNIST examples' PyTorch round trip, one suite for both models: the example's model crosses to
// PyTorch and back with no renaming, in float64 at 1e-10. Its PyTorch twin (same class name and field
// names in tools/fixtures/make_interop_fixtures.py) wrote `torch-<key>.safetensors`; the suite writes
// `tensile-<key>.safetensors` (UPDATE_TENSILE_FIXTURES=1), which the script loaded with
// load_state_dict(strict=True), recording its verdict and eval output in tensile-check.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors, type Module } from '@tensile/nn';
import { Generator, tensor, type Tensor } from '@tensile/tensor';

interface Fx { dtype: string; shape: number[]; data: number[] }

export interface InteropSuite {
  /** The `describe` title. */
  title: string;
  /** The model's key in the fixtures (`mlp`, `cnn`) and in their file names. */
  key: string;
  /** The example's test/fixtures folder (a URL ending in `/`). */
  fixtures: URL;
  /** The model in float64, as the fixture script's twin is built. */
  build: (generator?: Generator) => Module<[Tensor], Tensor>;
  /** Brings the model written to PyTorch into the state the script checked (e.g. batch norm's statistics). */
  beforeSaving?: (model: Module<[Tensor], Tensor>, generator: Generator) => void;
}

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

export function pytorchInteropSuite({ title, key, fixtures, build, beforeSaving }: InteropSuite): void {
  const path = (name: string) => fileURLToPath(new URL(name, fixtures));
  const json = (name: string) => JSON.parse(readFileSync(path(name), 'utf8')) as Record<string, Record<string, unknown>>;

  describe(title, () => {
    it('loads PyTorch’s state dict with strict checking and no renaming, and gives PyTorch’s eval output', () => {
      const rec = json('torch.json')[key] as { keys: string[]; inputs: Fx[]; output: Fx };
      const { tensors } = loadSafetensors(readFileSync(path(`torch-${key}.safetensors`)));
      const model = build();
      expect([...model.stateDict().keys()]).toEqual(rec.keys);
      expect(model.loadStateDict(tensors, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [], renamedKeys: [] });
      expect(maxError(model.eval().forward(fromFx(rec.inputs[0]!)), rec.output)).toBeLessThan(1e-10);
    });

    it('writes a file PyTorch loads with load_state_dict(strict=True), giving the same eval output', () => {
      const g = new Generator(31);
      const model = build(g);
      beforeSaving?.(model, g);
      model.eval();
      const bytes = saveSafetensors(model.stateDict());
      const file = `tensile-${key}.safetensors`;
      if (process.env.UPDATE_TENSILE_FIXTURES === '1') writeFileSync(path(file), bytes);
      expect(Buffer.from(bytes).equals(readFileSync(path(file)))).toBe(true);
      const check = json('tensile-check.json')[key] as { loaded: boolean; missing: string[]; unexpected: string[]; state: Record<string, number[]>; inputs: Fx[]; output: Fx };
      expect([check.loaded, check.missing, check.unexpected]).toEqual([true, [], []]);
      for (const [k, t] of model.stateDict()) expectSameDigest(t, check.state[k]!, k);
      expect(maxError(model.forward(fromFx(check.inputs[0]!)), check.output)).toBeLessThan(1e-10);
    });
  });
}
