import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    // global.gc() lets the heap test in test/autograd.test.ts measure live memory, not garbage.
    execArgv: ['--expose-gc'],
  },
});
