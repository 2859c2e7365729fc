/**
 * Node warnings fail the test that was running (MaxListenersExceededWarning is how an abort
 * listener leak first showed). The one allowed: the experimental-feature notice of
 * `v8.queryObjects`, which the leak test calls on purpose.
 */
import { afterAll, afterEach } from 'vitest';

const ALLOWED = [/^v8\.queryObjects\(\) is an experimental feature/];
const KEY = Symbol.for('graphql-gan-sampler.test.warnings');
const store = globalThis as unknown as Record<symbol, Error[] | undefined>;

const warnings = (store[KEY] ??= (() => {
  const list: Error[] = [];
  process.on('warning', (warning) => {
    if (!ALLOWED.some((re) => re.test(warning.message))) list.push(warning);
  });
  return list;
})());

function failOnWarnings(): void {
  const found = warnings.splice(0);
  if (found.length > 0) throw new Error(`Node warned:\n${found.map((w) => `  ${w.name}: ${w.message}`).join('\n')}`);
}

// Warnings are emitted on the next tick: let them arrive before checking.
afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  failOnWarnings();
});
afterAll(failOnWarnings);
