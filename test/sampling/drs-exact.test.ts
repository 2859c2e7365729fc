/**
 * DRS with γ = 0 is exact rejection sampling (docs/sampling.md): on analytic pairs whose D outputs the
 * true log density ratio, accepted samples must follow the target and the acceptance rate must
 * be 1/M. Seeds are fixed, so each assertion is deterministic; the tolerances are the ones a
 * correct sampler passes with high probability for *any* seed:
 *  - KS at the 1% level with ≥ 20,000 accepted samples (critical value 1.628/√n ≈ 0.0115);
 *  - acceptance rate within 2% (relative) of 1/M: the rate's standard error here is ~0.5%,
 *    so 2% is about 4σ, while a wrong D̃_M (look-ahead max, wrong ε sign, …) misses by far more.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { FIXTURE_MODELS_DIR, createTestEngine } from '../helpers/engine.js';
import { ksCritical, ksStatistic, normalCdf, truncatedNormalCdf } from '../helpers/stats.js';

const N = 20_000;
let engine: SamplingEngine;

const logM = (id: string): number => JSON.parse(readFileSync(join(FIXTURE_MODELS_DIR, id, 'manifest.json'), 'utf8')).evaluation.analytic.logM as number;

beforeAll(async () => {
  ({ engine } = await createTestEngine({ pool: { workers: 1, intraOpNumThreads: 2 } }));
});
afterAll(() => engine.close());

const sample = (modelId: string, name: string, params: object, seed: number) =>
  engine.sampleAll({ modelId, sampler: { name, params }, count: N, seed, maxProposals: 2_000_000 });

describe('DRS with gamma: 0 is exact rejection sampling', () => {
  // The target is N(0,1) restricted to the proposal's support [-3, 3].
  const target = truncatedNormalCdf(0, 1, -3, 3);

  it.each([
    ['uniform-gaussian-1d', 11],
    ['uniform-gaussian-1d-prob', 12],
  ])('uniform proposal → Gaussian target (%s)', async (modelId, seed) => {
    const result = await sample(modelId, 'drs', { gamma: 0 }, seed);
    expect(result.count).toBe(N);
    expect(ksStatistic(result.samples, target)).toBeLessThan(ksCritical(N, 0.01));
    const expectedRate = Math.exp(-logM('uniform-gaussian-1d'));
    expect(Math.abs(result.stats.acceptanceRate / expectedRate - 1)).toBeLessThan(0.02);
    expect(result.stats.gamma).toBe(0);
  });

  it('Gaussian proposal → two-component mixture target', async () => {
    const mixture = (x: number) => 0.5 * normalCdf(x, -1, 0.5) + 0.5 * normalCdf(x, 1, 0.5);
    const result = await sample('gaussian-mixture-1d', 'drs', { gamma: 0 }, 21);
    expect(ksStatistic(result.samples, mixture)).toBeLessThan(ksCritical(N, 0.01));
    const expectedRate = Math.exp(-logM('gaussian-mixture-1d'));
    expect(Math.abs(result.stats.acceptanceRate / expectedRate - 1)).toBeLessThan(0.02);
    // The proposal itself is far from the target: the test can tell them apart.
    const naive = await sample('gaussian-mixture-1d', 'naive', {}, 21);
    expect(ksStatistic(naive.samples, mixture)).toBeGreaterThan(10 * ksCritical(N, 0.01));
  });

  it('reports D̃_M from the burn-in and the running max', async () => {
    const result = await sample('uniform-gaussian-1d', 'drs', { gamma: 0 }, 13);
    const exact = logM('uniform-gaussian-1d');
    expect(result.stats.logitMaxStart).toBeLessThanOrEqual(exact + 1e-5);
    expect(result.stats.logitMaxStart).toBeGreaterThan(exact - 1e-3); // 10,000 uniform draws land near x = 0
    expect(result.stats.logitMaxEnd).toBeGreaterThanOrEqual(result.stats.logitMaxStart!);
  });
});

describe('the threshold baseline loses the tails (docs/sampling.md, "The threshold baseline")', () => {
  const tailShare = (xs: Float32Array) => xs.filter((x) => Math.abs(x) > 1.5).length / xs.length;
  // Truncated-N(0,1) mass beyond |x| > 1.5: about 13.1%.
  const targetTail = (2 * (normalCdf(-1.5) - normalCdf(-3))) / (normalCdf(3) - normalCdf(-3));

  it('keeps a truncated uniform block where DRS keeps the Gaussian tails', async () => {
    const drs = await sample('uniform-gaussian-1d', 'drs', { gamma: 0 }, 31);
    const threshold = await sample('uniform-gaussian-1d', 'threshold', { percentile: 50 }, 31);
    // DRS: within 1.5 points of the target's tail mass (binomial s.e. ≈ 0.24 points at n = 20,000).
    expect(Math.abs(tailShare(drs.samples) - targetTail)).toBeLessThan(0.015);
    // Threshold at the median logit keeps |x| < 1.5 only: its tails are gone.
    expect(tailShare(threshold.samples)).toBeLessThan(targetTail / 4);
    // And inside the block the density stays flat (uniform), unlike the target.
    const inner = Array.from(threshold.samples);
    const centre = inner.filter((x) => Math.abs(x) < 0.5).length;
    const shoulder = inner.filter((x) => Math.abs(x) >= 1 && Math.abs(x) < 1.5).length;
    expect(shoulder / centre).toBeGreaterThan(0.9);
    expect(ksStatistic(threshold.samples, target01)).toBeGreaterThan(4 * ksCritical(N, 0.01));
  });
});

const target01 = truncatedNormalCdf(0, 1, -3, 3);
