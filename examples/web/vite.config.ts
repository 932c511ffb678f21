// `pnpm web` builds and serves the page cross-origin isolated (COOP + COEP), so the wasm kernels get
// SharedArrayBuffer and Web Worker threads; elsewhere the page runs on one thread. The libraries are
// bundled from their sources (their browser entries), as the other examples run from their sources.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const pkg = (path: string) => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url));

/** The headers that make a page cross-origin isolated. */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  resolve: {
    alias: [
      { find: /^@tensile\/(tensor|nn|optim|data|train)$/, replacement: pkg('$1/src/index.ts') },
    ],
  },
  // Top-level await: @tensile/tensor instantiates its wasm kernels when it is imported.
  build: { target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 1000 },
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS, port: 5173 },
});
