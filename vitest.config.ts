import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 has no `exports` map: pin every import to the CJS entry so it loads once.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Node warnings (MaxListenersExceededWarning, deprecations …) fail the test that caused them.
    setupFiles: ['test/setup/warnings.ts'],
    // test/package packs and installs the package (minutes): `npm run test:package`; test/cluster needs nginx: `npm run test:cluster`.
    exclude: ['dist/**', 'node_modules/**', 'test/package/**', 'test/cluster/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Inference tests are CPU-heavy and this machine has 2 cores: run files one at a time.
    fileParallelism: false,
    // Tests run in random order within each file (files stay in order): every test must set up
    // what it asserts. Reproduce an order with `npx vitest run --sequence.seed=N` (the seed is printed).
    sequence: { shuffle: { files: false, tests: true } },
  },
});
