// Runs in headless Chromium (test/browser.test.ts), from one bundle of the sources. It trains and keeps
// checkpoints in IndexedDB, restores one into a fresh run (all or nothing: a corrupt record and a model of
// another shape are refused and change nothing), continues a checkpoint written in Node, and sends the
// checkpoint files it wrote back to Node.
import { CheckpointError, IndexedDBCheckpointStore, captureState, checkpointFromBytes, restoreState } from '../../src/index.js';
import { fitTo, makeBrowserRun, modelValues } from './run.js';

const post = (path: string, body: string | Uint8Array) => fetch(path, { method: 'POST', body: typeof body === 'string' ? body : new Blob([body.slice()]) });
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const store = new IndexedDBCheckpointStore({ database: 'tensile-train-test' });
  out.available = store.available;

  // 1. Train two epochs, a checkpoint every 3 steps into IndexedDB; the last one is the end of epoch 2.
  const a = makeBrowserRun();
  await fitTo(a, 2, null, [store.callback('run', { everySteps: 3 })]);
  const trained = modelValues(a);
  out.keys = await store.keys();

  // 2. Restore it from IndexedDB into a fresh run: the same numbers.
  const stored = await store.load('run');
  const b = makeBrowserRun();
  const counters = restoreState(stored!, b.parts);
  out.restoredStep = counters.step;
  out.restoredEqual = same(modelValues(b), trained);

  // 3. A corrupt record is refused when read; a model of another shape is refused and left as it was.
  const bytes = (await store.loadBytes('run'))!;
  const bad = bytes.slice();
  bad[bad.length - 5]! ^= 4;
  await store.save('bad', bad);
  out.corrupt = await store.load('bad').then(() => 'loaded', (e: unknown) => (e instanceof CheckpointError ? `${e.part}: ${e.message}` : String(e)));
  const wide = makeBrowserRun(20);
  const wideBefore = modelValues(wide);
  try {
    restoreState(stored!, wide.parts);
    out.mismatch = 'restored';
  } catch (e) {
    out.mismatch = e instanceof CheckpointError ? e.part : String(e);
  }
  out.mismatchUnchanged = same(modelValues(wide), wideBefore);
  await store.delete('bad');
  out.keysAfterDelete = await store.keys();

  // 4. Continue the browser's checkpoint one more epoch here; Node continues the same file and compares.
  await post('/upload/browser-written', bytes);
  await post('/upload/browser-continued', await fitTo(makeBrowserRun(), 3, checkpointFromBytes(bytes, 'browser checkpoint')));

  // 5. Continue the checkpoint Node wrote, one more epoch; Node does the same and compares.
  const fromNode = new Uint8Array(await (await fetch('/node-written.safetensors')).arrayBuffer());
  const state = checkpointFromBytes(fromNode, 'node-written.safetensors');
  out.nodeStep = state.step;
  await post('/upload/node-continued', await fitTo(makeBrowserRun(), 3, state));
  out.capturedSteps = captureState(b.parts).step;
  await store.close();
  return out;
}

run().then(
  (result) => post('/result', JSON.stringify(result)),
  (e: unknown) => post('/result', JSON.stringify({ error: String(e instanceof Error ? e.stack : e) })),
);
