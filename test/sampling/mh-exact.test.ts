/**
 * The MH-GAN sampler is exact when D is the true log density ratio: on the analytic pairs its
 * outputs must follow p_g · e^{D̃} (normalised). Independence MH moves towards that target at
 * least as fast as (1 − 1/M)^K; on these pairs M < 2.4, so chains of K = 40 proposals are within
 * 1e-9 of it and stand in for the default 640 (20,000 outputs cost 800,000 proposals each).
 * Seeds are fixed; KS at the 1% level with 20,000 outputs (critical value 0.0115).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { createTestEngine } from '../helpers/engine.js';
import { ksCritical, ksStatistic, normalCdf, truncatedNormalCdf } from '../helpers/stats.js';

const N = 20_000;
let engine: SamplingEngine;
beforeAll(async () => {
  ({ engine } = await createTestEngine({ pool: { workers: 1, intraOpNumThreads: 2 } }));
});
afterAll(() => engine.close());

const mh = (modelId: string, params: object, seed: number, extra: object = {}) =>
  engine.sampleAll({ modelId, sampler: { name: 'mh', params }, count: N, seed, batchSize: 4096, maxProposals: 5_000_000, ...extra });

describe('mh with the true logits is exact', () => {
  it.each([
    ['uniform-gaussian-1d', truncatedNormalCdf(0, 1, -3, 3), 41],
    ['gaussian-mixture-1d', (x: number) => 0.5 * normalCdf(x, -1, 0.5) + 0.5 * normalCdf(x, 1, 0.5), 42],
  ])('%s: chains from held-out real samples reach the target', async (modelId, target, seed) => {
    const r = await mh(modelId, { chainLength: 40 }, seed);
    expect(r.count).toBe(N);
    expect(ksStatistic(r.samples, target)).toBeLessThan(ksCritical(N, 0.01));
    expect(r.stats.proposalsPerOutput).toBeGreaterThanOrEqual(40);
    expect(r.stats.distinctOutputs).toBe(N);
  });

  it('nan-logits-1d: chains from a generated start, NaN logits skipped, reach x²/9 on (0, 3]', async () => {
    // D̃ = log x (NaN for x < 0): the target p_g · e^{D̃} ∝ x on (0, 3], CDF x²/9.
    const r = await mh('nan-logits-1d', { chainLength: 40 }, 43);
    expect(ksStatistic(r.samples, (x) => (x <= 0 ? 0 : Math.min(1, (x * x) / 9)))).toBeLessThan(ksCritical(N, 0.01));
    expect(r.stats.invalidLogits).toBeGreaterThan(0.4 * r.stats.proposed);
    expect(r.stats.samplerDetails).toMatchObject({ restarts: 0 });
  });
});

describe('mh chains', () => {
  it('cost chainLength proposals per output with the defaults, many chains per round, all outputs distinct', async () => {
    const r = await engine.sampleAll({ modelId: 'uniform-gaussian-1d', sampler: { name: 'mh' }, count: 200, seed: 7 });
    expect(r.stats.proposalsPerOutput).toBe(640); // 64 chains of 640; a restart would add 639
    expect(r.stats.samplerDetails).toMatchObject({ restarts: 0, chains: 64, chainLength: 640 });
    expect(r.stats.distinctOutputs).toBe(200);
    // 250 decision batches of 512 proposals (8 per chain); self-sized inference rounds hold one or more of them.
    expect(r.stats.rounds).toBeLessThanOrEqual(Math.ceil((200 * 640) / 512));
    expect(r.stats.meanBatchSize).toBeGreaterThanOrEqual(512);
    expect(r.stats.samplerDetails!.moveRate).toBeGreaterThan(0.5); // exact ratio, M ≈ 2.4: most moves succeed
  });

  it('restart a chain that never leaves its real start from its first proposal, and say so', async () => {
    // K = 1: a chain sees one proposal; if the move from its real start is refused it restarts there.
    // Either way it outputs that first proposal, so the outputs are G's own samples, U[−3, 3].
    const r = await mh('uniform-gaussian-1d', { chainLength: 1 }, 8, { count: 5000 });
    expect(r.stats.samplerDetails!.restarts).toBeGreaterThan(500);
    expect(r.stats.proposalsPerOutput).toBe(1);
    expect(ksStatistic(r.samples, (x) => Math.min(1, Math.max(0, (x + 3) / 6)))).toBeLessThan(ksCritical(5000, 0.01));
    // Never a held-out real sample: those can lie outside G's support [−3, 3].
    for (const x of r.samples) expect(Math.abs(x)).toBeLessThanOrEqual(3);
  });

  it('give the same outputs for a seed whatever the batch size (proposals are dealt in order)', async () => {
    const request = { modelId: 'gaussian-mixture-1d', sampler: { name: 'mh', params: { chainLength: 50, chains: 8 } }, count: 100, seed: 9 };
    const a = await engine.sampleAll({ ...request, batchSize: 64 });
    const b = await engine.sampleAll({ ...request, batchSize: 1000 });
    expect(Array.from(b.samples)).toEqual(Array.from(a.samples));
    expect(b.stats.proposed).toBe(a.stats.proposed);
  });
});
