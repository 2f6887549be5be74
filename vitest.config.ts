import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/setup-fast-check.ts'],
    // The machine has two cores; e2e files start real server processes of their own.
    pool: 'forks',
    maxWorkers: 2,
    // No test here is timed (figures live in bench/); the limit only catches hangs. The property
    // tests (thousands of signatures each) took 4 s alone but over 20 s with other work on both
    // cores: that, not a counterexample, was the "flaky" name and codec property failure. The e2e
    // tests start a process per step: up to 50 s with two full runs at once on two cores (load 8),
    // so the limits stay several times above what a busy machine takes. Set none lower in a test.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
  },
});
