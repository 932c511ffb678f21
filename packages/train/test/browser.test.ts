// @tensile/train in a real browser: headless Chromium loads a page bundled from the sources (esbuild,
// platform browser, so a Node import anywhere in the core would fail the bundle). The page keeps
// checkpoints in IndexedDB and restores them (test/browser/page.ts). Checkpoints cross over both ways: the
// page continues a file Node wrote and Node continues a file the page wrote, and each continuation is
// compared, byte for byte, with the same continuation in the other runtime. Skipped where Chromium is not
// installed (`apt-get install -y chromium`; .ci/run installs it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { fileCheckpoint, loadCheckpoint } from '../src/node/checkpoint-file.js';
import { checkpointFromBytes } from '../src/serialize.js';
import { fitTo, makeBrowserRun } from './browser/run.js';

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('which', [c]).status === 0);
const dir = mkdtempSync(join(tmpdir(), 'tensile-train-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
const src = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

describe.skipIf(chromium === undefined)('in headless Chromium', () => {
  it('checkpoints round-trip through IndexedDB, and a checkpoint written in one runtime continues bit-identically in the other', async () => {
    // Node writes a checkpoint after one epoch, and continues it one more epoch itself.
    const nodeFile = join(dir, 'node-written.safetensors');
    await fitTo(makeBrowserRun(), 1, null, [fileCheckpoint(nodeFile)]);

    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
      alias: {
        '@tensile/tensor': src('tensor/src/index.ts'), '@tensile/nn': src('nn/src/index.ts'),
        '@tensile/optim': src('optim/src/index.ts'), '@tensile/data': src('data/src/index.ts'),
      },
    });
    const script = bundle.outputFiles[0]!.text;
    const uploads = new Map<string, Uint8Array>();
    let resolveResult!: (r: Record<string, unknown>) => void;
    const result = new Promise<Record<string, unknown>>((r) => (resolveResult = r));
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'POST' && req.url === '/result') {
          res.end('ok');
          resolveResult(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
        } else if (req.method === 'POST' && req.url?.startsWith('/upload/')) {
          uploads.set(req.url.slice(8), new Uint8Array(body));
          res.end('ok');
        } else if (req.url === '/node-written.safetensors') {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(readFileSync(nodeFile));
        } else if (req.url === '/page.js') {
          res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
        } else if (req.url === '/') {
          res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
        } else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const profile = mkdtempSync(join(tmpdir(), 'tensile-chromium-'));
    const browser = spawn(chromium!, [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      `--user-data-dir=${profile}`, `http://127.0.0.1:${port}/`,
    ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true }); // its own process group: its helpers die with it
    let stderr = '';
    browser.stderr!.on('data', (c) => (stderr = (stderr + String(c)).slice(-4000)));
    const exitedEarly = new Promise<never>((_, reject) => browser.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before the page reported; its stderr:\n${stderr}`))));
    exitedEarly.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    let r: Record<string, unknown>;
    try {
      r = await Promise.race([
        result,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no result from Chromium within 90 s; its stderr:\n${stderr}`)), 90_000))),
        exitedEarly,
      ]);
    } finally {
      clearTimeout(timer);
      const exited = new Promise((res) => browser.once('exit', res));
      // The renderer, GPU and crash-handler processes write to the profile too: stop the whole group.
      try {
        process.kill(-browser.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((res) => setTimeout(res, 5000))]);
      server.close();
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }

    // In the page: IndexedDB holds the run's checkpoint, which restores into a fresh run exactly.
    expect(r.error).toBeUndefined();
    expect(r.available).toBe(true);
    expect(r.keys).toEqual(['run']);
    expect(r.restoredStep).toBe(16);
    expect(r.restoredEqual).toBe(true);
    expect(r.capturedSteps).toBe(16);
    expect(r.corrupt).toMatch(/^file: the IndexedDB checkpoint "bad" is corrupt: its CRC-32 is [0-9a-f]{8} but the file says [0-9a-f]{8}/);
    expect(r.mismatch).toBe('model');
    expect(r.mismatchUnchanged).toBe(true);
    expect(r.keysAfterDelete).toEqual(['run']);
    expect(r.nodeStep).toBe(8);

    // Node's checkpoint continued in the page equals it continued in Node.
    const inNode = await fitTo(makeBrowserRun(), 3, await loadCheckpoint(nodeFile));
    expectSameRun(uploads.get('node-continued')!, inNode);

    // The page's checkpoint (from IndexedDB) read by Node's file API, continued in Node, equals it continued in the page.
    const browserFile = join(dir, 'browser-written.safetensors');
    writeFileSync(browserFile, uploads.get('browser-written')!);
    const fromBrowser = await loadCheckpoint(browserFile);
    expect([fromBrowser.step, fromBrowser.epoch]).toEqual([16, 2]);
    const continued = await fitTo(makeBrowserRun(), 3, fromBrowser);
    expectSameRun(uploads.get('browser-continued')!, continued);
    expect(checkpointFromBytes(continued).step).toBe(24);
  }, 150_000);
});

/**
 * Two final states (checkpoint files) of a run are the same: every tensor bit for bit, the optimizer,
 * loaders, generators and fit's state, and every metric of the history they carry; only the epochs'
 * wall-clock fields (seconds, samples/s) may differ.
 */
function expectSameRun(a: Uint8Array, b: Uint8Array): void {
  const [sa, sb] = [checkpointFromBytes(a), checkpointFromBytes(b)];
  expect([...sa.tensors.keys()]).toEqual([...sb.tensors.keys()]);
  for (const [k, t] of sa.tensors) expect(Array.from(t.toTypedArray() as ArrayLike<number>), k).toEqual(Array.from(sb.tensors.get(k)!.toTypedArray() as ArrayLike<number>));
  expect(sa.optimizer).toEqual(sb.optimizer);
  expect(sa.loaders).toEqual(sb.loaders);
  expect(sa.generators).toEqual(sb.generators);
  const clock = (extra: Record<string, unknown>) => {
    const fit = extra.fit as { records: Record<string, unknown>[] };
    return { ...fit, records: fit.records.map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r)) };
  };
  expect(clock(sa.extra)).toEqual(clock(sb.extra));
  expect((sa.extra.fit as { records: unknown[] }).records.length).toBeGreaterThan(20);
}
