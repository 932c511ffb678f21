// The fused LSTM pointwise kernels against the same math written with tensor ops (float64).
import { describe, expect, test } from 'vitest';
import { Generator, cat, randn, zeros, type Tensor } from '../../index.js';
import { lstmCell, lstmCellBackward } from './lstm.js';

const close = (a: Tensor, b: Tensor): void => {
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!), `element ${i}`).toBeLessThan(1e-14);
};

describe('lstmCell kernels', () => {
  test('forward (with a bias) and adjoint match the composed formulas', () => {
    const g = new Generator(2);
    const [n, h] = [3, 5];
    const f64 = (shape: number[]) => randn(shape, { dtype: 'float64', generator: g }).mul(3);
    const [xg, hg, bias, c, dh, dc] = [f64([n, 4 * h]), f64([n, 4 * h]), f64([4 * h]), f64([n, h]), f64([n, h]), f64([n, h])];
    const z = (cols: number) => zeros([n, cols], { dtype: 'float64' });
    const [acts, c2, tc, hOut, dGates, dcPrev] = [z(4 * h), z(h), z(h), z(h), z(4 * h), z(h)];
    lstmCell(xg.data, hg.data, bias.data, c.data, h, acts.data, c2.data, tc.data, hOut.data);
    lstmCellBackward(acts.data, c.data, tc.data, dh.data, dc.data, h, dGates.data, dcPrev.data);

    const gates = xg.add(hg).add(bias);
    const part = (k: number) => gates.narrow(1, k * h, h);
    const [i, f, gg, o] = [part(0).sigmoid(), part(1).sigmoid(), part(2).tanh(), part(3).sigmoid()];
    close(acts, cat([i, f, gg, o], 1));
    const cNew = f.mul(c).add(i.mul(gg));
    close(c2, cNew);
    close(tc, cNew.tanh());
    close(hOut, o.mul(cNew.tanh()));
    // ∂c' = dc + dh·o·(1 − tanh²c'); ∂i = ∂c'·g·σ', ∂f = ∂c'·c·σ', ∂g = ∂c'·i·(1 − g²), ∂o = dh·tanh c'·σ'; ∂c = ∂c'·f
    const dcc = dc.add(dh.mul(o).mul(cNew.tanh().square().neg().add(1)));
    const sig = (y: Tensor) => y.mul(y.neg().add(1));
    close(dGates, cat([dcc.mul(gg).mul(sig(i)), dcc.mul(c).mul(sig(f)), dcc.mul(i).mul(gg.square().neg().add(1)), dh.mul(cNew.tanh()).mul(sig(o))], 1));
    close(dcPrev, dcc.mul(f));

    // Without a bias, the pre-activations are xg + hg alone.
    const noBias = z(h);
    lstmCell(xg.add(bias).data, hg.data, null, c.data, h, z(4 * h).data, z(h).data, z(h).data, noBias.data);
    close(noBias, hOut);
  });
});
