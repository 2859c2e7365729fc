import { describe, expect, it } from 'vitest';
import { featureStatistics, frechetDistance, type FeatureStatistics } from '../../src/evaluation/frechet.js';
import { multiplySquare } from '../../src/evaluation/linalg.js';
import { Random } from '../../src/random.js';
import { randomMatrix, randomSpd } from '../helpers/matrices.js';

function stats(mean: number[] | Float64Array, covariance: number[] | Float64Array): FeatureStatistics {
  return { mean: Float64Array.from(mean), covariance: Float64Array.from(covariance) };
}

function diagonal(values: number[]): Float64Array {
  const n = values.length;
  const out = new Float64Array(n * n);
  values.forEach((v, i) => {
    out[i * n + i] = v;
  });
  return out;
}

function transpose(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a[i * n + j] as number;
  return out;
}

/** A random orthogonal matrix by Gram–Schmidt on Gaussian columns (no eigen solver involved). */
function randomRotation(n: number, rng: Random): Float64Array {
  const q = randomMatrix(n, n, rng); // column j = q[i*n + j]
  for (let j = 0; j < n; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (q[i * n + j] as number) * (q[i * n + p] as number);
      for (let i = 0; i < n; i++) q[i * n + j] = (q[i * n + j] as number) - dot * (q[i * n + p] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (q[i * n + j] as number) ** 2;
    for (let i = 0; i < n; i++) q[i * n + j] = (q[i * n + j] as number) / Math.sqrt(norm);
  }
  return q;
}

/** Inverse by Gauss–Jordan elimination with partial pivoting. */
function inverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = diagonal(new Array<number>(n).fill(1));
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c] as number) > Math.abs(m[pivot * n + c] as number)) pivot = r;
    for (const x of [m, inv])
      for (let k = 0; k < n; k++) {
        const t = x[c * n + k] as number;
        x[c * n + k] = x[pivot * n + k] as number;
        x[pivot * n + k] = t;
      }
    const d = m[c * n + c] as number;
    for (const x of [m, inv]) for (let k = 0; k < n; k++) x[c * n + k] = (x[c * n + k] as number) / d;
    for (let r = 0; r < n; r++) {
      const f = m[r * n + c] as number;
      if (r === c || f === 0) continue;
      for (const x of [m, inv]) for (let k = 0; k < n; k++) x[r * n + k] = (x[r * n + k] as number) - f * (x[c * n + k] as number);
    }
  }
  return inv;
}

/**
 * tr((ΣaΣb)^½) by the Denman–Beavers iteration on the non-symmetric product ΣaΣb: an independent
 * route to the Fréchet trace term that uses no eigendecomposition at all.
 */
function traceSqrtDenmanBeavers(sa: Float64Array, sb: Float64Array, n: number): number {
  let y = multiplySquare(sa, sb, n);
  let z = diagonal(new Array<number>(n).fill(1));
  for (let iter = 0; iter < 50; iter++) {
    const yInv = inverse(y, n);
    const zInv = inverse(z, n);
    y = y.map((v, i) => 0.5 * (v + (zInv[i] as number)));
    z = z.map((v, i) => 0.5 * (v + (yInv[i] as number)));
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += y[i * n + i] as number;
  return trace;
}

describe('featureStatistics', () => {
  it('computes the mean and unbiased covariance of a hand-checkable set', () => {
    // Rows (1,2) and (3,6): mean (2,4); deviations ±(1,2) over n − 1 = 1 → [[2,4],[4,8]].
    const s = featureStatistics(Float32Array.from([1, 2, 3, 6]), 2, 2);
    expect(Array.from(s.mean)).toEqual([2, 4]);
    expect(Array.from(s.covariance)).toEqual([2, 4, 4, 8]);
  });

  it('keeps the covariance exact under a large offset (two-pass, float64)', () => {
    // 1e6 + {0, 1, 2} is exact in float32; its variance is 1 whatever the offset.
    const s = featureStatistics(Float32Array.from([1e6, 1e6 + 1, 1e6 + 2]), 3, 1);
    expect(Array.from(s.mean)).toEqual([1e6 + 1]);
    expect(Array.from(s.covariance)).toEqual([1]);
  });

  it('rejects fewer than two rows, a wrong length and non-finite features', () => {
    expect(() => featureStatistics(Float32Array.from([1, 2]), 1, 2)).toThrow(/at least 2 rows/);
    expect(() => featureStatistics(Float32Array.from([1, 2, 3]), 2, 2)).toThrow(RangeError);
    expect(() => featureStatistics(Float32Array.from([1, NaN, 3, 4]), 2, 2)).toThrow(/not finite/);
  });
});

describe('frechetDistance', () => {
  const rng = new Random(20240601);
  const dim = 64;
  const a = stats(randomMatrix(1, dim, rng), randomSpd(dim, rng));
  const b = stats(randomMatrix(1, dim, rng), randomSpd(dim, rng));

  it('is 0 for identical 64-D statistics (within 1e-9)', () => {
    expect(frechetDistance(a, a, dim)).toBeLessThan(1e-9);
    expect(frechetDistance(a, a, dim)).toBeGreaterThanOrEqual(0);
  });

  it('matches the 1-D closed form (μa − μb)² + (σa − σb)²', () => {
    expect(frechetDistance(stats([1], [4]), stats([-2], [9]), 1)).toBeCloseTo(9 + 1, 12);
  });

  it('matches Σ(Δμ)² + Σ(σa − σb)² for diagonal covariances', () => {
    const sdA = [0.5, 1, 2, 3];
    const sdB = [1.5, 1, 0.25, 4];
    const fd = frechetDistance(stats([0, 1, 2, 3], diagonal(sdA.map((s) => s * s))), stats([1, 1, 0, 3], diagonal(sdB.map((s) => s * s))), 4);
    expect(fd).toBeCloseTo(1 + 0 + 4 + 0 + (1 + 0 + 1.75 ** 2 + 1), 12);
  });

  it('is symmetric, FD(a, b) = FD(b, a), for non-commuting 64-D covariances', () => {
    const ab = frechetDistance(a, b, dim);
    expect(ab).toBeGreaterThan(1);
    expect(Math.abs(ab - frechetDistance(b, a, dim))).toBeLessThan(1e-9 * ab);
  });

  it('matches the diagonal formula after one random 64-D rotation of both covariances', () => {
    // Σ = Q·D·Qᵀ for both: they commute, so the trace term is Σ√(da·db) exactly.
    const r = new Random(99);
    const q = randomRotation(dim, r);
    const da = Array.from({ length: dim }, () => 0.1 + r.normal() ** 2);
    const db = Array.from({ length: dim }, () => 0.1 + r.normal() ** 2);
    const rotate = (d: number[]) => multiplySquare(multiplySquare(q, diagonal(d), dim), transpose(q, dim), dim);
    const muA = randomMatrix(1, dim, r);
    const muB = randomMatrix(1, dim, r);
    let expected = 0;
    for (let i = 0; i < dim; i++) {
      expected += ((muA[i] as number) - (muB[i] as number)) ** 2 + (Math.sqrt(da[i] as number) - Math.sqrt(db[i] as number)) ** 2;
    }
    expect(Math.abs(frechetDistance(stats(muA, rotate(da)), stats(muB, rotate(db)), dim) - expected)).toBeLessThan(1e-9 * expected);
  });

  it('matches the 2-D closed form tr√(ΣaΣb) = √(tr(ΣaΣb) + 2√(det Σa · det Σb)) for non-commuting covariances', () => {
    const sa = [2, 0.5, 0.5, 1];
    const sb = [1, -0.3, -0.3, 0.5];
    const trProduct = 2 * 1 + 0.5 * -0.3 + 0.5 * -0.3 + 1 * 0.5;
    const traceRoot = Math.sqrt(trProduct + 2 * Math.sqrt((2 - 0.25) * (0.5 - 0.09)));
    const expected = 1 + 3 + 1.5 - 2 * traceRoot; // mean difference (1, 0)
    expect(frechetDistance(stats([1, 0], sa), stats([0, 0], sb), 2)).toBeCloseTo(expected, 12);
  });

  it('agrees with an eigen-free Denman–Beavers computation on random non-commuting 64-D covariances', () => {
    let meanTerm = 0;
    let traces = 0;
    for (let i = 0; i < dim; i++) {
      meanTerm += ((a.mean[i] as number) - (b.mean[i] as number)) ** 2;
      traces += (a.covariance[i * dim + i] as number) + (b.covariance[i * dim + i] as number);
    }
    const expected = meanTerm + traces - 2 * traceSqrtDenmanBeavers(a.covariance, b.covariance, dim);
    expect(Math.abs(frechetDistance(a, b, dim) - expected)).toBeLessThan(1e-9 * expected);
  });

  it('estimates ‖Δμ‖² from seeded samples of two unit Gaussians', () => {
    // The mean term dominates the error: μ̂a − μ̂b = Δμ + N(0, 2/n·I), so ‖μ̂a − μ̂b‖² has sd
    // ≈ 2‖Δμ‖·√(2/n) = 0.021 at n = 40,000 (over 200 seeds: 0.021); the trace term of two
    // estimated identity covariances adds O(d²/n). 0.1 is about 4.7 sds. (At n = 4000 the sd is
    // 0.067, which no honest tolerance below ~0.3 covers.)
    const r = new Random(5);
    const n = 40_000;
    const shift = [1, 0, -1, 0.5];
    const xa = Float32Array.from({ length: n * 4 }, () => r.normal());
    const xb = Float32Array.from({ length: n * 4 }, (_, i) => r.normal() + (shift[i % 4] as number));
    const fd = frechetDistance(featureStatistics(xa, n, 4), featureStatistics(xb, n, 4), 4);
    expect(Math.abs(fd - 2.25)).toBeLessThan(0.1);
  });

  it('rejects statistics of the wrong size', () => {
    expect(() => frechetDistance(stats([0], [1]), stats([0, 0], [1, 0, 0, 1]), 2)).toThrow(RangeError);
  });
});
