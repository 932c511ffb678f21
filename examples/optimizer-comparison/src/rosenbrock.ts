// The Rosenbrock function, f(x, y) = (1 − x)² + 100·(y − x²)²: a curved valley whose floor falls gently to
// the minimum at (1, 1). Finding the valley is easy; following it is what tells optimizers apart.
import { Parameter } from '@tensile/nn';
import { tensor, type Tensor } from '@tensile/tensor';
import { makeOptimizer, type OptimizerName } from '@tensile/examples-common';

/** f(x, y) in plain numbers, for contour lines. */
export function rosenbrock(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

/** f of a parameter `[x, y]`, as tensor ops so that backward() gives the gradient. */
export function rosenbrockLoss(p: Tensor): Tensor {
  const x = p.narrow(0, 0, 1);
  const y = p.narrow(0, 1, 1);
  return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)).sum();
}

/**
 * The region and contour levels of the Rosenbrock plot: the valley from the start (−1.2, 1) to the
 * minimum, levels a factor of 4 apart from 0.25 (a thin closed loop around the minimum) up.
 */
export const ROSENBROCK_VIEW = {
  f: rosenbrock,
  x: [-2, 2] as const,
  y: [-1, 3] as const,
  levels: [0.25, 1, 4, 16, 64, 256, 1024],
  marker: [1, 1] as const,
};

/** A learning rate per optimizer that neither diverges nor stalls on Rosenbrock from (−1.2, 1). */
export const ROSENBROCK_LR: Record<OptimizerName, number> = {
  sgd: 1e-3, momentum: 5e-4, adagrad: 0.5, rmsprop: 0.01, adam: 0.05, adamw: 0.05,
};

/** Where an optimizer went: its iterates and f at each. */
export interface RosenbrockPath {
  points: [number, number][];
  values: number[];
}

/**
 * Minimises Rosenbrock with the named optimizer from `start` for `steps` steps (float64), recording each
 * iterate. The optimizer sees one parameter named "xy".
 * @example rosenbrockPath('adam', 2000).points.at(-1) // ≈ [1, 1]
 */
export function rosenbrockPath(name: OptimizerName, steps: number, opts: { lr?: number; start?: readonly [number, number] } = {}): RosenbrockPath {
  const { lr = ROSENBROCK_LR[name], start = [-1.2, 1] } = opts;
  const p = new Parameter(tensor([...start], { dtype: 'float64' }));
  const optimizer = makeOptimizer(name, { namedParameters: () => [['xy', p]] }, { lr });
  const points: [number, number][] = [[start[0], start[1]]];
  const values = [rosenbrock(start[0], start[1])];
  for (let i = 0; i < steps; i++) {
    optimizer.zeroGrad();
    rosenbrockLoss(p).backward();
    optimizer.step();
    const [x, y] = p.toTypedArray();
    points.push([x!, y!]);
    values.push(rosenbrock(x!, y!));
  }
  return { points, values };
}
