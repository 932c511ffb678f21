// The suite's vitest setup: the test file only drives worker threads and child processes (the cases themselves
// run in dist/, built by `pnpm build`), so nothing needs aliasing to the libraries' sources.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30 * 60_000 },
});
