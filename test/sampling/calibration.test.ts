/**
 * Calibration in the engine: fitted at load on the held-out real samples (seeded, cached), reported
 * per method, and read by DRS through its `calibration` parameter. The fixture
 * `uniform-gaussian-1d-overconfident` has D = 3 × (exact log ratio) − 2: raw DRS samples
 * N(0, 1/3) instead of N(0, 1); calibration must undo the affine error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplerParameterError } from '../../src/contracts.js';
import { loadModelRepository } from '../../src/models/repository.js';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { FIXTURE_MODELS_DIR, createTestEngine } from '../helpers/engine.js';
import { ksStatistic, truncatedNormalCdf } from '../helpers/stats.js';

const MODEL = 'uniform-gaussian-1d-overconfident';
let engine: SamplingEngine;
beforeAll(async () => {
  ({ engine } = await createTestEngine());
});
afterAll(() => engine.close());

describe('calibration', () => {
  it('is fitted at load and reported per method: Z and ECE before and after', async () => {
    const reports = await engine.calibration(MODEL);
    expect(reports!.map((r) => r.method)).toEqual(['platt', 'isotonic']);
    for (const r of reports!) {
      expect(r.count).toBe(4000);
      expect(r.zBefore).toBeGreaterThan(10); // D underrates real samples everywhere: the −2 shift
      expect(Math.abs(r.zAfter)).toBeLessThan(3); // judged on the held-back half: Z ~ N(0, 1) when calibrated
      expect(r.eceAfter).toBeLessThan(r.eceBefore / 4);
    }
    expect(await engine.calibration('rare-tail-1d')).toBeNull(); // ships no real samples
  });

  it('is seeded by the model alone: another engine fits the same numbers', async () => {
    const repository = await loadModelRepository(FIXTURE_MODELS_DIR);
    const { engine: other } = await createTestEngine({ repository });
    try {
      expect(await other.calibration(MODEL)).toEqual(await engine.calibration(MODEL));
    } finally {
      await other.close();
    }
  });

  it('brings exact DRS on a mis-scaled D closer to the target (KS statistic)', async () => {
    const N = 10_000;
    const target = truncatedNormalCdf(0, 1, -3, 3);
    const ks: Record<string, number> = {};
    for (const calibration of ['none', 'platt', 'isotonic']) {
      const r = await engine.sampleAll({
        modelId: MODEL,
        sampler: { name: 'drs', params: { gamma: 0, calibration } },
        count: N,
        seed: 5,
        maxProposals: 2_000_000,
      });
      ks[calibration] = ksStatistic(r.samples, target);
    }
    // Raw DRS samples N(0, 1/3): KS ≈ 0.13, over 8 times the 1% critical value (0.016 at n = 10,000).
    expect(ks.none!).toBeGreaterThan(0.1);
    // Calibrated: within sampling noise plus the fit's error. Measured 0.009 (Platt) and 0.016 (isotonic).
    expect(ks.platt!).toBeLessThan(ks.none! / 5);
    expect(ks.isotonic!).toBeLessThan(ks.none! / 4);
  });

  it('refuses a calibration on a model without real samples, before any inference', () => {
    let error: unknown;
    try {
      engine.admit({ modelId: 'rare-tail-1d', sampler: { name: 'drs', params: { calibration: 'platt' } }, count: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SamplerParameterError);
    expect((error as Error).message).toMatch(/parameter "calibration": model "rare-tail-1d" ships no held-out real samples/);
  });
});
