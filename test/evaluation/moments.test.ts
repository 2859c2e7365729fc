/** Feature moments folded chunk by chunk equal the whole set's (streams score chunks as they arrive). */
import { describe, expect, it } from 'vitest';
import { FeatureMoments, featureStatistics } from '../../src/evaluation/frechet.js';
import { Random } from '../../src/random.js';

describe('FeatureMoments', () => {
  it('gives the same mean and covariance whether rows arrive at once or in uneven chunks', () => {
    const rng = new Random(11);
    const dim = 5;
    const rows = 300;
    // A large offset on top of unit noise: the naive Σx² − nμ² form loses most digits here.
    const features = Float32Array.from({ length: rows * dim }, (_, i) => 1000 + (i % dim) + rng.normal());
    const whole = featureStatistics(features, rows, dim);
    const moments = new FeatureMoments(dim);
    for (const [start, end] of [
      [0, 1],
      [1, 2],
      [2, 77],
      [77, 78],
      [78, 300],
    ] as const)
      moments.add(features.subarray(start * dim, end * dim), end - start);
    const chunked = moments.statistics();
    // Tolerance: float64 accumulation over 300 rows of O(1) deviations; 1e-9 relative is far above rounding.
    chunked.mean.forEach((v, i) => expect(v).toBeCloseTo(whole.mean[i]!, 9));
    chunked.covariance.forEach((v, i) => expect(Math.abs(v - whole.covariance[i]!)).toBeLessThan(1e-9 * (1 + Math.abs(whole.covariance[i]!))));
    expect(chunked.covariance[0]).toBeGreaterThan(0.7); // unit-variance noise survives the offset
  });

  it('needs two rows and refuses non-finite features', () => {
    expect(() => new FeatureMoments(2).add(Float32Array.from([1, 2]), 1).statistics()).toThrow(/at least 2 rows/);
    expect(() => new FeatureMoments(2).add(Float32Array.from([1, NaN]), 1)).toThrow(/not finite/);
  });
});
