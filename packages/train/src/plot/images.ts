// Pictures of the data: a confusion matrix, and a grid of labelled images (each embedded as a small
// grayscale PNG, so the SVG stays one self-contained file). Browser-safe: the PNG's zlib stream uses
// stored (uncompressed) deflate blocks, which every PNG reader accepts, instead of node:zlib.
import { crc32 } from '../crc32.js';
import { escapeXml, svgDocument } from './chart.js';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * A zlib stream (RFC 1950) of `data` in stored deflate blocks (RFC 1951 §3.2.4): header 78 01, blocks of
 * at most 65535 bytes each with its length and its complement, then the Adler-32 of the data.
 */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const part = data.subarray(b * 65535, Math.min(data.length, (b + 1) * 65535));
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
    out[at + 1] = part.length & 0xff;
    out[at + 2] = part.length >>> 8;
    out[at + 3] = ~part.length & 0xff;
    out[at + 4] = (~part.length >>> 8) & 0xff;
    out.set(part, at + 5);
    at += 5 + part.length;
  }
  let a = 1;
  let s = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    s = (s + a) % 65521;
  }
  new DataView(out.buffer).setUint32(at, ((s << 16) | a) >>> 0);
  return out;
}

/** Base64 of `bytes` (btoa exists in browsers and in Node ≥ 16). */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** An 8-bit grayscale PNG of `pixels` (row-major, values in [0, 1], clamped). */
export function grayscalePng(pixels: ArrayLike<number>, width: number, height: number): Uint8Array {
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x]!;
      // MNIST is white on black; draw it black on white, as on paper.
      raw[y * (width + 1) + 1 + x] = 255 - Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, grayscale, deflate, adaptive filtering, no interlace
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlibStored(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A confusion matrix as an SVG heat map: rows are the true classes, columns the predicted ones, each cell
 * holds its count and is shaded by its share of the row.
 */
export function confusionMatrixSvg(matrix: readonly (readonly number[])[], classes: readonly string[], title: string): string {
  const n = classes.length;
  const cell = 46;
  const labelW = Math.max(...classes.map((c) => c.length)) * 7 + 16;
  const left = labelW + 24;
  const top = 48;
  // Short labels (digits) sit under their column; long ones (Fashion-MNIST's) are turned to read downwards.
  const turned = classes.some((c) => c.length > 2);
  const width = Math.max(left + n * cell + 20, title.length * 7.6 + 40);
  const height = top + n * cell + (turned ? labelW : 20) + 30;
  const parts: string[] = [`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(title)}</text>`];
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    const total = row.reduce((a, b) => a + b, 0) || 1;
    for (let j = 0; j < n; j++) {
      const v = row[j]!;
      const share = v / total;
      // Correct predictions in blue, mistakes in red; the shade is the row share.
      const hue = i === j ? '78,121,167' : '225,87,89';
      const alpha = v === 0 ? 0 : 0.08 + 0.92 * Math.sqrt(share);
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgba(${hue},${alpha.toFixed(3)})" stroke="#ddd"/>`);
      if (v > 0) parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${alpha > 0.55 ? 'white' : '#222'}">${v}</text>`);
    }
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(classes[i]!)}</text>`);
    const cx = left + i * cell + cell / 2;
    const cy = top + n * cell + 8;
    parts.push(
      turned
        ? `<text transform="translate(${cx + 4} ${cy}) rotate(90)" text-anchor="start">${escapeXml(classes[i]!)}</text>`
        : `<text x="${cx}" y="${cy + 10}" text-anchor="middle">${escapeXml(classes[i]!)}</text>`,
    );
  }
  parts.push(`<text transform="translate(12 ${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle" font-weight="600">true class</text>`);
  parts.push(`<text x="${left + (n * cell) / 2}" y="${height - 8}" text-anchor="middle" font-weight="600">predicted class</text>`);
  return svgDocument(width, height, `${parts.join('\n')}\n`);
}

/** One image for `imageGridSvg`. */
export interface LabelledImage {
  pixels: ArrayLike<number>;
  caption: string;
}

/** Images in a grid, each drawn at `scale`× with its caption under it (pixels in [0, 1]). */
export function imageGridSvg(images: readonly LabelledImage[], opts: { title: string; side: number; columns?: number; scale?: number }): string {
  const { side, columns = 8, scale = 3 } = opts;
  const size = side * scale;
  const cellW = Math.max(size + 12, 110);
  const cellH = size + 30;
  const rows = Math.max(1, Math.ceil(images.length / columns));
  const width = Math.min(columns, Math.max(images.length, 1)) * cellW + 20;
  const height = 40 + rows * cellH + 10;
  const parts = [`<text x="${width / 2}" y="24" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(opts.title)}</text>`];
  if (images.length === 0) parts.push(`<text x="${width / 2}" y="60" text-anchor="middle">none</text>`);
  images.forEach((img, k) => {
    const x = 10 + (k % columns) * cellW + (cellW - size) / 2;
    const y = 40 + Math.floor(k / columns) * cellH;
    const png = base64(grayscalePng(img.pixels, side, side));
    parts.push(`<image x="${x}" y="${y}" width="${size}" height="${size}" style="image-rendering:pixelated" href="data:image/png;base64,${png}"/>`);
    parts.push(`<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="none" stroke="#ccc"/>`);
    parts.push(`<text x="${x + size / 2}" y="${y + size + 16}" text-anchor="middle" font-size="11">${escapeXml(img.caption)}</text>`);
  });
  return svgDocument(width, height, `${parts.join('\n')}\n`);
}
