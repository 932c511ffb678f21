// Shared test helpers: a tolerance check that reports the worst element, and the fixture problems.
import { readFileSync } from 'node:fs';
import { Tensor, matmul, sub, tensor, type DType } from '@tensile/tensor';
import { AdaGrad, Adam, AdamW, RMSProp, SGD } from '../src/index.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** float64 against the notebook / PyTorch in float64; float32 against the same code run in float32. */
export const TOL: Record<'float64' | 'float32', Tolerance> = {
  float64: { rtol: 1e-12, atol: 1e-12 },
  float32: { rtol: 1e-6, atol: 1e-6 },
};

/** Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere; the message names the worst index. */
export function expectAllClose(actual: ArrayLike<number> | Tensor, expected: ArrayLike<number>, { rtol, atol }: Tolerance, label = ''): void {
  const a = actual instanceof Tensor ? actual.toTypedArray() : actual;
  if (a.length !== expected.length) throw new Error(`${label}: ${a.length} values, expected ${expected.length}`);
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - expected[i]!);
    const ratio = err === 0 ? 0 : err / (atol + rtol * Math.abs(expected[i]!));
    if (!(ratio <= worstRatio)) {
      worst = i;
      worstRatio = ratio;
    }
  }
  if (worst >= 0 && !(worstRatio <= 1)) {
    const x = a[worst]!, e = expected[worst]!, err = Math.abs(x - e);
    throw new Error(
      `${label}: index ${worst}: got ${x}, expected ${e} (abs error ${err.toExponential(3)}, rel error ${(err / Math.abs(e)).toExponential(3)}; rtol ${rtol}, atol ${atol})`,
    );
  }
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export interface ProblemFixture {
  names: string[];
  shapes: Record<string, number[]>;
  init: Record<string, number[]>;
  X?: number[];
  Y?: number[];
  xShape?: number[];
  yShape?: number[];
}

export interface TrajectoryCase {
  optimizer: 'SGD' | 'AdaGrad' | 'RMSProp' | 'Adam' | 'AdamW';
  options: Record<string, number | boolean>;
  problem: 'rosenbrock' | 'leastSquares';
  dtype: 'float64' | 'float32';
  clippedUpdates?: number;
  trajectory: Record<string, number[][]>;
}

export interface TrajectoryFixture {
  steps: number;
  problems: Record<string, ProblemFixture>;
  cases: TrajectoryCase[];
}

export const OPTIMIZERS = { SGD, AdaGrad, RMSProp, Adam, AdamW };

/** A problem's parameters (fresh leaves from the fixture's init) and its loss, written with tensor ops. */
export function makeProblem(fixture: ProblemFixture, problem: string, dtype: DType) {
  const params = fixture.names.map((n): [string, Tensor] => [n, tensor(fixture.init[n]!, { dtype, shape: fixture.shapes[n], requiresGrad: true })]);
  const p = Object.fromEntries(params);
  let loss: (q?: Record<string, Tensor>) => Tensor;
  if (problem === 'rosenbrock') {
    // f(x, y) = (1 − x)² + 100 (y − x²)²
    loss = (q = p) => {
      const x = q.xy!.narrow(0, 0, 1), y = q.xy!.narrow(0, 1, 1);
      return sub(1, x).square().add(y.sub(x.square()).square().mul(100)).sum();
    };
  } else {
    // L = Σ (X Wᵀ + b − Y)² / N
    const X = tensor(fixture.X!, { dtype, shape: fixture.xShape });
    const Y = tensor(fixture.Y!, { dtype, shape: fixture.yShape });
    loss = (q = p) => matmul(X, q.weight!.t()).add(q.bias!).sub(Y).square().sum().div(X.shape[0]!);
  }
  return { params, loss };
}

export function caseLabel(c: Pick<TrajectoryCase, 'optimizer' | 'options' | 'problem' | 'dtype'>): string {
  return `${c.optimizer} ${JSON.stringify(c.options)} on ${c.problem} (${c.dtype})`;
}
