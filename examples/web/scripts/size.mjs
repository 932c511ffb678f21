// The page's initial transfer, gzipped: what a visitor downloads before training can start (index.html, the
// CSS, the page's script and the worker's, which embeds the wasm kernels), without the data (the digits,
// fetched when a run starts). Compared with TF.js as a training app needs it: @tensorflow/tfjs-core, its cpu
// backend and tfjs-layers, bundled and minified by the same bundler (Vite), gzipped the same way.
// Usage: node scripts/size.mjs [--json]   (builds dist/ first when it is missing)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Each file of the built page but its data, with its size and gzipped size, and their sums. */
export function pageTransfer(dir = dist) {
  const list = files(dir)
    .filter((p) => !relative(dir, p).startsWith('data'))
    .map((p) => ({ file: relative(dir, p), bytes: statSync(p).size, gzip: gz(readFileSync(p)) }));
  return { files: list, bytes: list.reduce((s, f) => s + f.bytes, 0), gzip: list.reduce((s, f) => s + f.gzip, 0) };
}

/** TF.js core + cpu backend + layers as one minified ES module, and its gzipped size. */
export async function tfjsTransfer() {
  const tmp = mkdtempSync(join(tmpdir(), 'tensile-tfjs-size-'));
  try {
    const entry = join(root, 'scripts', '.tfjs-entry.mjs');
    writeFileSync(entry, "export * as tf from '@tensorflow/tfjs-core';\nexport * as layers from '@tensorflow/tfjs-layers';\nimport '@tensorflow/tfjs-backend-cpu';\n");
    try {
      await build({
        configFile: false, root, logLevel: 'warn',
        build: { outDir: tmp, emptyOutDir: true, minify: true, target: 'es2022', lib: { entry, formats: ['es'], fileName: 'tfjs' }, reportCompressedSize: false },
      });
    } finally {
      rmSync(entry, { force: true });
    }
    const out = files(tmp).filter((p) => p.endsWith('.js'));
    const bytes = out.reduce((s, p) => s + statSync(p).size, 0);
    return { bytes, gzip: out.reduce((s, p) => s + gz(readFileSync(p)), 0) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!existsSync(join(dist, 'index.html'))) await build({ root, logLevel: 'warn' });
  const page = pageTransfer();
  const tfjs = await tfjsTransfer();
  const version = JSON.parse(readFileSync(join(root, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json'), 'utf8')).version;
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ page, tfjs: { ...tfjs, version } }, null, 2));
  } else {
    for (const f of page.files) console.log(`  ${f.file.padEnd(36)} ${kb(f.bytes).padStart(11)}  gzip ${kb(f.gzip).padStart(10)}`);
    console.log(`Tensile page (JS + CSS + HTML + wasm), gzipped: ${kb(page.gzip)} (${kb(page.bytes)} minified); budget 300 KiB`);
    console.log(`TF.js ${version} core + cpu backend + layers, minified and gzipped: ${kb(tfjs.gzip)} (${kb(tfjs.bytes)} minified), JS alone`);
  }
}
