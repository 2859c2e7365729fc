import { describe, expect, it } from 'vitest';
import { multiplySquare, psdSqrt, symmetricEigen } from '../../src/evaluation/linalg.js';
import { Random } from '../../src/random.js';
import { maxAbsDiff, randomMatrix, randomSpd } from '../helpers/matrices.js';

/** V · diag(values) · Vᵀ. */
function reconstruct(values: Float64Array, vectors: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (vectors[i * n + k] as number) * (values[k] as number) * (vectors[j * n + k] as number);
      out[i * n + j] = s;
    }
  }
  return out;
}

function transpose(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a[i * n + j] as number;
  return out;
}

function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** A random symmetric (indefinite) n×n matrix with entries of order 1. */
function randomSymmetric(n: number, seed: number): Float64Array {
  const g = randomMatrix(n, n, new Random(seed));
  return g.map((_, idx) => 0.5 * ((g[idx] as number) + (g[(idx % n) * n + Math.floor(idx / n)] as number)));
}

describe('symmetricEigen', () => {
  it('returns the ascending eigenvalues of a hand-checkable 2×2 matrix', () => {
    // [[2,1],[1,2]] has eigenvalues 1 and 3 with eigenvectors (1,−1)/√2 and (1,1)/√2.
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(vectors[0 * 2 + 1] as number)).toBeCloseTo(Math.SQRT1_2, 14);
    expect((vectors[0 * 2 + 1] as number) * (vectors[1 * 2 + 1] as number)).toBeCloseTo(0.5, 14); // same sign
    expect((vectors[0 * 2 + 0] as number) * (vectors[1 * 2 + 0] as number)).toBeCloseTo(-0.5, 14); // opposite signs
  });

  it('sorts a diagonal matrix and permutes the unit vectors with it', () => {
    const { values, vectors } = symmetricEigen([5, 0, 0, 0, -1, 0, 0, 0, 2], 3);
    expect(Array.from(values)).toEqual([-1, 2, 5]);
    expect(Array.from(vectors)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it.each([8, 33, 64])('reconstructs a random symmetric %i×%i matrix as VΛVᵀ within 1e-9', (n) => {
    const a = randomSymmetric(n, 1000 + n);
    const before = Float64Array.from(a);
    const { values, vectors } = symmetricEigen(a, n);
    expect(maxAbsDiff(reconstruct(values, vectors, n), a)).toBeLessThan(1e-9);
    expect(maxAbsDiff(multiplySquare(transpose(vectors, n), vectors, n), identity(n))).toBeLessThan(1e-12); // VᵀV = I
    for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1] as number);
    expect(a).toEqual(before); // input untouched
  });

  it('handles repeated eigenvalues (identity plus a rank-one term)', () => {
    const n = 10;
    const u = Float64Array.from({ length: n }, (_, i) => (i + 1) / 10);
    const a = Float64Array.from({ length: n * n }, (_, idx) => (idx % (n + 1) === 0 ? 3 : 0) + (u[Math.floor(idx / n)] as number) * (u[idx % n] as number));
    const { values, vectors } = symmetricEigen(a, n);
    // Eigenvalue 3 nine times, and 3 + ‖u‖² once.
    const norm2 = u.reduce((s, x) => s + x * x, 0);
    for (let i = 0; i < n - 1; i++) expect(values[i]).toBeCloseTo(3, 12);
    expect(values[n - 1]).toBeCloseTo(3 + norm2, 12);
    expect(maxAbsDiff(reconstruct(values, vectors, n), a)).toBeLessThan(1e-12);
  });

  it('symmetrises an input that is symmetric only up to rounding', () => {
    const { values } = symmetricEigen([2, 1 + 1e-15, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
  });

  it('returns at once for the zero matrix and the empty matrix', () => {
    expect(Array.from(symmetricEigen(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
    expect(symmetricEigen([], 0).values.length).toBe(0);
  });

  it('rejects a wrong length or a non-finite entry', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/not finite/);
  });
});

describe('psdSqrt', () => {
  it('squares back to a random SPD matrix within 1e-12', () => {
    const n = 16;
    const s = randomSpd(n, new Random(7));
    const root = psdSqrt(s, n);
    expect(maxAbsDiff(multiplySquare(root, root, n), s)).toBeLessThan(1e-12);
    expect(maxAbsDiff(root, transpose(root, n))).toBe(0); // written symmetric
  });

  it('clamps a tiny negative eigenvalue to 0 instead of returning NaN', () => {
    const root = psdSqrt([4, 0, 0, -1e-18], 2);
    expect(Array.from(root)).toEqual([2, 0, 0, 0]);
  });
});

describe('multiplySquare', () => {
  it('multiplies a hand-checkable pair', () => {
    expect(Array.from(multiplySquare([1, 2, 3, 4], [5, 6, 7, 8], 2))).toEqual([19, 22, 43, 50]);
  });
});
