// The worker side of the harness: loads one category's module (`cases/tensor-ops`, relative to dist/) and runs
// its cases in order from `from`, telling the main thread when each starts (so its watchdog can time it) and
// how it ended.
import { workerData, type MessagePort } from 'node:worker_threads';
import { DEFAULT_TIMEOUT_MS, runCase, type Category } from './harness.js';

// Reports go over the port the main thread handed over (not parentPort): it can drain them when this worker dies.
const { file, from, listOnly, port } = workerData as { file: string; from: number; listOnly: boolean; port: MessagePort };

// A URL, not a template literal: the bundler would try to resolve a template at build time.
const url = new URL(`./${file}.js`, import.meta.url);
const { default: cat } = (await import(url.href)) as { default: Category };
port.postMessage({ type: 'list', title: cat.title, cases: cat.cases.map((c) => ({ name: c.name, timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS })) });
if (!listOnly) {
  for (let index = from; index < cat.cases.length; index++) {
    port.postMessage({ type: 'start', index });
    const outcome = await runCase(cat.cases[index]!);
    port.postMessage({ type: 'result', index, outcome });
  }
  port.postMessage({ type: 'done' });
}
