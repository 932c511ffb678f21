// A small line-chart renderer: axes with round ticks (linear or log), series as polylines, a legend.
// Enough for training curves; the output is a standalone SVG a browser opens. Any input draws in bounded
// time: empty series, a single point, equal values, non-positive values on a log axis, NaN and ±Infinity.
import { textWidth } from './text.js';

/** One line on a chart. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  dashed?: boolean;
  /** Draw a dot at each point (for per-epoch values). */
  markers?: boolean;
  width?: number;
  opacity?: number;
  /** Leave it out of the legend. */
  hideInLegend?: boolean;
}

/** A chart's axes and series. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  logY?: boolean;
  /** Axis ranges; by default they fit the data. */
  x?: readonly [number, number];
  y?: readonly [number, number];
  /** Format of the y tick labels (default: round numbers; `percent` for accuracies in [0, 1]). */
  yFormat?: 'number' | 'percent';
  /** Where the legend goes; `right` puts it beside the plot, for charts with many crossing lines. */
  legend?: 'top-right' | 'bottom-right' | 'right' | 'none';
}

/** Colors that stay distinct for up to ten series (Tableau 10). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Text made safe inside SVG elements and attributes. */
export const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An SVG document of the given size around `body`. */
export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">\n` +
    `<rect width="${width}" height="${height}" fill="white"/>\n${body}</svg>\n`
  );
}

/** At most this many ticks on an axis, whatever its range: every tick loop below is bounded by it. */
const MAX_TICKS = 60;

/**
 * Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. Degenerate input (an empty,
 * reversed or non-finite range) gives `[lo]` if lo is finite, else `[]`.
 */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / Math.max(1, target);
  if (!Number.isFinite(raw) || raw <= 0) return [lo, hi];
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The tolerance keeps 0.06 / 6 = 0.010000000000000009 on a step of 0.01.
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw * (1 - 1e-9)) ?? 10) * mag;
  const first = Math.ceil(lo / step - 1e-9);
  const ticks: number[] = [];
  // Counting ticks rather than stepping k: past 2^53, k + 1 === k and a `k++` loop would never end.
  for (let i = 0; i < MAX_TICKS; i++) {
    const v = (first + i) * step;
    if (v > hi + step * 1e-9) break;
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/**
 * Tick values for a log axis over [lo, hi] (both > 0): powers of ten (every few decades over a long range),
 * with 2× and 5× when the range is short. Degenerate input gives `[]`.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const mults = b - a <= 2 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil((b - a) / 12));
  const ticks: number[] = [];
  for (let e = a; e <= b && ticks.length < MAX_TICKS; e += every) {
    for (const m of mults) {
      const v = Number(`${m}e${e}`); // exact, unlike m * 10 ** e (1e-4 would come out 9.999…e-5)
      // Ratios, not hi * (1 + 1e-9), which overflows near the largest double; 1e309 is Infinity.
      if (Number.isFinite(v) && v / lo >= 1 - 1e-9 && v / hi <= 1 + 1e-9) ticks.push(v);
    }
  }
  return ticks;
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/**
 * The labels of an axis's ticks, in one format for the whole axis: plain decimals (`0.5`, `20`), or, when
 * any tick is below 0.001 or from 100,000 up, all in e-notation (`0`, `5e-4`, `1e-3`, `1.5e-3`), so one
 * axis never mixes `5e-4` with `0.001`; an axis of powers of ten only reads `10⁻⁸ … 10²`. `percent` shows
 * fractions as `85%`.
 */
export function tickLabels(ticks: readonly number[], format: 'number' | 'percent' = 'number'): string[] {
  if (format === 'percent') return ticks.map((v) => `${Number((100 * v).toPrecision(4))}%`);
  const exponent = ticks.some((v) => v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5));
  if (!exponent) return ticks.map((v) => String(Number(v.toPrecision(6))));
  const parts = ticks.map((v) => v.toExponential().split('e').map(Number) as [number, number]);
  if (ticks.every((v, i) => v === 0 || parts[i]![0] === 1)) {
    return ticks.map((v, i) => (v === 0 ? '0' : `10${[...String(parts[i]![1])].map((c) => SUPERSCRIPT[c]).join('')}`));
  }
  return ticks.map((v, i) => (v === 0 ? '0' : `${Number(parts[i]![0].toPrecision(4))}e${parts[i]![1]}`));
}

/** The smallest and largest of `values` (a loop: spreading a long series into Math.min overflows the stack). */
function minMax(values: readonly number[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** A linear axis range around `values`, padded by `pad` of its width; never empty, reversed or infinite. */
function extent(values: readonly number[], pad: number): [number, number] {
  const m = minMax(values);
  if (m === null) return [0, 1];
  let [lo, hi] = m;
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const d = (hi - lo) * pad;
  // Near the largest double the padding (or the width itself) overflows: then the range is the data's.
  return Number.isFinite(lo - d) && Number.isFinite(hi + d) ? [lo - d, hi + d] : [lo, hi];
}

/** A log axis range around the positive `values`; a single value gets a factor of 2 either side. */
function logExtent(values: readonly number[]): [number, number] {
  const m = minMax(values);
  if (m === null) return [0.1, 10];
  const [lo, hi] = m;
  return hi > lo ? [lo, hi] : [Math.max(lo / 2, Number.MIN_VALUE), Math.min(lo * 2, Number.MAX_VALUE)];
}

/** `range` if it is usable as an axis (finite, increasing, positive on a log axis), else null. */
function validRange(range: readonly [number, number] | undefined, log: boolean): [number, number] | null {
  if (range === undefined) return null;
  const [lo, hi] = range;
  return Number.isFinite(lo) && Number.isFinite(hi) && hi > lo && (!log || lo > 0) ? [lo, hi] : null;
}

/** One legend entry. */
export interface LegendEntry {
  name: string;
  color: string;
  dashed?: boolean;
}

const LEGEND_ROW = 17;

/** The width of a legend box: a line sample, a gap, and the longest label as the text will be set. */
export function legendWidth(names: readonly string[]): number {
  return Math.ceil(Math.max(0, ...names.map((n) => textWidth(n)))) + 31 + 10;
}

/**
 * A legend box at the top right or bottom right inside the plot area `box` (or just right of it), sized
 * from its labels. A label too long for the plot area is set smaller (SVG's `textLength`) rather than run
 * past its edge.
 */
export function legendGroup(entries: readonly LegendEntry[], box: { l: number; t: number; w: number; h: number }, place: 'top-right' | 'bottom-right' | 'right'): string {
  const room = place === 'right' ? Infinity : box.w - 16;
  const w = Math.min(legendWidth(entries.map((e) => e.name)), room);
  const h = entries.length * LEGEND_ROW + 8;
  const lx = place === 'right' ? box.l + box.w + 16 : box.l + box.w - w - 8;
  const top = place === 'bottom-right' ? box.t + box.h - h - 8 : box.t + 8;
  const parts = [`<rect x="${lx}" y="${top}" width="${w}" height="${h}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`];
  entries.forEach((e, k) => {
    const y = top + 14 + LEGEND_ROW * k;
    const fit = lx + 31 + textWidth(e.name) > lx + w - 4 ? ` textLength="${w - 35}" lengthAdjust="spacingAndGlyphs"` : '';
    parts.push(`<line x1="${lx + 8}" x2="${lx + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${lx + 31}" y="${y}"${fit}>${escapeXml(e.name)}</text>`);
  });
  return parts.join('\n');
}

/**
 * The chart drawn in the box (left, top, width, height) of an enclosing SVG, as a `<g>`.
 * Non-finite points (and non-positive ones on a log axis) are skipped and break the line.
 */
export function chartGroup(o: ChartOptions, left: number, top: number, width: number, height: number): string {
  const shown = o.series.map((s, i) => ({ s, color: s.color ?? PALETTE[i % PALETTE.length]! })).filter(({ s }) => !s.hideInLegend);
  const legendW = shown.length === 0 ? 0 : legendWidth(shown.map(({ s }) => s.name));
  const m = { l: 64, r: o.legend === 'right' ? legendW + 24 : 16, t: 30, b: 44 };
  const pw = Math.max(1, width - m.l - m.r);
  const ph = Math.max(1, height - m.t - m.b);
  const logY = o.logY === true;
  const ok = (p: readonly [number, number]) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0);
  const all = o.series.flatMap((s) => s.points.filter(ok));
  const [x0, x1] = validRange(o.x, false) ?? extent(all.map((p) => p[0]), 0);
  const [y0, y1] = validRange(o.y, logY) ?? (logY ? logExtent(all.map((p) => p[1])) : extent(all.map((p) => p[1]), 0.05));
  const ly = (v: number) => (logY ? Math.log10(v) : v);
  // Halves, so that a range as wide as ±1e308 does not overflow to Infinity.
  const sx = (v: number) => m.l + ((v / 2 - x0 / 2) / (x1 / 2 - x0 / 2 || 1)) * pw;
  const sy = (v: number) => m.t + ph - ((ly(v) / 2 - ly(y0) / 2) / (ly(y1) / 2 - ly(y0) / 2 || 1)) * ph;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<text x="${f(m.l + pw / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(o.title)}</text>`);
  const xt = niceTicks(x0, x1);
  const yt = logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  const xl = tickLabels(xt);
  const yl = tickLabels(yt, o.yFormat);
  xt.forEach((v, i) => {
    parts.push(`<line x1="${f(sx(v))}" x2="${f(sx(v))}" y1="${m.t}" y2="${m.t + ph}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${f(sx(v))}" y="${m.t + ph + 16}" text-anchor="middle" fill="#444">${xl[i]}</text>`);
  });
  yt.forEach((v, i) => {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${f(sy(v))}" y2="${f(sy(v))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${f(sy(v) + 4)}" text-anchor="end" fill="#444">${yl[i]}</text>`);
  });
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${f(m.l + pw / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${f(m.t + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  parts.push(`<clipPath id="clip-${left}-${top}"><rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}"/></clipPath>`);
  const lines: string[] = [];
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (!ok(p)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${f(sx(p[0]))} ${f(sy(p[1]))}`;
      pen = true;
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const opacity = s.opacity === undefined ? '' : ` stroke-opacity="${s.opacity}"`;
    if (d !== '') lines.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.width ?? 1.8}"${dash}${opacity} stroke-linejoin="round"/>`);
    if (s.markers) for (const p of s.points.filter(ok)) lines.push(`<circle cx="${f(sx(p[0]))}" cy="${f(sy(p[1]))}" r="3" fill="${color}"/>`);
  });
  parts.push(`<g clip-path="url(#clip-${left}-${top})">${lines.join('')}</g>`);
  if (o.legend !== 'none' && shown.length > 0) {
    const place = o.legend === 'right' ? 'right' : o.legend === 'bottom-right' ? 'bottom-right' : 'top-right';
    parts.push(legendGroup(shown.map(({ s, color }) => ({ name: s.name, color, dashed: s.dashed })), { l: m.l, t: m.t, w: pw, h: ph }, place));
  }
  return `<g transform="translate(${left} ${top})">\n${parts.join('\n')}\n</g>\n`;
}

/** One chart as a standalone SVG. */
export function lineChart(o: ChartOptions, width = 720, height = 420): string {
  return svgDocument(width, height, chartGroup(o, 0, 0, width, height));
}

/** Charts side by side in one SVG. */
export function chartRow(charts: readonly ChartOptions[], width = 560, height = 420): string {
  return svgDocument(width * charts.length, height, charts.map((c, i) => chartGroup(c, i * width, 0, width, height)).join(''));
}

/** An exponential moving average, for noisy per-step losses (`alpha` is the new value's weight). */
export function smooth(points: readonly (readonly [number, number])[], alpha = 0.05): [number, number][] {
  let avg = NaN;
  return points.map(([x, y], i) => {
    avg = i === 0 || !Number.isFinite(avg) ? y : avg + alpha * (y - avg);
    return [x, avg];
  });
}
