// The Node entry point of @tensile/tensor: everything the package exports, plus worker threads for the
// wasm kernels (node:worker_threads, which the browser-safe core cannot import). Node resolves
// `@tensile/tensor` here by its package.json "node" condition, so a Node program gets threads without
// asking; `setNumThreads(1)` turns them off.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { writeFile } from 'node:fs/promises';
import { setThreadHost } from './backend/wasm/threads.js';
import type { Profile } from './profiler.js';

setThreadHost({
  cores: availableParallelism(),
  startsWhileBlocked: true,
  spawn(source) {
    const w = new Worker(`(${source})((f) => require('node:worker_threads').parentPort.once('message', f));`, { eval: true });
    w.unref(); // an idle pool never keeps the process alive
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  },
});

export * from './index.js';

/**
 * Writes `profile` as a Chrome trace (JSON in the trace event format) to `path`; open it in
 * https://ui.perfetto.dev or chrome://tracing.
 * @example await writeChromeTrace('trace.json', profile(() => trainStep()));
 */
export async function writeChromeTrace(path: string, profile: Profile): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`writeChromeTrace: expected a file path, got ${JSON.stringify(path)}`);
  await writeFile(path, JSON.stringify(profile.toChromeTrace()));
}
