/** `npm run test:cluster`: only test/cluster (3 replicas behind nginx), which the main config leaves out. Its steps run in order. */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/cluster/**/*.test.ts'], exclude: ['node_modules/**'], sequence: { shuffle: false } },
});
