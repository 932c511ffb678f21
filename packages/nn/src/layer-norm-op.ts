// Layer normalisation's core, (x − mean)/√(var + eps) over rows of the last `n` elements, as one op with its
// backward written out: composed of mean, var, sub, add, rsqrt and mul it recorded six ops forward and about
// fifteen backward per call, each allocating a tensor of the input's size. Statistics accumulate in float64.
// When a graph is being built (double backward), backward recomputes the normalisation from x with tensor ops
// and differentiates that, so higher-order gradients stay exact.
import { defineBuiltinOp, isGradEnabled, zeros, type Tensor, type TypedArray } from '@tensile/tensor';

interface Attrs {
  /** Elements per row (the normalised shape's size). */
  n: number;
  eps: number;
}

/** A tensor's elements as a contiguous typed array (a subarray when it is contiguous already, else a copy). */
function flatData(t: Tensor): TypedArray {
  const c = t.contiguous();
  return c.data.subarray(c.offset, c.offset + c.numel);
}

const normalizeOp = defineBuiltinOp<[Tensor], Attrs>({
  name: 'layerNorm',
  forward: (ctx, [x]) => {
    const { n, eps } = ctx.attrs;
    const src = flatData(x);
    const out = zeros(x.shape, { dtype: x.dtype });
    const y = out.data;
    const rows = n === 0 ? 0 : src.length / n;
    const rstdT = zeros([rows], { dtype: 'float64' });
    const rstd = rstdT.data;
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      let s = 0;
      for (let j = 0; j < n; j++) s += src[o + j]!;
      const mean = s / n;
      let v = 0;
      for (let j = 0; j < n; j++) {
        const d = src[o + j]! - mean;
        v += d * d;
      }
      const k = 1 / Math.sqrt(v / n + eps);
      rstd[r] = k;
      for (let j = 0; j < n; j++) y[o + j] = (src[o + j]! - mean) * k;
    }
    ctx.save(x, out, rstdT);
    return out;
  },
  backward: (ctx, g) => {
    const [x, xhat, rstdT] = ctx.saved as [Tensor, Tensor, Tensor];
    const { n, eps } = ctx.attrs;
    if (isGradEnabled()) {
      // dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), with x̂ and rstd recomputed from x by ops.
      const rows = x.reshape([-1, n]);
      const mean = rows.mean(1, true);
      const xc = rows.sub(mean);
      const k = xc.mul(xc).mean(1, true).add(eps).rsqrt();
      const xh = xc.mul(k);
      const gr = g.reshape([-1, n]);
      return [gr.sub(gr.mean(1, true)).sub(xh.mul(gr.mul(xh).mean(1, true))).mul(k).reshape(x.shape)];
    }
    const rstd = rstdT.data;
    const gd = flatData(g);
    const xh = flatData(xhat);
    const dx = zeros(x.shape, { dtype: x.dtype });
    const d = dx.data;
    for (let r = 0, o = 0; r < rstd.length; r++, o += n) {
      let sg = 0;
      let sgx = 0;
      for (let j = 0; j < n; j++) {
        const gj = gd[o + j]!;
        sg += gj;
        sgx += gj * xh[o + j]!;
      }
      const mg = sg / n;
      const mgx = sgx / n;
      const k = rstd[r]!;
      for (let j = 0; j < n; j++) d[o + j] = (gd[o + j]! - mg - xh[o + j]! * mgx) * k;
    }
    return [dx];
  },
});

/**
 * (x − mean)/√(var + eps) over the last `n` elements of each row of `x` (population variance), the part of
 * layer normalisation before the elementwise affine. Arguments are checked by the caller. @internal
 */
export function normalizeRows(x: Tensor, n: number, eps: number): Tensor {
  return normalizeOp([x], { n, eps });
}
