// The examples' vitest setup: the libraries resolve to their sources, as in ./tsconfig.json for tsx.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      // @tensile/tensor is its Node entry (worker threads), as Node's own resolution of the package gives.
      { find: /^@tensile\/tensor$/, replacement: here('../packages/tensor/src/node.ts') },
      { find: /^@tensile\/(nn|optim|data|onnx|train)$/, replacement: here('../packages/$1/src/index.ts') },
      { find: /^@tensile\/(tensor|nn|data|train)\/node$/, replacement: here('../packages/$1/src/node.ts') },
      { find: /^@tensile\/examples-common$/, replacement: here('./common/src/index.ts') },
    ],
  },
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 },
});
