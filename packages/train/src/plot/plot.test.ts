import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chartRow, lineChart, logTicks, niceTicks, smooth } from './chart.js';
import { contourGroup, contourSegments } from './contour.js';
import { base64, confusionMatrixSvg, grayscalePng, imageGridSvg, zlibStored } from './images.js';
import { comparisonChart, runsLossChart, runsMetricChart } from './runs.js';
import { accuracyChart, classificationPlots, confusionMatrix, lossChart, lrChart, metricChart } from './training.js';
import { tensor } from '@tensile/tensor';
import type { MetricsRecord } from '../history.js';

describe('ticks', () => {
  it('niceTicks steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 30, 6)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceTicks(0.87, 0.93, 6)).toEqual([0.87, 0.88, 0.89, 0.9, 0.91, 0.92, 0.93]);
    expect(niceTicks(-3, 3)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('logTicks gives powers of ten, with 2 and 5 over short ranges', () => {
    expect(logTicks(0.01, 10)).toEqual([0.01, 0.1, 1, 10]);
    expect(logTicks(0.3, 3)).toEqual([0.5, 1, 2]);
  });
});

describe('lineChart', () => {
  it('draws one path per series, skipping non-finite points, with a legend', () => {
    const svg = lineChart({
      title: 'loss & <accuracy>', xLabel: 'epoch', yLabel: 'loss',
      series: [
        { name: 'train', points: [[0, 2], [1, 1], [2, NaN], [3, 0.5]] },
        { name: 'test', points: [[1, 1.5], [3, 0.7]], markers: true },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('loss &#38; &#60;accuracy&#62;');
    const paths = [...svg.matchAll(/<path d="([^"]+)" fill="none"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(2);
    // The NaN breaks the first line into two pieces: M…L… then M….
    expect(paths[0]!.match(/M/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('>train</text>');
  });

  it('puts charts side by side', () => {
    const svg = chartRow([{ title: 'a', xLabel: 'x', yLabel: 'y', series: [] }, { title: 'b', xLabel: 'x', yLabel: 'y', series: [] }], 300, 200);
    expect(svg).toContain('width="600" height="200"');
    expect(svg).toContain('translate(300 0)');
  });

  it('smooth is an exponential moving average', () => {
    expect(smooth([[0, 1], [1, 3], [2, 3]], 0.5)).toEqual([[0, 1], [1, 2], [2, 2.5]]);
  });
});

describe('contourSegments', () => {
  it('traces the circle x² + y² = 1 through the cells it crosses, on the circle', () => {
    const n = 40;
    const values = new Float64Array((n + 1) * (n + 1));
    const coord = (i: number) => -2 + (4 * i) / n;
    for (let j = 0; j <= n; j++) for (let i = 0; i <= n; i++) values[j * (n + 1) + i] = coord(i) ** 2 + coord(j) ** 2;
    const segs = contourSegments(values, n, n, 1);
    expect(segs.length).toBeGreaterThan(40);
    for (const [a, b, c, d] of segs) {
      for (const [x, y] of [[a, b], [c, d]] as const) {
        // Linear interpolation on a 0.1 grid puts the points within 0.01 of the circle.
        expect(Math.abs(Math.hypot(coord(x), coord(y)) - 1)).toBeLessThan(0.01);
      }
    }
    // No crossing where the function is below the level everywhere.
    expect(contourSegments(values, n, n, -1)).toEqual([]);
  });

  it('contourGroup draws the levels and each path', () => {
    const g = contourGroup(
      { title: 'bowl', f: (x, y) => x * x + y * y, x: [-2, 2], y: [-2, 2], levels: [0.5, 1, 2], paths: [{ name: 'p', points: [[1, 1], [0.5, 0.5], [0, 0]] }], resolution: 20 },
      0, 0, 400, 400,
    );
    expect(g.match(/stroke="rgb\(/g)).toHaveLength(3);
    expect(g).toContain('>p</text>');
  });
});

describe('images', () => {
  it('grayscalePng writes a valid PNG: signature, IHDR, inverted pixels in IDAT, CRCs', () => {
    const png = grayscalePng([0, 1, 0.5, 0], 2, 2);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const view = new DataView(png.buffer);
    expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
    expect(view.getUint32(16)).toBe(2);
    expect(view.getUint32(20)).toBe(2);
    const idatLength = view.getUint32(33);
    expect(new TextDecoder().decode(png.subarray(37, 41))).toBe('IDAT');
    // Each row: filter byte 0, then 255 − 255·v (ink is dark).
    expect([...inflateSync(png.subarray(41, 41 + idatLength))]).toEqual([0, 255, 0, 0, 127, 255]);
    // The CRC of IEND is the well-known ae 42 60 82.
    expect([...png.subarray(png.length - 4)]).toEqual([0xae, 0x42, 0x60, 0x82]);
  });

  it('confusionMatrix counts [true][predicted]; the SVG shows the counts', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3);
    expect(m).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 1]]);
    const svg = confusionMatrixSvg(m, ['a', 'b', 'c'], 'cm');
    expect(svg.match(/<rect x=/g)).toHaveLength(9);
  });

  it('imageGridSvg embeds one PNG per image with its caption', () => {
    const svg = imageGridSvg([{ pixels: new Float32Array(4), caption: '3 → 5' }, { pixels: new Float32Array(4), caption: '1 → 7' }], { title: 't', side: 2 });
    expect(svg.match(/data:image\/png;base64,/g)).toHaveLength(2);
    expect(svg).toContain('3 → 5');
  });
});

describe('browser-safe PNG pieces', () => {
  it('zlibStored is a zlib stream node:zlib inflates, across several 64 KiB blocks', () => {
    const data = Uint8Array.from({ length: 150_000 }, (_, i) => (i * 7919) % 251);
    const z = zlibStored(data);
    expect([z[0], z[1]]).toEqual([0x78, 0x01]);
    expect(z.length).toBe(2 + 3 * 5 + data.length + 4);
    expect(inflateSync(z).equals(Buffer.from(data))).toBe(true);
    expect(inflateSync(zlibStored(new Uint8Array(0))).length).toBe(0);
  });

  it('base64 agrees with Buffer', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
    expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});

describe('charts of a metrics history', () => {
  const records: MetricsRecord[] = [];
  for (let epoch = 1; epoch <= 3; epoch++) {
    for (let batch = 1; batch <= 4; batch++) {
      const step = (epoch - 1) * 4 + batch;
      records.push({ type: 'step', epoch, step, batch, lr: 0.1 / epoch, metrics: { loss: 2 / step, accuracy: step / 12 } });
    }
    records.push({ type: 'epoch', epoch, step: epoch * 4, lr: 0.1 / epoch, train: { loss: 1 / epoch, accuracy: 0.5 + epoch / 10 }, val: { loss: 1.2 / epoch, accuracy: 0.4 + epoch / 10 }, seconds: 1, samplesPerSec: 100 });
  }
  const paths = (svg: string) => [...svg.matchAll(/<path d="([^"]+)" fill="none"/g)].map((m) => m[1]!);

  it('lossChart: each step at its epoch position, the moving average, the epoch means and validation', () => {
    const svg = lossChart(records, { title: 'run' });
    expect(svg).toContain('>run: loss</text>');
    const p = paths(svg);
    expect(p).toHaveLength(4);
    expect(p[0]!.match(/[ML]/g)).toHaveLength(12);
    expect(svg).toContain('>validation</text>');
    expect(svg.match(/<circle/g)).toHaveLength(6);
  });

  it('accuracy in percent, any metric, and the learning rate', () => {
    expect(accuracyChart(records)).toContain('%</text>');
    expect(metricChart(records, 'loss', { title: 't' })).toContain('>t: loss</text>');
    const lr = lrChart(records);
    expect(paths(lr)).toHaveLength(1);
    expect(paths(lr)[0]!.match(/[ML]/g)).toHaveLength(12);
    // Without validation there is no validation series.
    expect(lossChart(records.map((r) => (r.type === 'epoch' ? { ...r, val: undefined } : r)))).not.toContain('>validation</text>');
  });

  it('classificationPlots adds the confusion matrix and the misclassified grid', () => {
    const images = tensor(Array.from({ length: 3 * 4 }, (_, i) => i / 12)).reshape([3, 1, 2, 2]);
    const files = classificationPlots(records, { title: 'r', classes: ['a', 'b'], test: { images, labels: [0, 1, 1], predictions: [0, 0, 1] } });
    expect(Object.keys(files)).toEqual(['loss.svg', 'accuracy.svg', 'lr.svg', 'confusion-matrix.svg', 'misclassified.svg']);
    expect(files['confusion-matrix.svg']).toContain('(validation accuracy 70.00%)');
    expect(files['misclassified.svg']!.match(/data:image\/png;base64,/g)).toHaveLength(1);
    expect(files['misclassified.svg']).toContain('b → a');
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow('confusionMatrix: sample 1 has label 2 and prediction 1; both must be integers in [0, 2)');
  });
});

describe('charts of several runs', () => {
  /** A run of 2 epochs of 3 steps whose loss is `scale / step` and whose validation accuracy is `acc[epoch - 1]`. */
  const run = (scale: number, acc: number[]): MetricsRecord[] => {
    const out: MetricsRecord[] = [];
    for (let epoch = 1; epoch <= 2; epoch++) {
      for (let batch = 1; batch <= 3; batch++) {
        const step = (epoch - 1) * 3 + batch;
        out.push({ type: 'step', epoch, step, batch, lr: 0.1, metrics: { loss: scale / step } });
      }
      out.push({ type: 'epoch', epoch, step: epoch * 3, lr: 0.1, train: { loss: scale / epoch }, val: { loss: 1, accuracy: acc[epoch - 1]! }, seconds: 1, samplesPerSec: 1 });
    }
    return out;
  };
  const runs = [{ name: 'SGD', records: run(4, [0.5, 0.6]) }, { name: 'Adam', records: run(2, [0.7, 0.9]), color: '#123456' }];
  const paths = (svg: string) => [...svg.matchAll(/<path d="([^"]+)" fill="none" stroke="([^"]+)"/g)].map((m) => ({ d: m[1]!, color: m[2]! }));
  const coords = (d: string) => [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);

  it('runsLossChart: one smoothed line per run, each step at its epoch position, in the run\'s color', () => {
    const svg = runsLossChart(runs);
    const p = paths(svg);
    expect(p.map((l) => l.color)).toEqual(['#4e79a7', '#123456']);
    for (const l of p) expect(coords(l.d)).toHaveLength(6);
    // Step 3 closes epoch 1 and step 6 epoch 2: the x of the last point of each run is the chart's right edge.
    expect(coords(p[0]!.d).at(-1)![0]).toBe(coords(p[1]!.d).at(-1)![0]);
    // Adam's loss is half SGD's at every step, so on the log axis its line is below (larger y) everywhere.
    coords(p[1]!.d).forEach(([, y], i) => expect(y).toBeGreaterThan(coords(p[0]!.d)[i]![1]!));
    expect(svg).toContain('>SGD</text>');
  });

  it('runsMetricChart: a marker per epoch per run, in percent for accuracies; a missing metric draws nothing', () => {
    const svg = runsMetricChart(runs, 'val.accuracy', { title: 'test accuracy' });
    expect(svg).toContain('>test accuracy</text>');
    expect(svg.match(/<circle/g)).toHaveLength(4);
    expect(svg).toContain('%</text>');
    expect(runsMetricChart(runs, 'val.mae').match(/<circle/g)).toBeNull();
    expect(() => runsMetricChart([{ name: 'x' } as never])).toThrow('runsMetricChart: runs[0] must be { name: string, records: MetricsRecord[], color? }');
    expect(() => runsLossChart(runs, { logY: true } as never)).toThrow(/runsLossChart/);
  });

  it('comparisonChart: both side by side; a run with no records yet is drawn as nothing', () => {
    const svg = comparisonChart([...runs, { name: 'AdaGrad', records: [] }], { metricTitle: 'test accuracy', stepsPerEpoch: 3 });
    expect(svg).toMatch(/^<svg[^>]* width="1200" height="460"/);
    expect(svg).toContain('>training loss (moving average over steps)</text>');
    expect(svg).toContain('>test accuracy</text>');
    expect(svg.match(/<g transform="translate\(600 0\)">/g)).toHaveLength(1);
    expect(paths(svg)).toHaveLength(4); // two loss lines, two accuracy lines
  });
});
