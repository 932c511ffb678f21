// Contour lines of a function of two variables by marching squares, and a chart of paths drawn over them
// (the optimizers' trajectories on the Rosenbrock function).
import { PALETTE, escapeXml, niceTicks } from './chart.js';

/** A 2-d path, e.g. an optimizer's iterates. */
export interface Path2d {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
}

/** What `contourGroup` draws. */
export interface ContourOptions {
  title: string;
  f: (x: number, y: number) => number;
  x: readonly [number, number];
  y: readonly [number, number];
  levels: readonly number[];
  paths: readonly Path2d[];
  /** A point to mark (the minimum). */
  marker?: readonly [number, number];
  /** Grid cells per axis (default 160). */
  resolution?: number;
}

/**
 * The segments where f crosses `level` on a grid: in each cell, the corners above and below the level
 * say which edges the line crosses (16 cases), and the crossing points are interpolated linearly.
 */
export function contourSegments(values: Float64Array, nx: number, ny: number, level: number): [number, number, number, number][] {
  const at = (i: number, j: number) => values[j * (nx + 1) + i]!;
  const segs: [number, number, number, number][] = [];
  const lerp = (a: number, b: number) => (level - a) / (b - a);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)] as const;
      const code = (v[0] > level ? 1 : 0) | (v[1] > level ? 2 : 0) | (v[2] > level ? 4 : 0) | (v[3] > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      // Crossing points on the four edges, in grid units: bottom, right, top, left.
      const e = [
        [i + lerp(v[0], v[1]), j],
        [i + 1, j + lerp(v[1], v[2])],
        [i + lerp(v[3], v[2]), j + 1],
        [i, j + lerp(v[0], v[3])],
      ] as const;
      const pairs: [number, number][] = (
        {
          1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 5: [[3, 2], [0, 1]], 6: [[0, 2]], 7: [[3, 2]],
          8: [[2, 3]], 9: [[2, 0]], 10: [[0, 3], [1, 2]], 11: [[2, 1]], 12: [[1, 3]], 13: [[1, 0]], 14: [[0, 3]],
        } as Record<number, [number, number][]>
      )[code]!;
      for (const [a, b] of pairs) segs.push([e[a]![0], e[a]![1], e[b]![0], e[b]![1]]);
    }
  }
  return segs;
}

/** Contour lines of `f` with paths over them, as a `<g>` in the box (left, top, width, height). */
export function contourGroup(o: ContourOptions, left: number, top: number, width: number, height: number): string {
  const m = { l: 56, r: 16, t: 30, b: 44 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const n = o.resolution ?? 160;
  const [x0, x1] = o.x;
  const [y0, y1] = o.y;
  const values = new Float64Array((n + 1) * (n + 1));
  for (let j = 0; j <= n; j++) for (let i = 0; i <= n; i++) values[j * (n + 1) + i] = o.f(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * j) / n);
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const gx = (i: number) => m.l + (i / n) * pw;
  const gy = (j: number) => m.t + ph - (j / n) * ph;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [`<text x="${f(m.l + pw / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(o.title)}</text>`];
  parts.push(`<clipPath id="cclip-${left}-${top}"><rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}"/></clipPath>`);
  const inner: string[] = [];
  o.levels.forEach((level, k) => {
    const segs = contourSegments(values, n, n, level);
    if (segs.length === 0) return;
    const d = segs.map(([a, b, c, e]) => `M${f(gx(a))} ${f(gy(b))}L${f(gx(c))} ${f(gy(e))}`).join('');
    const shade = Math.round(120 + (110 * k) / Math.max(1, o.levels.length - 1));
    inner.push(`<path d="${d}" fill="none" stroke="rgb(${shade},${shade},${shade})" stroke-width="0.8"/>`);
  });
  o.paths.forEach((p, i) => {
    const color = p.color ?? PALETTE[i % PALETTE.length]!;
    const pts = p.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${f(sx(x))} ${f(sy(y))}`).join('');
    inner.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8" stroke-linejoin="round"/>`);
    const [ex, ey] = pts[pts.length - 1]!;
    inner.push(`<circle cx="${f(sx(ex))}" cy="${f(sy(ey))}" r="3.5" fill="${color}"/>`);
  });
  if (o.paths[0]?.points[0]) {
    const [sx0, sy0] = o.paths[0].points[0];
    inner.push(`<circle cx="${f(sx(sx0))}" cy="${f(sy(sy0))}" r="4" fill="white" stroke="black" stroke-width="1.5"/>`);
  }
  if (o.marker) inner.push(`<path d="M${f(sx(o.marker[0]) - 6)} ${f(sy(o.marker[1]))}h12M${f(sx(o.marker[0]))} ${f(sy(o.marker[1]) - 6)}v12" stroke="black" stroke-width="2"/>`);
  parts.push(`<g clip-path="url(#cclip-${left}-${top})">${inner.join('\n')}</g>`);
  for (const v of niceTicks(x0, x1)) parts.push(`<text x="${f(sx(v))}" y="${m.t + ph + 16}" text-anchor="middle" fill="#444">${Number(v.toPrecision(6))}</text>`);
  for (const v of niceTicks(y0, y1)) parts.push(`<text x="${m.l - 6}" y="${f(sy(v) + 4)}" text-anchor="end" fill="#444">${Number(v.toPrecision(6))}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${f(m.l + pw / 2)}" y="${height - 8}" text-anchor="middle">x</text>`);
  parts.push(`<text x="16" y="${f(m.t + ph / 2)}" text-anchor="middle">y</text>`);
  const w = Math.max(...o.paths.map((p) => p.name.length), 4) * 7 + 36;
  const lx = m.l + pw - w - 8;
  parts.push(`<rect x="${lx}" y="${m.t + ph - o.paths.length * 17 - 16}" width="${w}" height="${o.paths.length * 17 + 8}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  o.paths.forEach((p, k) => {
    const y = m.t + ph - o.paths.length * 17 - 2 + 17 * k;
    parts.push(`<line x1="${lx + 8}" x2="${lx + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${p.color ?? PALETTE[k % PALETTE.length]}" stroke-width="2.5"/>`);
    parts.push(`<text x="${lx + 31}" y="${y}">${escapeXml(p.name)}</text>`);
  });
  return `<g transform="translate(${left} ${top})">\n${parts.join('\n')}\n</g>\n`;
}
