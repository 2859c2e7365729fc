/**
 * DDLS on the analytic pair langevin-gaussian-1d: G(z) = z, z ~ N(0, 1), and D's logit is the exact
 * log ratio log N(x; 1.5, 0.5²) − log N(x; 0, 1), so the DDLS target N(0, 1)·e^d is N(1.5, 0.5²)
 * exactly (the latent energy is E(z) = (z − 1.5)²/(2·0.25) + const).
 *
 * Unadjusted Langevin (`correction: none`) with step η has a known stationary law on this energy:
 * N(1.5, s²/(1 − η/(4s²))) with s² = 0.25, i.e. the discretisation only inflates the variance, by
 * 1/(1 − η). So the KS statistic against the target must shrink with η, as predicted, and the MH
 * correction (MALA) must remove the bias at a large step.
 *
 * Seeds are fixed, so every number below is deterministic. Tolerances, with N = 20,000 outputs:
 *  - KS against the target at the 1% level: 1.628/√N ≈ 0.0115 (the exact cases);
 *  - measured KS within 0.0115 of the KS the predicted stationary law has against the target
 *    (the same sampling noise on the difference of two CDFs);
 *  - sample standard deviation within 0.01 of the predicted one (its standard error here is
 *    sd/√(2N) ≈ 0.003, so 0.01 is > 3σ, while the bias at η = 0.4 is 0.146).
 * Each chain runs ⌈7.5/η⌉ steps: the mean's distance to 1.5 shrinks by (1 − 2η) per step, to
 * below 1e−6 of the start — burn-in error far under the noise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { createTestEngine } from '../helpers/engine.js';
import { ksCritical, ksStatistic, normalCdf } from '../helpers/stats.js';

const N = 20_000;
const MU = 1.5;
const S = 0.5;
const target = (x: number): number => normalCdf((x - MU) / S);
let engine: SamplingEngine;

beforeAll(async () => {
  ({ engine } = await createTestEngine({ pool: { workers: 1, intraOpNumThreads: 2 } }));
});
afterAll(() => engine.close());

const run = (params: object, seed: number) =>
  engine.sampleAll({ modelId: 'langevin-gaussian-1d', sampler: { name: 'ddls', params }, count: N, seed, batchSize: 5000, maxProposals: 20_000_000 });

function moments(xs: Float32Array): { mean: number; sd: number } {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, sd: Math.sqrt(v / xs.length) };
}

/** KS distance between N(MU, sd²) and the target N(MU, S²), on a fine grid. */
function predictedKs(sd: number): number {
  let worst = 0;
  for (let x = MU - 5 * S; x <= MU + 5 * S; x += 1e-4) worst = Math.max(worst, Math.abs(normalCdf((x - MU) / sd) - target(x)));
  return worst;
}

describe('DDLS approaches its target as the step size shrinks (unadjusted Langevin)', () => {
  // One test, in order: the trend is across step sizes (vitest shuffles tests).
  it('KS and spread follow the discretised dynamics at each step size, and the bias shrinks with it', async () => {
    const measured: { eta: number; ks: number; predicted: number }[] = [];
    for (const eta of [0.4, 0.2, 0.1, 0.05]) {
      const steps = Math.ceil(7.5 / eta);
      const result = await run({ steps, stepSize: eta, correction: 'none', independenceRate: 0 }, 41);
      expect(result.count).toBe(N);
      const predictedSd = S / Math.sqrt(1 - eta / (4 * S * S));
      const { mean, sd } = moments(result.samples);
      const ks = ksStatistic(result.samples, target);
      const predicted = predictedKs(predictedSd);
      measured.push({ eta, ks, predicted });
      expect(Math.abs(mean - MU)).toBeLessThan(0.02); // standard error 0.0036–0.0046
      expect(Math.abs(sd - predictedSd)).toBeLessThan(0.01);
      expect(Math.abs(ks - predicted)).toBeLessThan(ksCritical(N, 0.01));
      // gradient rounds per output as the stats report them: steps + 1 per chain, 3 proposals each
      expect(result.stats.samplerDetails?.gradientRowsPerOutput).toBe(steps + 1);
      expect(result.stats.proposalsPerOutput).toBe(3 * (steps + 1));
    }
    console.info(
      `DDLS (ULA) on langevin-gaussian-1d, N = ${N}: ` +
        measured.map((m) => `η ${m.eta}: KS ${m.ks.toFixed(4)} (predicted ${m.predicted.toFixed(4)})`).join(', '),
    );
    const ks = measured.map((m) => m.ks);
    expect(ks[0]!).toBeGreaterThan(0.05); // η = 0.4: predicted 0.067, far outside the noise
    for (let i = 1; i < ks.length - 1; i++) expect(ks[i]!).toBeLessThan(ks[i - 1]!);
    expect(ks.at(-1)!).toBeLessThan(ksCritical(N, 0.01));
  });
});

describe('the MH correction (MALA) removes the step-size bias', () => {
  it('η = 0.4, where unadjusted Langevin is far off: KS at the 1% level', async () => {
    const result = await run({ steps: 60, stepSize: 0.4, correction: 'mh', independenceRate: 0 }, 43);
    expect(ksStatistic(result.samples, target)).toBeLessThan(ksCritical(N, 0.01));
    expect(result.stats.samplerDetails?.moveRate).toBeGreaterThan(0.5);
  });

  it('with prior-draw proposals mixed in: still the target', async () => {
    const result = await run({ steps: 60, stepSize: 0.1, correction: 'mh', independenceRate: 0.3 }, 44);
    expect(ksStatistic(result.samples, target)).toBeLessThan(ksCritical(N, 0.01));
  });
});
