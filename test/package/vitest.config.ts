/** `npm run test:package`: only test/package, which the main config leaves out (it takes minutes). */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({ ...base, test: { ...base.test, include: ['test/package/**/*.test.ts'], exclude: ['node_modules/**'] } });
