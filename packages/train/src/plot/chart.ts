// A small line-chart renderer: axes with round ticks (linear or log), series as polylines, a legend.
// Enough for training curves; the output is a standalone SVG a browser opens.

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

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The tolerance keeps 0.06 / 6 = 0.010000000000000009 on a step of 0.01.
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw * (1 - 1e-9)) ?? 10) * mag;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Tick values for a log axis: powers of ten, with 2× and 5× when the range is short. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const mults = b - a <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) for (const m of mults) {
    const v = Number(`${m}e${e}`); // exact, unlike m * 10 ** e (1e-4 would come out 9.999…e-5)
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
  }
  return ticks;
}

function formatTick(v: number, format: 'number' | 'percent'): string {
  if (format === 'percent') return `${Number((100 * v).toPrecision(4))}%`;
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) {
    const [m, e] = v.toExponential(2).split('e');
    return `${Number(m)}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(6)));
}

function extent(values: number[], pad: number): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

/**
 * The chart drawn in the box (left, top, width, height) of an enclosing SVG, as a `<g>`.
 * Non-finite points (and non-positive ones on a log axis) are skipped and break the line.
 */
export function chartGroup(o: ChartOptions, left: number, top: number, width: number, height: number): string {
  const shown = o.series.map((s, i) => ({ s, color: s.color ?? PALETTE[i % PALETTE.length]! })).filter(({ s }) => !s.hideInLegend);
  const legendW = shown.length === 0 ? 0 : Math.max(...shown.map(({ s }) => s.name.length)) * 7 + 36;
  const m = { l: 64, r: o.legend === 'right' ? legendW + 24 : 16, t: 30, b: 44 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const ok = (p: readonly [number, number]) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!o.logY || p[1] > 0);
  const all = o.series.flatMap((s) => s.points.filter(ok));
  const [x0, x1] = o.x ?? extent(all.map((p) => p[0]), 0);
  let [y0, y1] = o.y ?? (o.logY ? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))] : extent(all.map((p) => p[1]), 0.05));
  if (o.logY && !(y0 > 0 && y1 > y0)) [y0, y1] = y0 > 0 ? [y0 / 2, y0 * 2] : [0.1, 10];
  const ly = (v: number) => (o.logY ? Math.log10(v) : v);
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => m.t + ph - ((ly(v) - ly(y0)) / (ly(y1) - ly(y0) || 1)) * ph;
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<text x="${f(m.l + pw / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(o.title)}</text>`);
  const xt = niceTicks(x0, x1);
  const yt = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of xt) {
    parts.push(`<line x1="${f(sx(v))}" x2="${f(sx(v))}" y1="${m.t}" y2="${m.t + ph}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${f(sx(v))}" y="${m.t + ph + 16}" text-anchor="middle" fill="#444">${formatTick(v, 'number')}</text>`);
  }
  for (const v of yt) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${f(sy(v))}" y2="${f(sy(v))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${f(sy(v) + 4)}" text-anchor="end" fill="#444">${formatTick(v, o.yFormat ?? 'number')}</text>`);
  }
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
    const w = legendW;
    const h = shown.length * 17 + 8;
    const lx = o.legend === 'right' ? m.l + pw + 16 : m.l + pw - w - 8;
    const top0 = o.legend === 'bottom-right' ? m.t + ph - h - 8 : m.t + 8;
    parts.push(`<rect x="${lx}" y="${top0}" width="${w}" height="${h}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
    shown.forEach(({ s, color }, k) => {
      const y = top0 + 14 + 17 * k;
      parts.push(`<line x1="${lx + 8}" x2="${lx + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
      parts.push(`<text x="${lx + 31}" y="${y}">${escapeXml(s.name)}</text>`);
    });
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
