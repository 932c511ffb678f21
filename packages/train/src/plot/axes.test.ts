// Charts on any input: degenerate axes end in bounded time, one tick format per axis, legends sized from
// the labels' widths, contour lines traced whole.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { legendWidth, lineChart, logTicks, niceTicks, tickLabels, type Series } from './chart.js';
import { contourLines, contourSegments } from './contour.js';
import { textWidth } from './text.js';
import { classificationPlots } from './training.js';

describe('ticks', () => {
  it('degenerate ranges give few ticks or none, never a loop', () => {
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(niceTicks(NaN, 1)).toEqual([]);
    expect(niceTicks(0, Infinity)).toEqual([0]);
    expect(niceTicks(-Infinity, 0)).toEqual([]);
    expect(niceTicks(-Number.MAX_VALUE, Number.MAX_VALUE)).toEqual([-Number.MAX_VALUE, Number.MAX_VALUE]);
    // Past 2^53 a tick counter k + 1 === k: the ticks are counted instead.
    expect(niceTicks(1e17, 1e17 + 64).length).toBeLessThanOrEqual(60);
    expect(logTicks(0, 1)).toEqual([]);
    expect(logTicks(-1, 1)).toEqual([]);
    expect(logTicks(Infinity, Infinity)).toEqual([]);
    expect(logTicks(1, NaN)).toEqual([]);
  });
});

describe('tickLabels', () => {
  it('uses one format for the whole axis: no 5e-4 beside 0.001', () => {
    expect(tickLabels([0, 5e-4, 1e-3, 1.5e-3, 2e-3])).toEqual(['0', '5e-4', '1e-3', '1.5e-3', '2e-3']);
    expect(tickLabels([0, 2e-4, 4e-4, 6e-4, 8e-4, 1e-3])).toEqual(['0', '2e-4', '4e-4', '6e-4', '8e-4', '1e-3']);
    expect(tickLabels([2e-4, 5e-4, 1e-3, 2e-3])).toEqual(['2e-4', '5e-4', '1e-3', '2e-3']);
    expect(tickLabels([0, 0.5, 1, 1.5])).toEqual(['0', '0.5', '1', '1.5']);
    expect(tickLabels([0, 50_000, 100_000])).toEqual(['0', '5e4', '1e5']);
    expect(tickLabels([0.87, 0.9], 'percent')).toEqual(['87%', '90%']);
  });

  it('an axis of powers of ten only reads 10⁻⁸ … 10²', () => {
    expect(tickLabels(logTicks(1e-8, 100))).toEqual(['10⁻⁸', '10⁻⁷', '10⁻⁶', '10⁻⁵', '10⁻⁴', '10⁻³', '10⁻²', '10⁻¹', '10⁰', '10¹', '10²']);
    expect(tickLabels(logTicks(0.01, 10))).toEqual(['0.01', '0.1', '1', '10']);
  });

  it('the lr chart of a one-cycle run up to 2e-3 labels every tick in e-notation', () => {
    const lr = Array.from({ length: 50 }, (_, i) => [i / 10, 2e-3 * Math.sin((Math.PI * i) / 49) + 8e-9] as [number, number]);
    const svg = lineChart({ title: 'lr', xLabel: 'epoch', yLabel: 'learning rate', legend: 'none', series: [{ name: 'lr', points: lr }] });
    const labels = [...svg.matchAll(/text-anchor="end" fill="#444">([^<]+)</g)].map((m) => m[1]);
    expect(labels).toEqual(['0', '5e-4', '1e-3', '1.5e-3', '2e-3']);
  });
});

/** Every kind of awkward input, linear and log. */
const AWKWARD: Record<string, Series['points']> = {
  empty: [],
  single: [[1, 0.5]],
  equal: [[0, 2], [1, 2], [2, 2]],
  zeros: [[0, 0], [1, 0]],
  negative: [[0, -1], [1, -3]],
  mixed: [[0, -1], [1, 0], [2, 3]],
  nan: [[0, NaN], [NaN, 1], [2, NaN]],
  inf: [[0, Infinity], [1, -Infinity], [Infinity, 1]],
  huge: [[0, -Number.MAX_VALUE], [1, Number.MAX_VALUE]],
  tiny: [[0, Number.MIN_VALUE], [1, 2 * Number.MIN_VALUE]],
  dense: [[1e17, 1], [1e17 + 64, 2]],
};

describe('lineChart on awkward input', () => {
  it('finishes for every input (checked in a child process with a time limit), then draws nothing invalid', () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const code = `import { lineChart } from './chart.ts';
      const cases = ${JSON.stringify(Object.keys(AWKWARD))};
      const pts = ${JSON.stringify(Object.fromEntries(Object.entries(AWKWARD).map(([k, v]) => [k, v.map((p) => p.map(String))])))};
      for (const k of cases) for (const logY of [false, true]) {
        const points = pts[k].map((p) => p.map(Number));
        lineChart({ title: k, xLabel: 'x', yLabel: 'y', logY, series: [{ name: 's', points }], x: k === 'single' ? [3, 3] : undefined });
      }
      console.log('done');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: here, timeout: 60_000, encoding: 'utf8' });
    expect(r.signal, 'a chart did not finish').toBe(null);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('done');

    for (const [name, points] of Object.entries(AWKWARD)) {
      for (const logY of [false, true]) {
        const svg = lineChart({ title: name, xLabel: 'x', yLabel: 'y', logY, series: [{ name: 's', points, markers: true }] });
        expect(svg, `${name} logY=${logY}`).not.toMatch(/NaN|Infinity/);
        expect(svg).toContain('</svg>');
      }
    }
  });

  it('a single point, an empty series and equal values get a sensible axis', () => {
    const ticks = (svg: string) => [...svg.matchAll(/text-anchor="end" fill="#444">([^<]+)</g)].map((m) => m[1]);
    expect(ticks(lineChart({ title: '', xLabel: '', yLabel: '', logY: true, series: [{ name: 's', points: [] }] }))).toEqual(['0.1', '0.2', '0.5', '1', '2', '5', '10']);
    expect(ticks(lineChart({ title: '', xLabel: '', yLabel: '', logY: true, series: [{ name: 's', points: [[1, 0.5]] }] }))).toEqual(['0.5', '1']);
    expect(ticks(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[0, 2], [1, 2]] }] }))).toEqual(['1.8', '1.9', '2', '2.1', '2.2']);
  });
});

describe('classificationPlots', () => {
  it('draws a run with no metrics at all (as a resumed, finished run would have) without NaN or Infinity', () => {
    const files = classificationPlots([], { title: 'empty', stepsPerEpoch: 10, classes: ['a', 'b'] });
    expect(Object.keys(files)).toEqual(['loss.svg', 'accuracy.svg', 'lr.svg']);
    for (const svg of Object.values(files)) expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

describe('legends', () => {
  it('textWidth adds up DejaVu Sans advance widths', () => {
    // 'SGD + momentum' measured in a browser at 100 px: 946.25 px.
    expect(textWidth('SGD + momentum', 100)).toBeCloseTo(946.25, -1);
    expect(textWidth('', 12)).toBe(0);
    expect(textWidth('→', 10)).toBeCloseTo(8.38, 2);
  });

  it('the box holds its longest label: "SGD + momentum" no longer runs past it', () => {
    const names = ['SGD', 'SGD + momentum', 'AdaGrad'];
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: names.map((name, i) => ({ name, points: [[0, i], [1, i + 1]] })) });
    const rect = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="white" fill-opacity/.exec(svg)!;
    const [lx, w] = [Number(rect[1]), Number(rect[2])];
    const textX = Number(/<text x="([\d.]+)" y="[\d.]+">SGD \+ momentum<\/text>/.exec(svg)![1]);
    expect(textX + textWidth('SGD + momentum')).toBeLessThanOrEqual(lx + w - 4);
    expect(w).toBe(legendWidth(names));
    // Inside the plot area (720 wide, 16 px right margin).
    expect(lx + w).toBeLessThanOrEqual(720 - 16);
  });

  it('a label wider than the plot is squeezed into it rather than run past the edge', () => {
    const name = 'x'.repeat(200);
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name, points: [[0, 0], [1, 1]] }] }, 400, 300);
    const rect = /<rect x="(-?[\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill-opacity/.exec(svg)!;
    expect(Number(rect[1])).toBeGreaterThanOrEqual(64);
    expect(Number(rect[1]) + Number(rect[2])).toBeLessThanOrEqual(400 - 16);
    expect(svg).toMatch(/textLength="[\d.]+" lengthAdjust="spacingAndGlyphs">x{200}</);
  });
});

describe('contourLines', () => {
  it('contourLines joins the segments into whole lines: one closed circle; a line across the grid ends on its border', () => {
    const n = 40;
    const coord = (i: number) => -2 + (4 * i) / n;
    const circle = new Float64Array((n + 1) * (n + 1));
    const plane = new Float64Array((n + 1) * (n + 1));
    for (let j = 0; j <= n; j++) for (let i = 0; i <= n; i++) {
      circle[j * (n + 1) + i] = coord(i) ** 2 + coord(j) ** 2;
      plane[j * (n + 1) + i] = coord(i) + 0.5 * coord(j);
    }
    const lines = contourLines(circle, n, n, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.closed).toBe(true);
    expect(lines[0]!.points).toHaveLength(contourSegments(circle, n, n, 1).length);
    const across = contourLines(plane, n, n, 0.3);
    expect(across).toHaveLength(1);
    expect(across[0]!.closed).toBe(false);
    const ends = [across[0]!.points[0]!, across[0]!.points.at(-1)!];
    for (const [x, y] of ends) expect(x === 0 || x === n || y === 0 || y === n).toBe(true);
    expect(contourLines(circle, n, n, -1)).toEqual([]);
  });
});
