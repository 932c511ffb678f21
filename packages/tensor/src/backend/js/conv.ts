import type { Conv2dGeometry, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';

export function im2col(x: View, g: Conv2dGeometry, out: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const [sn, sc, sy, sx] = x.strides as [number, number, number, number];
  const X = x.data;
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
  const X = x.data;
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

export function avgPool2d(x: View, g: Conv2dGeometry, out: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const [sn, sc, sy, sx] = x.strides as [number, number, number, number];
  const X = x.data;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x.offset + b * sn + ch * sc;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          const y0 = oy * sh - ph, x0 = ox * sw - pw;
          // PyTorch's divisor counts padding but not the part of the window past the padded edge.
          const y1 = Math.min(y0 + kh, h + ph), x1 = Math.min(x0 + kw, w + pw);
          const count = (y1 - y0) * (x1 - x0);
          let s = 0;
          for (let iy = Math.max(y0, 0); iy < Math.min(y1, h); iy++) {
            for (let ix = Math.max(x0, 0); ix < Math.min(x1, w); ix++) s += X[base + iy * sy + ix * sx]!;
          }
          out[o] = s / count;
        }
      }
    }
  }
}

export function avgPool2dBackward(grad: View, g: Conv2dGeometry, out: TypedArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const [sn, sc, sy, sx] = grad.strides as [number, number, number, number];
  const G = grad.data;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = grad.offset + b * sn + ch * sc;
      const plane = (b * c + ch) * h * w;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const y0 = oy * sh - ph, x0 = ox * sw - pw;
          const y1 = Math.min(y0 + kh, h + ph), x1 = Math.min(x0 + kw, w + pw);
          const v = G[base + oy * sy + ox * sx]! / ((y1 - y0) * (x1 - x0));
          for (let iy = Math.max(y0, 0); iy < Math.min(y1, h); iy++) {
            for (let ix = Math.max(x0, 0); ix < Math.min(x1, w); ix++) out[plane + iy * w + ix] = out[plane + iy * w + ix]! + v;
          }
        }
      }
    }
  }
}
