// The page's initial transfer (JS + CSS + HTML + the wasm the worker embeds, gzipped, without the data) stays
// within 300 KiB, and below TF.js's core + cpu backend + layers, minified and gzipped by the same tools.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without types
import { pageTransfer, tfjsTransfer } from '../scripts/size.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'tensile-web-size-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('the initial transfer is at most 300 KiB gzipped, and smaller than TF.js core + cpu + layers', async () => {
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true, copyPublicDir: false } });
  const page = pageTransfer(out) as { files: { file: string }[]; gzip: number };
  expect(page.files.map((f) => f.file).some((f) => f.includes('worker'))).toBe(true);
  const tfjs = (await tfjsTransfer()) as { gzip: number };
  console.log(`initial transfer, gzipped: Tensile page ${(page.gzip / 1024).toFixed(1)} KiB, TF.js core + cpu + layers ${(tfjs.gzip / 1024).toFixed(1)} KiB`);
  expect(page.gzip).toBeLessThanOrEqual(300 * 1024);
  expect(page.gzip).toBeLessThan(tfjs.gzip);
});
