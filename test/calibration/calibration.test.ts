/**
 * The calibration math on data with a known answer. Seeds are fixed; tolerances are stated
 * next to each assertion.
 */
import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, zStatistic } from '../../src/calibration/diagnostics.js';
import { fitCalibration } from '../../src/calibration/fit.js';
import { fitIsotonic, isotonicProbability } from '../../src/calibration/isotonic.js';
import { fitPlatt, sigmoid } from '../../src/calibration/platt.js';
import { Random } from '../../src/random.js';

/** Logits of a D whose true log odds are `t`, reported as `scale·t + shift`, for real (t ~ N(1, 1)) and generated (t ~ N(−1, 1)) samples. */
function miscalibrated(n: number, scale: number, shift: number, seed: number): { real: Float64Array; generated: Float64Array } {
  // Two unit-variance Gaussians 2 apart: the true log odds of x are 2x, i.e. t = 2x.
  const rng = new Random(seed);
  const real = Float64Array.from({ length: n }, () => scale * 2 * (1 + rng.normal()) + shift);
  const generated = Float64Array.from({ length: n }, () => scale * 2 * (-1 + rng.normal()) + shift);
  return { real, generated };
}

describe('Platt scaling', () => {
  it('recovers an affine miscalibration of the logit', () => {
    const { real, generated } = miscalibrated(20_000, 3, 1.5, 1);
    const logits = Float64Array.from([...real, ...generated]);
    const labels = Float64Array.from(logits, (_, i) => (i < real.length ? 1 : 0));
    const { a, b } = fitPlatt(logits, labels);
    // True map: t = (l − 1.5)/3, so a = 1/3, b = −0.5. Standard error with 40,000 points is ~1%; allow 3%.
    expect(a).toBeCloseTo(1 / 3, 1);
    expect(Math.abs(a - 1 / 3) / (1 / 3)).toBeLessThan(0.03);
    expect(Math.abs(b + 0.5)).toBeLessThan(0.05);
  });

  it('stays finite on separable data (the ridge)', () => {
    const { a, b } = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(a).toBeGreaterThan(0);
  });
});

describe('isotonic calibration', () => {
  it('pools adjacent violators into a non-decreasing fit, equal logits pooled', () => {
    const fit = fitIsotonic([1, 2, 3, 4, 4, 5], [0, 1, 0, 1, 0, 1], 1);
    // Blocks {1}: 0; {2, 3}: ½ (3 violated); the tied 4s pooled: ½ (equal means are no violation, so a block of its own); {5}: 1.
    // The ends are clipped to 1/(2n) and 1 − 1/(2n) with n = 6.
    expect(Array.from(fit.values)).toEqual([1 / 12, 0.5, 0.5, 1 - 1 / 12]);
    expect(Array.from(fit.centres)).toEqual([1, 2.5, 4, 5]);
    for (let i = 1; i < fit.values.length; i++) expect(fit.values[i]!).toBeGreaterThanOrEqual(fit.values[i - 1]!);
  });

  it('interpolates linearly between block centres and is constant outside them', () => {
    const fit = { centres: Float64Array.from([0, 2]), values: Float64Array.from([0.2, 0.6]) };
    expect(isotonicProbability(fit, -5)).toBe(0.2);
    expect(isotonicProbability(fit, 1)).toBeCloseTo(0.4, 12);
    expect(isotonicProbability(fit, 1, false)).toBe(0.2); // the plain step function
    expect(isotonicProbability(fit, 9)).toBe(0.6);
  });

  it('clips all-real and all-generated blocks to [1/(2n), 1 − 1/(2n)] so every logit is finite', () => {
    const fit = fitIsotonic([-1, 1], [0, 1], 1);
    expect(Array.from(fit.values)).toEqual([0.25, 0.75]);
  });

  it('pools blocks lighter than ⌈√n⌉ samples, so a few real samples at the top cannot saturate it', () => {
    // 100 samples: PAV alone ends in a block of the 3 top logits, all real (share 1).
    const logits = Array.from({ length: 100 }, (_, i) => i);
    const labels = logits.map((i) => (i >= 97 ? 1 : i % 2));
    const raw = fitIsotonic(logits, labels, 1);
    expect(raw.values.at(-1)).toBe(1 - 1 / 200);
    const pooled = fitIsotonic(logits, labels); // blocks of at least 10
    expect(pooled.values.at(-1)!).toBeLessThan(0.7);
    for (let k = 1; k < pooled.values.length; k++) expect(pooled.values[k]!).toBeGreaterThanOrEqual(pooled.values[k - 1]!);
  });
});

describe('diagnostics', () => {
  it('Z is about standard normal for calibrated probabilities and large for overconfident ones', () => {
    const rng = new Random(3);
    const p = Float64Array.from({ length: 20_000 }, () => rng.uniform());
    const y = Float64Array.from(p, (q) => (rng.uniform() < q ? 1 : 0));
    expect(Math.abs(zStatistic(p, y))).toBeLessThan(4); // |N(0,1)| < 4 with probability 1 − 6e-5
    expect(expectedCalibrationError(p, y)).toBeLessThan(0.02);
    const sharp = p.map((q) => sigmoid(3 * Math.log(q / (1 - q)) + 1)); // overconfident and shifted
    expect(Math.abs(zStatistic(sharp, y))).toBeGreaterThan(10);
    expect(expectedCalibrationError(sharp, y)).toBeGreaterThan(0.1);
  });

  it('ECE is the bin-weighted gap between mean label and mean probability', () => {
    expect(expectedCalibrationError([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 1])).toBeCloseTo(0.05, 12);
  });
});

describe('fitCalibration', () => {
  it('fits on one half, judges on the other, and both methods bring Z near 0 for a miscalibrated D', () => {
    const { real, generated } = miscalibrated(4000, 3, 1.5, 7);
    const fit = fitCalibration({ realLogits: real, generatedLogits: generated, seed: 1 });
    expect(fit.reports.map((r) => r.method)).toEqual(['platt', 'isotonic']);
    for (const r of fit.reports) {
      expect(r.count).toBe(4000);
      expect(Math.abs(r.zBefore)).toBeGreaterThan(5); // the shift by 1.5 logits biases every probability
      expect(Math.abs(r.zAfter)).toBeLessThan(4); // calibrated on independent data: Z ~ N(0, 1)
      expect(r.eceAfter).toBeLessThan(r.eceBefore);
    }
    const platt = fit.calibrators.get('platt')!;
    expect(platt.logit(1.5)).toBeCloseTo(0, 0); // l = 1.5 is t = 0
    const isotonic = fit.calibrators.get('isotonic')!;
    for (let l = -20; l < 20; l += 0.37) expect(isotonic.logit(l + 0.37)).toBeGreaterThanOrEqual(isotonic.logit(l));
    expect(fit.calibrators.get('none')!.logit(3.25)).toBe(3.25);
  });

  it('is deterministic for a seed and skips non-finite logits', () => {
    const { real, generated } = miscalibrated(1000, 1, 0, 9);
    const withNaN = Float64Array.from([...real, NaN, Infinity]);
    const a = fitCalibration({ realLogits: withNaN, generatedLogits: generated, seed: 4 });
    const b = fitCalibration({ realLogits: withNaN, generatedLogits: generated, seed: 4 });
    expect(a.reports).toEqual(b.reports);
    expect(Number.isFinite(a.reports[0]!.zAfter)).toBe(true);
  });
});
