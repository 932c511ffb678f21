// @tensile/tensor in a real browser: headless Chromium loads a page bundled from the sources (esbuild,
// platform browser, so any Node import would fail the bundle) and served cross-origin isolated (COOP/COEP),
// then reports back. Checks the wasm backend loads from the embedded bytes, autograd runs on it, and the
// kernels' Web Worker threads give the single-threaded results. Skipped where Chromium is not installed
// (`apt-get install -y chromium`; .ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('which', [c]).status === 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops Chromium and every process it started, and waits until they are all gone. Chromium runs in a process
 * group of its own (spawned detached), because its helpers (zygotes, GPU, network, renderers) outlive the main
 * process for a moment and keep writing to the profile folder, which made removing it fail with ENOTEMPTY.
 */
async function stopBrowser(browser: ChildProcess): Promise<void> {
  if (browser.pid === undefined) return; // it never started
  const group = -browser.pid;
  const signal = (s: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(group, s);
      return true;
    } catch {
      return false; // ESRCH: no process is left in the group
    }
  };
  for (const s of ['SIGTERM', 'SIGKILL'] as const) {
    if (!signal(s)) return;
    for (let waited = 0; waited < 5000; waited += 50) {
      await sleep(50);
      if (!signal(0)) return;
    }
  }
  throw new Error(`Chromium's process group ${browser.pid} did not exit after SIGKILL`);
}

/** Removes the profile folder; `rm` retries ENOTEMPTY and EBUSY with a growing delay (100 ms, 200 ms, …). */
async function removeProfile(profile: string): Promise<void> {
  await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

/**
 * While the test runs: if this worker is stopped (Ctrl-C, turbo stopping its tasks, vitest exiting) before the
 * finally below can run, kill Chromium's group and remove the profile synchronously, since the detached group no
 * longer dies with ours. Returns the function that uninstalls the guard.
 */
function guardAgainstExit(browser: () => ChildProcess | undefined, profile: string): () => void {
  const cleanup = (): void => {
    const pid = browser()?.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    uninstall();
    cleanup();
    process.kill(process.pid, signal); // and die of it, as without the guard
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const uninstall = (): void => {
    process.off('exit', cleanup);
    for (const s of signals) process.off(s, onSignal);
  };
  process.once('exit', cleanup);
  for (const s of signals) process.once(s, onSignal);
  return uninstall;
}

describe.skipIf(chromium === undefined)('in headless Chromium', () => {
  it('loads the wasm backend, runs autograd and splits products across Web Workers', async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    let resolveResult!: (r: Record<string, unknown>) => void;
    const result = new Promise<Record<string, unknown>>((r) => (resolveResult = r));
    const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    const server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/result') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          res.end('ok');
          resolveResult(JSON.parse(body) as Record<string, unknown>);
        });
      } else if (req.url === '/page.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript', ...isolated }).end(script);
      } else if (req.url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html', ...isolated }).end('<!doctype html><script type="module" src="/page.js"></script>');
      } else res.writeHead(404).end();
    });
    const profile = mkdtempSync(join(tmpdir(), 'tensile-chromium-'));
    let browser: ChildProcess | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unguard = guardAgainstExit(() => browser, profile);
    // Everything after the profile exists runs under this try, so the finally removes it whatever fails.
    try {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      browser = spawn(chromium!, [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
        `--user-data-dir=${profile}`, `http://127.0.0.1:${port}/`,
      ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      browser.stderr!.on('data', (c) => (stderr = (stderr + String(c)).slice(-4000)));
      const exitedEarly = new Promise<never>((_, reject) => {
        browser!.once('error', (e) => reject(new Error(`Chromium did not start: ${e.message}`)));
        browser!.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before the page reported; its stderr:\n${stderr}`)));
      });
      exitedEarly.catch(() => {}); // it also settles when the browser is closed below, after the result
      const r = await Promise.race([
        result,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no result from Chromium within 60 s; its stderr:\n${stderr}`)), 60_000))),
        exitedEarly,
      ]);
      expect(r.error).toBeUndefined();
      expect(r.crossOriginIsolated).toBe(true);
      expect(r.backends).toContain('wasm');
      expect(r.shared).toBe(true);
      // The default pool did not block the first call (it used to wait 5 s for workers that cannot start until
      // the page yields, then give threads up); its workers started once the page yielded.
      expect(r.statusAtFirstCall).toEqual({ state: 'starting', verdict: null });
      expect(r.defaultThreadsAtFirstCall).toBe(1);
      expect((r.statusSettled as { verdict: string }).verdict).toMatch(/^threads (do not )?pay$/);
      expect(r.grad).toEqual([[-18], [-26]]); // 2·xᵀ·(x·w) with x·w = [-1.5, -2.5]
      expect(r.threadedEqual).toBe(true);
      expect(r.jobsOnWorkers).toBeGreaterThan(0);
    } finally {
      clearTimeout(timer);
      try {
        if (browser !== undefined) await stopBrowser(browser);
      } finally {
        server.closeAllConnections();
        server.close();
        try {
          await removeProfile(profile);
        } finally {
          unguard();
        }
      }
    }
  }, 120_000);
});
