/** The admission budget: response size estimates per encoding, and proposals summed per operation. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../src/limits.js';
import type { ReadyModel } from '../../src/models/repository.js';
import { NO_SAMPLE_FIELDS, OperationBudget, bytesPerSample } from '../../src/sampling/budget.js';

// The bundled Fashion-MNIST pair's manifest: 1 × 28 × 28 images. Only the output facts matter here.
const manifest = JSON.parse(readFileSync(new URL('../../models/fashion-mnist/manifest.json', import.meta.url), 'utf8')) as ReadyModel['manifest'];
const fashion = { id: 'fashion-mnist', manifest, sampleSize: 784 } as ReadyModel;
const values = { ...NO_SAMPLE_FIELDS, samples: 1, values: 1 };

describe('OperationBudget', () => {
  it('refuses the 50000 Fashion-MNIST samples as `values` that once ran 12 s and answered "Invalid string length", naming the limit and what fits', () => {
    const budget = new OperationBudget(DEFAULT_LIMITS);
    let error: unknown;
    try {
      budget.reserve({ model: fashion, samples: 50_000, runs: [{ maxProposals: 1_000_000 }], fields: values, what: 'sample' });
    } catch (e) {
      error = e;
    }
    const fit = Math.floor((DEFAULT_LIMITS.maxResponseBytes - 4096) / bytesPerSample(fashion, values));
    expect(error).toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED, details: { limit: 'maxResponseBytes', max: 64 * 1024 * 1024, maxCount: fit } });
    expect(fit).toBeGreaterThan(3000); // ~20 KB per image as JSON numbers
    expect(fit).toBeLessThan(5000);
    // The compact encodings fit many more.
    expect(bytesPerSample(fashion, { ...NO_SAMPLE_FIELDS, samplesBase64: 1 })).toBe(Math.ceil((784 * 16) / 3));
    // sampleValues: the same numbers as samples { values }, less the object and key per sample
    const list = bytesPerSample(fashion, { ...NO_SAMPLE_FIELDS, sampleValues: 1 });
    expect(list).toBeLessThan(bytesPerSample(fashion, values));
    expect(list).toBeGreaterThan(bytesPerSample(fashion, values) - 40);
    expect(bytesPerSample(fashion, { ...NO_SAMPLE_FIELDS, samples: 1, png: 1 })).toBeLessThan(1400);
  });

  it('sums what each field of one operation takes, response bytes and proposals alike', () => {
    const budget = new OperationBudget({ maxResponseBytes: 1e9, maxOperationProposals: 100 });
    budget.reserve({ model: fashion, samples: 1, runs: [{ maxProposals: 60 }], fields: NO_SAMPLE_FIELDS, what: 'a' });
    expect(() =>
      budget.reserve({ model: fashion, samples: 1, runs: [{ maxProposals: 30 }, { maxProposals: 20 }], fields: NO_SAMPLE_FIELDS, what: 'b' }),
    ).toThrow(
      expect.objectContaining({ code: ErrorCode.LIMIT_EXCEEDED, details: { limit: 'maxOperationProposals', max: 100, requested: 110, remaining: 40 } }),
    );
    budget.reserve({ model: fashion, samples: 1, runs: [{ maxProposals: 40 }], fields: NO_SAMPLE_FIELDS, what: 'c' }); // a refused field took nothing
  });

  it('caps the default proposal budget by the per-operation one, so a request that sets none is never refused for it', () => {
    expect(resolveLimits({ maxOperationProposals: 5000 }).defaultMaxProposals).toBe(5000);
  });
});
