// Contour lines of a function of two variables by marching squares, and a chart of paths drawn over them
// (the optimizers' trajectories on the Rosenbrock function).
import { PALETTE, escapeXml, legendGroup, niceTicks } from './chart.js';

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
  /** Grid cells per axis (default: about one per pixel of the plot area). */
  resolution?: number;
}

/**
 * The segments where f crosses `level` on a grid: in each cell, the corners above and below the level
 * say which edges the line crosses (16 cases), and the crossing points are interpolated linearly.
 * `values` holds f at the (nx + 1) × (ny + 1) grid points, row by row. Coordinates are in grid units.
 */
export function contourSegments(values: Float64Array, nx: number, ny: number, level: number): [number, number, number, number][] {
  const { points, segments } = crossings(values, nx, ny, level);
  return segments.map(([a, b]) => [...points.get(a)!, ...points.get(b)!] as [number, number, number, number]);
}

/** Which edges each of the 16 corner cases joins: 0 bottom, 1 right, 2 top, 3 left. */
const CASES: Record<number, readonly (readonly [number, number])[]> = {
  1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 5: [[3, 2], [0, 1]], 6: [[0, 2]], 7: [[3, 2]],
  8: [[2, 3]], 9: [[2, 0]], 10: [[0, 3], [1, 2]], 11: [[2, 1]], 12: [[1, 3]], 13: [[1, 0]], 14: [[0, 3]],
};

/**
 * Marching squares, keeping track of which grid edge each crossing lies on: an edge is shared by the two
 * cells beside it, so the segments of a level join end to end at their edges into whole lines.
 */
function crossings(values: Float64Array, nx: number, ny: number, level: number) {
  const at = (i: number, j: number) => values[j * (nx + 1) + i]!;
  // Edge ids: horizontal edges (i, j)–(i + 1, j) first, then vertical ones (i, j)–(i, j + 1).
  const hEdge = (i: number, j: number) => j * nx + i;
  const vEdge = (i: number, j: number) => nx * (ny + 1) + j * (nx + 1) + i;
  const points = new Map<number, [number, number]>();
  const segments: [number, number][] = [];
  const cross = (id: number, x: number, y: number, a: number, b: number, horizontal: boolean) => {
    if (!points.has(id)) {
      const t = (level - a) / (b - a);
      points.set(id, horizontal ? [x + t, y] : [x, y + t]);
    }
    return id;
  };
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v0 = at(i, j), v1 = at(i + 1, j), v2 = at(i + 1, j + 1), v3 = at(i, j + 1);
      const code = (v0 > level ? 1 : 0) | (v1 > level ? 2 : 0) | (v2 > level ? 4 : 0) | (v3 > level ? 8 : 0);
      const pairs = CASES[code];
      if (pairs === undefined) continue;
      const edge = (k: number) =>
        k === 0 ? cross(hEdge(i, j), i, j, v0, v1, true)
        : k === 1 ? cross(vEdge(i + 1, j), i + 1, j, v1, v2, false)
        : k === 2 ? cross(hEdge(i, j + 1), i, j + 1, v3, v2, true)
        : cross(vEdge(i, j), i, j, v0, v3, false);
      for (const [a, b] of pairs) segments.push([edge(a), edge(b)]);
    }
  }
  return { points, segments };
}

/** A contour line in grid units; `closed` when it comes back to its start (else it ends on the grid's border). */
export interface ContourLine {
  points: [number, number][];
  closed: boolean;
}

/**
 * The contour lines of `level`: the marching-squares segments joined into whole lines, each either closed
 * or running from border to border. Drawn as one path each, they have no seams; drawn as separate
 * segments, a thin line breaks into dashes where the renderer antialiases each piece on its own.
 */
export function contourLines(values: Float64Array, nx: number, ny: number, level: number): ContourLine[] {
  const { points, segments } = crossings(values, nx, ny, level);
  const byEdge = new Map<number, number[]>();
  segments.forEach(([a, b], k) => {
    for (const e of [a, b]) {
      const list = byEdge.get(e);
      if (list) list.push(k);
      else byEdge.set(e, [k]);
    }
  });
  const used = new Uint8Array(segments.length);
  const lines: ContourLine[] = [];
  // Walks from edge `from` along unused segments; each step uses one segment, so it ends.
  const walk = (from: number): number[] => {
    const path = [from];
    let edge = from;
    for (;;) {
      const k = byEdge.get(edge)!.find((s) => !used[s]);
      if (k === undefined) return path;
      used[k] = 1;
      const [a, b] = segments[k]!;
      edge = a === edge ? b : a;
      path.push(edge);
    }
  };
  // Lines that end on the border first (their ends touch one segment), then the closed ones.
  const ends = [...byEdge].filter(([, list]) => list.length === 1).map(([e]) => e);
  for (const start of [...ends, ...segments.map(([a]) => a)]) {
    if (byEdge.get(start)!.every((s) => used[s])) continue;
    const path = walk(start);
    const closed = path.length > 2 && path[0] === path[path.length - 1];
    lines.push({ points: (closed ? path.slice(0, -1) : path).map((e) => points.get(e)!), closed });
  }
  return lines;
}

/** Closed contour lines smaller than this many pixels across are not drawn. */
const MIN_LOOP_PX = 3;

/**
 * Contour lines of `f` with paths over them, as a `<g>` in the box (left, top, width, height). f is
 * sampled on a grid of about one cell per pixel (or `o.resolution` cells per axis); a closed line less
 * than three pixels across is left out: it is an island of a band thinner than the grid (the tip of the
 * Rosenbrock valley's innermost level), which would show as a trail of dashes, not a shape.
 */
export function contourGroup(o: ContourOptions, left: number, top: number, width: number, height: number): string {
  const m = { l: 56, r: 16, t: 30, b: 44 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const nx = o.resolution ?? Math.max(8, Math.round(pw));
  const ny = o.resolution ?? Math.max(8, Math.round(ph));
  const [x0, x1] = o.x;
  const [y0, y1] = o.y;
  const values = new Float64Array((nx + 1) * (ny + 1));
  for (let j = 0; j <= ny; j++) for (let i = 0; i <= nx; i++) values[j * (nx + 1) + i] = o.f(x0 + ((x1 - x0) * i) / nx, y0 + ((y1 - y0) * j) / ny);
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const gx = (i: number) => m.l + (i / nx) * pw;
  const gy = (j: number) => m.t + ph - (j / ny) * ph;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [`<text x="${f(m.l + pw / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(o.title)}</text>`];
  parts.push(`<clipPath id="cclip-${left}-${top}"><rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}"/></clipPath>`);
  const inner: string[] = [];
  o.levels.forEach((level, k) => {
    const lines = contourLines(values, nx, ny, level).filter((line) => !line.closed || span(line, nx, ny, pw, ph) >= MIN_LOOP_PX);
    if (lines.length === 0) return;
    const d = lines.map((line) => line.points.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${f(gx(a))} ${f(gy(b))}`).join('') + (line.closed ? 'Z' : '')).join('');
    const shade = Math.round(120 + (110 * k) / Math.max(1, o.levels.length - 1));
    inner.push(`<path d="${d}" fill="none" stroke="rgb(${shade},${shade},${shade})" stroke-width="0.8" stroke-linejoin="round"/>`);
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
  if (o.paths.length > 0) {
    const entries = o.paths.map((p, k) => ({ name: p.name, color: p.color ?? PALETTE[k % PALETTE.length]! }));
    parts.push(legendGroup(entries, { l: m.l, t: m.t, w: pw, h: ph }, 'bottom-right'));
  }
  return `<g transform="translate(${left} ${top})">\n${parts.join('\n')}\n</g>\n`;
}

/** The larger side, in pixels, of a line's bounding box. */
function span(line: ContourLine, nx: number, ny: number, pw: number, ph: number): number {
  let [xl, xh, yl, yh] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of line.points) {
    xl = Math.min(xl, x);
    xh = Math.max(xh, x);
    yl = Math.min(yl, y);
    yh = Math.max(yh, y);
  }
  return Math.max(((xh - xl) * pw) / nx, ((yh - yl) * ph) / ny);
}
