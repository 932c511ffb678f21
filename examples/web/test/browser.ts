// What the browser tests share: a static server for the built page (dist/), cross-origin isolated or not,
// and headless Chromium through playwright-core (the system's Chromium: browser builds are not downloaded).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/** The system's Chromium, or undefined (the tests are skipped then). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p) => existsSync(p)) ?? (() => {
    const r = spawnSync('which', ['chromium'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  })();

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.gz': 'application/gzip', '.wasm': 'application/wasm',
};

/** Serves `root` (default `DIST`) on 127.0.0.1, with the COOP/COEP headers when `isolated`. */
export async function serve(isolated: boolean, root = DIST): Promise<{ url: string; server: Server }> {
  const DIST = root.endsWith('/') ? root : `${root}/`;
  const headers: Record<string, string> = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(DIST, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', ...headers }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/**
 * Headless Chromium. `--no-experimental-wasm-relaxed-simd` pins the plain SIMD build of the kernels, the one
 * Node 20 runs, so the page's results can equal Node's bit for bit (the relaxed build fuses multiply-adds).
 */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--js-flags=--no-experimental-wasm-relaxed-simd'],
  });
}

/** Headless Chromium with WebGPU on its software adapter (SwiftShader): no GPU needed. */
export function launchWebGpu(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
  });
}
