// Runs in headless Chromium (test/browser.test.ts): the package as a browser loads it, from one ES module
// bundle with top-level await and no file system. It trains a tiny network on the wasm backend and checks
// that products split across Web Workers (the page is cross-origin isolated) equal single-threaded ones.
import { getNumThreads, listBackends, manualSeed, matmul, randn, setBackend, setNumThreads, tensor } from '../../src/index.js';
import { kernels } from '../../src/backend/wasm/instance.js';
import { threadPool, threadStatus } from '../../src/backend/wasm/threads.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    backends: listBackends(),
    variant: kernels?.variant ?? null,
    shared: kernels?.shared ?? null,
  };
  setBackend('wasm');
  // The default thread count: the first kernel call starts the workers but cannot wait for them (a page starts
  // a Web Worker only once this thread yields), so it runs on this thread and the pool is still starting; once
  // the page has yielded, the workers start and the default is decided (threads on, or off if they do not pay).
  manualSeed(1);
  matmul(randn([300, 200]), randn([200, 100]));
  out.defaultThreadsAtFirstCall = getNumThreads();
  out.statusAtFirstCall = threadStatus();
  for (let waited = 0; waited < 10_000 && threadStatus().state === 'starting'; waited += 20) {
    await sleep(20);
    getNumThreads(); // looks again, without blocking
  }
  out.statusSettled = threadStatus();
  out.defaultThreads = getNumThreads();
  // autograd end to end: d/dw of Σ(x·w)² on the wasm kernels
  const x = tensor([[1, 2], [3, 4]]);
  const w = tensor([[0.5], [-1]], { requiresGrad: true });
  x.matmul(w).square().sum().backward();
  out.grad = w.grad!.toArray();
  // threaded products against single-threaded ones
  manualSeed(3);
  const a = randn([600, 400]);
  const b = randn([400, 300]);
  setNumThreads(1);
  const want = Array.from(matmul(a, b).toTypedArray());
  setNumThreads(2);
  const pool = kernels ? threadPool(kernels) : null;
  let equal = true;
  for (let round = 0; round < 40 && pool !== null && pool.jobsOnWorkers === 0; round++) {
    equal &&= Array.from(matmul(a, b).toTypedArray()).every((v, i) => v === want[i]);
    await sleep(25);
  }
  out.threadedEqual = equal;
  out.jobsOnWorkers = pool?.jobsOnWorkers ?? 0;
  return out;
}

run().then(
  (result) => fetch('/result', { method: 'POST', body: JSON.stringify(result) }),
  (e: unknown) => fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(e instanceof Error ? e.stack : e) }) }),
);
