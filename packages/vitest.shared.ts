// The packages' shared vitest setup: workspace packages resolve to their sources, so a change in one is seen by the
// others' tests without a rebuild.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tensile\/(tensor|nn|optim|data|train|onnx)$/, replacement: here('./$1/src/index.ts') },
      { find: /^@tensile\/(nn|data|train)\/node$/, replacement: here('./$1/src/node.ts') },
    ],
  },
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 },
});
