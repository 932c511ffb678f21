// The Node entry point of @tensile/tensor: everything the package exports, plus worker threads for the
// wasm kernels (node:worker_threads, which the browser-safe core cannot import). Node resolves
// `@tensile/tensor` here by its package.json "node" condition, so a Node program gets threads without
// asking; `setNumThreads(1)` turns them off.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setThreadHost } from './backend/wasm/threads.js';

setThreadHost({
  cores: availableParallelism(),
  spawn(source) {
    const w = new Worker(`(${source})((f) => require('node:worker_threads').parentPort.once('message', f));`, { eval: true });
    w.unref(); // an idle pool never keeps the process alive
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  },
});

export * from './index.js';
