// The cases run in worker threads, which load plain JavaScript: the worker, one module per category and the
// harness's self-test category are built here, against the libraries' built packages (dist), which is what a
// user of Tensile runs.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/worker.ts', 'src/cases/*.ts', 'src/self-test/*.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
