// W5: square float32 matmul at 128, 512 and 1024 in the three forms a training step needs: A·B (forward),
// Aᵀ·B (weight gradient) and A·Bᵀ (input gradient). GFLOP/s = 2n³ / time.
// --quick skips 1024 (seconds per call on the plain-JS columns) unless --only names it, e.g. --only W5-1024-AtB.
// Tensile takes the transposed operand as a view (a.t()), no copy; tfjs passes transposeA/transposeB to matMul.
import { manualSeed, matmul, randn } from '@tensile/tensor';
import { tf } from './peers/tfjs.js';
import type { Case, Variant, Workload } from './workload.js';

export const SIZES = [128, 512, 1024] as const;
export const FORMS = [
  { key: 'AB', label: 'A·B', ta: false, tb: false },
  { key: 'AtB', label: 'Aᵀ·B', ta: true, tb: false },
  { key: 'ABt', label: 'A·Bᵀ', ta: false, tb: true },
] as const;

const variants: Variant[] = SIZES.flatMap((n) =>
  FORMS.map((f) => ({ id: `W5-${n}-${f.key}`, workload: 'W5', label: `matmul ${n} ${f.label}`, unit: 'GFLOP/s', heavy: n >= 1024 })),
);

function parse(id: string): { n: number; ta: boolean; tb: boolean } {
  const [, n, key] = id.split('-');
  const form = FORMS.find((f) => f.key === key)!;
  return { n: Number(n), ta: form.ta, tb: form.tb };
}

const workload: Workload = {
  id: 'W5',
  title: 'matmul, square float32',
  variants,
  build(fw, v): Case {
    const { n, ta, tb } = parse(v.id);
    const gflop = (2 * n * n * n) / 1e9;
    if (fw.kind === 'tensile') {
      manualSeed(0);
      const a = randn([n, n]);
      const b = randn([n, n]);
      const lhs = ta ? a.t() : a;
      const rhs = tb ? b.t() : b;
      return { fn: () => void matmul(lhs, rhs), unitsPerCall: gflop };
    }
    const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
    const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    return {
      fn: () => tf.matMul(a, b, ta, tb).dispose(),
      unitsPerCall: gflop,
      dispose: () => tf.dispose([a, b]),
    };
  },
};

export default workload;
