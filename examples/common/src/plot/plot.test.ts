import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chartRow, lineChart, logTicks, niceTicks, smooth } from './chart.js';
import { contourGroup, contourSegments } from './contour.js';
import { confusionMatrixSvg, grayscalePng, imageGridSvg } from './images.js';
import { confusionMatrix } from './training.js';

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
