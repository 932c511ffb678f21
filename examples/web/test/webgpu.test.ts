// Tensile's storage seam with real GPU buffers: a WebGPU backend of a few kernels (test/webgpu/backend.ts) in
// headless Chromium on its software adapter. Tensors made while it is current live in GPU buffers, its kernels
// are queued, and the values read back asynchronously equal the JS backend's; a synchronous read is refused.
// Skipped where Chromium is not installed (.ci/run installs Debian's).
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchWebGpu, serve } from './browser.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const pkg = (path: string) => here(`../../../packages/${path}`);
const out = mkdtempSync(join(tmpdir(), 'tensile-webgpu-'));

let browser: Browser | undefined;
let site: { url: string; server: Server } | undefined;

beforeAll(async () => {
  if (CHROMIUM === undefined) return;
  await build({
    configFile: false, root: here('./webgpu/'), base: './', logLevel: 'warn',
    resolve: { alias: [{ find: /^@tensile\/(tensor)$/, replacement: pkg('$1/src/index.ts') }] },
    build: { outDir: out, emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  });
  site = await serve(false, out);
  browser = await launchWebGpu();
});

afterAll(async () => {
  await browser?.close();
  site?.server.close();
  rmSync(out, { recursive: true, force: true });
});

describe.skipIf(CHROMIUM === undefined)('a WebGPU backend in Chromium (software adapter)', () => {
  it('keeps tensors in GPU buffers, queues its kernels, and reads back what the JS backend computes', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(site!.url);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const hasGpu = await page.evaluate(async () => !!(navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu && !!(await (navigator as unknown as { gpu: { requestAdapter(): Promise<unknown> } }).gpu.requestAdapter()));
    expect(hasGpu, 'Chromium offers a WebGPU adapter').toBe(true);
    const r = await page.evaluate(() => (window as unknown as { run: () => Promise<Record<string, unknown>> }).run());
    expect(errors).toEqual([]);
    // relu(x·w + b) = [[1, 0, 0], [4.5, 0, 0]]; neg(yᵀ − 1) (−0 where yᵀ is 1); its columns 1..2; element [1, 0].
    expect(r.cpu).toEqual([[[1, 0, 0], [4.5, 0, 0]], [[-0, -3.5], [1, 1], [1, 1]], [0, 0, 0, 0], 4.5]);
    expect(r.gpu).toEqual(r.cpu);
    expect(r.onGpu).toBe(true);
    expect(r.submitted as number).toBeGreaterThanOrEqual(7);
    expect(r.syncRead).toMatch(/^data: this float32 tensor of shape \[2, 3\] lives on webgpu.*await t\.toTypedArrayAsync\(\)/);
    expect(r.printed).toBe('tensor(<6 values on webgpu>, shape=[2, 3], dtype=float32)');
  });
});
