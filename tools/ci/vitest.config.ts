import { defineConfig } from 'vitest/config';

// The check packs, installs (npm) and compiles (tsc) for real: minutes on a cold npm cache, not seconds.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 300_000 } });
