import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // An unhandled rejection or uncaught exception fails the test it happened in.
    setupFiles: ['./test/support/fail-on-unhandled.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores in CI: files run in parallel, each may start its own Azurite.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
