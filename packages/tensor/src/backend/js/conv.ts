import type { AvgPool2dGeometry, Conv2dGeometry, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';

export function im2col(x: View, g: Conv2dGeometry, out: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const [sn, sc, sy, sx] = x.strides as [number, number, number, number];
  const X = x.storage;
  const L = oh * ow;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x.offset + b * sn + ch * sc;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++, o += L) {
          let p = o;
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - ph + ky * dh;
            if (iy < 0 || iy >= h) {
              out.fill(0, p, p + ow);
              p += ow;
              continue;
            }
            const row = base + iy * sy;
            for (let ox = 0; ox < ow; ox++, p++) {
              const ix = ox * sw - pw + kx * dw;
              out[p] = ix >= 0 && ix < w ? X[row + ix * sx]! : 0;
            }
          }
        }
      }
    }
  }
}

export function col2im(cols: TypedArray, g: Conv2dGeometry, out: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const L = oh * ow;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * h * w;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++, o += L) {
          let p = o;
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - ph + ky * dh;
            if (iy < 0 || iy >= h) {
              p += ow;
              continue;
            }
            const row = base + iy * w;
            for (let ox = 0; ox < ow; ox++, p++) {
              const ix = ox * sw - pw + kx * dw;
              if (ix >= 0 && ix < w) out[row + ix] = out[row + ix]! + cols[p]!;
            }
          }
        }
      }
    }
  }
}

export function maxPool2d(x: View, g: Conv2dGeometry, out: TypedArray, indices: Int32Array): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const [sn, sc, sy, sx] = x.strides as [number, number, number, number];
  const X = x.storage;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x.offset + b * sn + ch * sc;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          let best = -Infinity;
          let bestIdx = -1;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const v = X[base + iy * sy + ix * sx]!;
              // NaN wins and sticks, as in PyTorch.
              if (bestIdx < 0 || v > best || (v !== v && best === best)) {
                best = v;
                bestIdx = iy * w + ix;
              }
            }
          }
          out[o] = best;
          indices[o] = bestIdx;
        }
      }
    }
  }
}

/**
 * PyTorch's average-pooling divisor for a window of paddedH × paddedW elements of the padded input, of which
 * insideH × insideW lie in the input itself.
 */
function divisorOf(g: AvgPool2dGeometry, paddedH: number, paddedW: number, insideH: number, insideW: number): number {
  return g.divisorOverride !== 0 ? g.divisorOverride : g.countIncludePad ? paddedH * paddedW : insideH * insideW;
}

export function avgPool2d(x: View, g: AvgPool2dGeometry, out: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const [sn, sc, sy, sx] = x.strides as [number, number, number, number];
  const X = x.storage;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x.offset + b * sn + ch * sc;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          const y0 = oy * sh - ph, x0 = ox * sw - pw;
          // The window clipped to the padded input, then to the input.
          const y1 = Math.min(y0 + kh, h + ph), x1 = Math.min(x0 + kw, w + pw);
          const ya = Math.max(y0, 0), xa = Math.max(x0, 0), yb = Math.min(y1, h), xb = Math.min(x1, w);
          let s = 0;
          for (let iy = ya; iy < yb; iy++) for (let ix = xa; ix < xb; ix++) s += X[base + iy * sy + ix * sx]!;
          out[o] = ya < yb && xa < xb ? s / divisorOf(g, y1 - y0, x1 - x0, yb - ya, xb - xa) : 0;
        }
      }
    }
  }
}

export function avgPool2dBackward(grad: View, g: AvgPool2dGeometry, out: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const [sn, sc, sy, sx] = grad.strides as [number, number, number, number];
  const G = grad.storage;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = grad.offset + b * sn + ch * sc;
      const plane = (b * c + ch) * h * w;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const y0 = oy * sh - ph, x0 = ox * sw - pw;
          const y1 = Math.min(y0 + kh, h + ph), x1 = Math.min(x0 + kw, w + pw);
          const ya = Math.max(y0, 0), xa = Math.max(x0, 0), yb = Math.min(y1, h), xb = Math.min(x1, w);
          const v = G[base + oy * sy + ox * sx]! / divisorOf(g, y1 - y0, x1 - x0, yb - ya, xb - xa);
          for (let iy = ya; iy < yb; iy++) {
            for (let ix = xa; ix < xb; ix++) out[plane + iy * w + ix] = out[plane + iy * w + ix]! + v;
          }
        }
      }
    }
  }
}
