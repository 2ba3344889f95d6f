import { tmpdir } from 'node:os';
import path from 'node:path';
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
    // The per-user container locks of the runs under test go to a folder of this test run, not the user's home.
    env: { KXP_RESTORE_LOCK_DIR: path.join(tmpdir(), `kxp-restore-test-locks-${process.pid}`) },
  },
});
