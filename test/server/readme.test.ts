/** The README stays true: its settings table and error codes come from the source tables. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { createSamplingService } from '../../src/index.js';
import { ENV_VARIABLES } from '../../src/server/env.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists every setting with the meaning and default the server uses', () => {
    for (const [name, meaning] of ENV_VARIABLES) expect(readme).toContain(`| \`${name}\` | ${meaning} |`);
  });

  it('lists every metric of the service', () => {
    const names = createSamplingService()
      .metrics.registry.getMetricsAsArray()
      .map((m) => m.name);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(readme).toMatch(new RegExp(`\\| \`${name}(\\{[a-z,]+\\})?\` \\|`));
  });

  it('names every error code', () => {
    for (const code of Object.values(ErrorCode)) expect(readme).toContain(`\`${code}\``);
  });
});
