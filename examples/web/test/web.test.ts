// The page of examples/web in headless Chromium (playwright-core driving the system's Chromium), against
// `pnpm mnist` in Node: the same MLP run trained in the page and in Node gives the same losses (as float32
// bit patterns) and the same weights and optimizer state, bit for bit; a reload mid-training continues the
// run exactly; a checkpoint downloaded mid-run continues in `pnpm mnist --resume`, and one Node wrote
// continues in the page; a page that is not cross-origin isolated trains the same on one thread. Screenshots
// go to test-output/. Skipped where Chromium is not installed (.ci/run installs Debian's).
//
// Node 20 validates the relaxed-SIMD kernels only with --experimental-wasm-relaxed-simd, and Chromium picks
// them by default; the two builds round differently (fused multiply-add), so the Node runs here are started
// with that flag: both sides then run the relaxed build, and the test checks each side says so.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFromBytes, type MetricsRecord, type StepRecord, type TrainingState } from '@tensile/train';
import { readMetrics } from '@tensile/train/node';
import { CHROMIUM, launch, serve } from './browser.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const WEB = here('../');
const MLP = here('../../mnist-mlp/');
const OUTPUT = join(WEB, 'test-output');
const FASHION = '/usr/share/datasets/fashion-mnist';
const dir = mkdtempSync(join(tmpdir(), 'tensile-web-'));

/** The run every test trains: `pnpm mnist --recipe pytorch --epochs 2 --seed 5` (Adam lr 1e-3, batch 64). */
const FLAGS = ['--recipe', 'pytorch', '--epochs', '2', '--seed', '5'];
const STEPS = 250; // 8,000 training digits in batches of 64, twice

/** Node with the relaxed-SIMD kernels (see the header), running a script of examples/mnist-mlp's folder. */
function node(args: string[]): string {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', ...args], { cwd: MLP, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const pnpmMnist = (args: string[]) => node(['src/main.ts', ...args]);

const W1_STEPS = 300;
const w1InNode = (threads?: number) =>
  JSON.parse(node([fileURLToPath(new URL('./w1-node.ts', import.meta.url)), String(W1_STEPS), ...(threads ? [String(threads)] : [])]).trim()) as unknown;

let browser: Browser;
let isolated: { url: string; server: Server };
let plain: { url: string; server: Server };
/** The Node run's final checkpoint and its records (from metrics.jsonl). */
let reference: { state: TrainingState; records: MetricsRecord[]; samplesPerSec: number[] };
const speed: Record<string, unknown> = {};

beforeAll(async () => {
  const digits = spawnSync(process.execPath, ['scripts/digits.mjs'], { cwd: WEB, encoding: 'utf8' });
  if (digits.status !== 0) throw new Error(digits.stderr);
  await build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
  mkdirSync(OUTPUT, { recursive: true });
  if (CHROMIUM === undefined) return;
  // The reference: pnpm mnist in Node, checkpoint at each epoch's end.
  const out = join(dir, 'node-run');
  const stdout = pnpmMnist([...FLAGS, '--checkpoint', join(dir, 'node.safetensors'), '--out', out]);
  const records = readMetrics(join(out, 'metrics.jsonl'));
  reference = {
    state: checkpointFromBytes(readFileSync(join(dir, 'node.safetensors'))),
    records,
    samplesPerSec: records.flatMap((r) => (r.type === 'epoch' ? [r.samplesPerSec] : [])),
  };
  expect(stdout).toMatch(/backend wasm/);
  [isolated, plain] = await Promise.all([serve(true), serve(false)]);
  browser = await launch();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  isolated?.server.close();
  plain?.server.close();
  rmSync(dir, { recursive: true, force: true });
  if (Object.keys(speed).length > 0) writeFileSync(join(OUTPUT, 'speed.json'), `${JSON.stringify(speed, null, 2)}\n`);
});

interface Hook {
  state: string;
  step: number;
  runs: number;
  savedStep: number;
  ready: { isolated: boolean; threads: number; kernels: string; backend: string; saved: { step: number } | null } | null;
  prediction: number[] | null;
  longestTask: number;
  slowestMessage: Record<string, number>;
  errors: string[];
}
const hook = (page: Page) => page.evaluate(() => (globalThis as unknown as { tensileApp: Hook }).tensileApp);

async function open(url: string, page?: Page): Promise<Page> {
  page ??= await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as { tensileApp: Hook }).tensileApp.ready !== null, null, { timeout: 60_000 });
  return page;
}

/** Sets the form to FLAGS's run and starts it. */
async function start(page: Page): Promise<void> {
  await page.selectOption('#model', 'mlp');
  await page.selectOption('#recipe', 'pytorch');
  await page.selectOption('#optimizer', 'adam');
  await page.fill('#epochs', '2');
  await page.fill('#seed', '5');
  expect(await page.inputValue('#lr')).toBe('0.001');
  expect(await page.inputValue('#batch')).toBe('64');
  await page.click('#start');
}

const waitFor = (page: Page, fn: string, timeout = 300_000) => page.waitForFunction(`(() => { const app = globalThis.tensileApp; return ${fn}; })()`, null, { timeout, polling: 20 });

async function downloadCheckpoint(page: Page): Promise<Uint8Array> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-checkpoint')]);
  return new Uint8Array(readFileSync((await download.path())!));
}

const steps = (records: readonly MetricsRecord[]) => records.filter((r): r is StepRecord => r.type === 'step');
const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const recordsOf = (s: TrainingState) => (s.extra.fit as { records: MetricsRecord[] | null }).records;
const values = (s: TrainingState, k: string) => Array.from(s.tensors.get(k)!.toTypedArray() as ArrayLike<number>);

/** Every tensor (model and optimizer state) bit for bit, the optimizer, the loaders and the generators. */
function expectSameState(a: TrainingState, b: TrainingState): void {
  expect([a.step, a.epoch]).toEqual([b.step, b.epoch]);
  expect([...a.tensors.keys()].sort()).toEqual([...b.tensors.keys()].sort());
  for (const k of a.tensors.keys()) {
    const [x, y] = [a.tensors.get(k)!.toTypedArray() as Float32Array, b.tensors.get(k)!.toTypedArray() as Float32Array];
    expect(x.length, k).toBe(y.length);
    expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)), `${k} differs`).toBe(true);
  }
  expect(a.optimizer).toEqual(b.optimizer);
  expect(a.loaders).toEqual(b.loaders);
  expect(a.generators).toEqual(b.generators);
  expect(a.extra.config).toEqual(b.extra.config);
  expect(a.extra.example).toBe(b.extra.example);
}

/** The step records' losses as float32 bit patterns, and each record without its wall-clock fields. */
function expectSameRecords(got: readonly MetricsRecord[], want: readonly MetricsRecord[]): void {
  expect(steps(got).map((r) => f32bits(r.metrics.loss!))).toEqual(steps(want).map((r) => f32bits(r.metrics.loss!)));
  const clockless = (rs: readonly MetricsRecord[]) => rs.map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r));
  expect(clockless(got)).toEqual(clockless(want));
}

describe.skipIf(CHROMIUM === undefined)('examples/web in headless Chromium', () => {
  it('trains the MLP bit for bit as pnpm mnist does in Node, draws a digit and predicts it', async () => {
    const page = await open(isolated.url);
    const ready = (await hook(page)).ready!;
    expect(ready).toMatchObject({ isolated: true, backend: 'wasm' });
    expect(ready.kernels).toMatch(/relaxed SIMD/);
    await start(page);
    await waitFor(page, "app.state === 'done'");
    const app = await hook(page);
    expect(app.errors).toEqual([]);
    const state = checkpointFromBytes(await downloadCheckpoint(page));
    expect(state.step).toBe(STEPS);
    expectSameState(state, reference.state);
    expectSameRecords(recordsOf(state)!, reference.records);
    expect(steps(reference.records)).toHaveLength(STEPS);

    // How responsive the page stayed: the longest task on its thread while training (0: none over 50 ms) and
    // its longest handling of each kind of message, reported rather than asserted (no timing assertions in
    // tests: on a shared machine they include time the thread waited for a core).
    speed.longestMainThreadTaskMs = app.longestTask;
    speed.slowestMessageHandlingMs = app.slowestMessage;
    speed.threads = ready.threads;
    speed.chromiumSamplesPerSec = recordsOf(state)!.flatMap((r) => (r.type === 'epoch' ? [r.samplesPerSec] : []));
    speed.nodeSamplesPerSec = reference.samplesPerSec;
    console.log('MLP epochs (samples/s), Chromium:', speed.chromiumSamplesPerSec, 'Node:', speed.nodeSamplesPerSec, 'longest page task (ms):', app.longestTask, 'slowest message handling (ms):', app.slowestMessage);

    // Draw a 7 with the mouse: a prediction with ten probabilities appears.
    const box = (await page.locator('#draw').boundingBox())!;
    const at = (x: number, y: number) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
    await page.locator('#draw').scrollIntoViewIfNeeded();
    await page.mouse.move(...at(70, 60));
    await page.mouse.down();
    for (const [x, y] of [[140, 60], [210, 60], [180, 130], [150, 190], [130, 240]] as const) await page.mouse.move(...at(x, y), { steps: 6 });
    await page.mouse.up();
    await waitFor(page, 'app.prediction !== null', 10_000);
    const probabilities = (await hook(page)).prediction!;
    expect(probabilities).toHaveLength(10);
    expect(probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 4);
    expect(await page.locator('#probs li').count()).toBe(10);
    expect(await page.textContent('#guess')).toMatch(/Prediction: \d/);
    await page.screenshot({ path: join(OUTPUT, 'trained.png'), fullPage: true });

    // W1 (the bench's MLP step) in the page's worker and in Node, the same function and kernel build.
    speed.w1 = {
      chromium: await page.evaluate((n) => (globalThis as unknown as { tensileApp: { bench(n: number): Promise<unknown> } }).tensileApp.bench(n), W1_STEPS),
      node: w1InNode(),
    };
    console.log('W1 samples/s:', speed.w1);
    await page.setViewportSize({ width: 390, height: 844 });
    // The chart sections skip rendering while off screen (content-visibility: auto), and a full-page
    // screenshot of a phone-sized viewport leaves them off screen: render them for the picture.
    await page.addStyleTag({ content: '#charts, #epoch-plots { content-visibility: visible; }' });
    await page.screenshot({ path: join(OUTPUT, 'phone.png'), fullPage: true });
    await page.context().close();
  });

  it('continues after a reload mid-training exactly as if never interrupted', async () => {
    const page = await open(isolated.url);
    await start(page);
    // Reload once the run was saved mid-epoch in its second epoch (saves come every 50 steps). The page
    // reloads itself the moment it hears of that save: the run takes well under a second, so a round trip
    // from here (poll, then reload) could land after its last step.
    const reloaded = page.waitForEvent('load');
    await page.evaluate(() => new Promise<void>((resolve) => {
      const app = (globalThis as unknown as { tensileApp: { savedStep: number } }).tensileApp;
      const check = (): void => {
        if (app.savedStep > 125 && app.savedStep % 125 !== 0) {
          resolve();
          setTimeout(() => location.reload(), 0);
        } else {
          setTimeout(check, 1);
        }
      };
      check();
    }));
    await reloaded;
    await page.waitForFunction(() => (globalThis as unknown as { tensileApp: Hook }).tensileApp.ready !== null);
    const saved = (await hook(page)).ready!.saved!;
    expect(saved.step).toBeGreaterThan(125);
    expect(saved.step).toBeLessThan(STEPS);
    expect(await page.isVisible('#saved')).toBe(true);
    await page.click('#resume-saved');
    await waitFor(page, "app.state === 'done'");
    const state = checkpointFromBytes(await downloadCheckpoint(page));
    expectSameState(state, reference.state);
    expectSameRecords(recordsOf(state)!, reference.records);
    await page.context().close();
  });

  it('a checkpoint downloaded mid-run continues in pnpm mnist --resume, and one Node wrote continues in the page', async () => {
    const page = await open(isolated.url);
    await start(page);
    await waitFor(page, 'app.step >= 90');
    await page.click('#pause');
    await waitFor(page, "app.state === 'paused'");
    const bytes = await downloadCheckpoint(page);
    const paused = checkpointFromBytes(bytes);
    expect(paused.step).toBeGreaterThanOrEqual(90);
    expect(paused.step).toBeLessThan(STEPS);
    const file = join(dir, 'from-browser.safetensors');
    writeFileSync(file, bytes);
    const out = join(dir, 'resumed-in-node');
    const stdout = pnpmMnist(['--resume', file, '--out', out]);
    expect(stdout).toContain(`resumed from ${file}`);
    expectSameState(checkpointFromBytes(readFileSync(file)), reference.state);
    // The page's records came along in the checkpoint; Node wrote them into the new run's metrics.jsonl.
    expectSameRecords(readMetrics(join(out, 'metrics.jsonl')), reference.records);

    // The other way: Node's checkpoint after step 100 (its records stay in its metrics.jsonl) continues in the page.
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ recipe: 'pytorch', epochs: 2, seed: 5 }));
    const nodeFile = join(dir, 'node-run-b', 'step100.safetensors');
    mkdirSync(join(dir, 'node-run-b'));
    node([fileURLToPath(new URL('./node-fit.ts', import.meta.url)), settings, nodeFile, '100']);
    await page.click('#resume');
    await waitFor(page, "app.state === 'done'");
    const runs = (await hook(page)).runs;
    await page.setInputFiles('#upload', nodeFile);
    await waitFor(page, `app.runs > ${runs} && app.state === 'done'`);
    const continued = checkpointFromBytes(await downloadCheckpoint(page));
    expectSameState(continued, reference.state);
    expectSameRecords(recordsOf(continued)!, reference.records.filter((r) => r.step > 100));
    await page.context().close();
  });

  it('trains the CNN on Fashion-MNIST chosen from disk as Node does', async () => {
    const page = await open(isolated.url);
    await page.selectOption('#dataset', 'fashion-mnist');
    const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
    await page.setInputFiles('#fashion', files.map((f) => join(FASHION, f)));
    await page.waitForFunction(() => /Fashion-MNIST: 60,000 train \/ 10,000 test/.test(document.querySelector('#status')!.textContent!), null, { timeout: 60_000 });
    await page.selectOption('#model', 'cnn');
    await page.selectOption('#recipe', 'tuned'); // batch norm, dropout, shifts, one-cycle: every generator at work
    await page.fill('#epochs', '1');
    await page.fill('#seed', '2');
    await page.click('#start');
    await waitFor(page, 'app.step >= 6');
    await page.click('#pause');
    await waitFor(page, "app.state === 'paused'");
    const state = checkpointFromBytes(await downloadCheckpoint(page));
    expect(state.extra).toMatchObject({ example: 'mnist-cnn', config: { dataset: 'fashion-mnist', recipe: 'tuned', batchNorm: true } });
    // Node: the same run (pnpm mnist:cnn --dataset fashion-mnist --epochs 1 --seed 2), to the same step.
    const settings = join(dir, 'fashion.json');
    writeFileSync(settings, JSON.stringify({ dataset: 'fashion-mnist', recipe: 'tuned', epochs: 1, seed: 2 }));
    mkdirSync(join(dir, 'node-cnn'));
    const nodeFile = join(dir, 'node-cnn', 'cnn.safetensors');
    node([fileURLToPath(new URL('./node-fit.ts', import.meta.url)), settings, nodeFile, String(state.step), 'cnn']);
    const inNode = checkpointFromBytes(readFileSync(nodeFile));
    expectSameState(state, inNode);
    expectSameRecords(recordsOf(state)!, readMetrics(join(dir, 'node-cnn', 'metrics.jsonl')));
    await page.context().close();
  });

  it('trains the same on one thread where the page is not cross-origin isolated', async () => {
    const page = await open(plain.url);
    const ready = (await hook(page)).ready!;
    expect(ready).toMatchObject({ isolated: false, threads: 1, backend: 'wasm' });
    expect(await page.textContent('#env')).toMatch(/not cross-origin isolated: one thread/);
    await start(page);
    await waitFor(page, "app.state === 'done'");
    const state = checkpointFromBytes(await downloadCheckpoint(page));
    expectSameState(state, reference.state);
    expectSameRecords(recordsOf(state)!, reference.records);
    await page.screenshot({ path: join(OUTPUT, 'not-isolated.png'), fullPage: true });
    speed.w1OneThread = {
      chromium: await page.evaluate((n) => (globalThis as unknown as { tensileApp: { bench(n: number): Promise<unknown> } }).tensileApp.bench(n), W1_STEPS),
    };
    console.log('W1 samples/s, page not isolated:', speed.w1OneThread);
    await page.context().close();
  });
});
