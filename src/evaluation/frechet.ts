/**
 * Fréchet distance between two Gaussians fitted to feature sets (FID when the features come
 * from Inception; any fixed embedding works the same way).
 */
import { multiplySquare, psdSqrt, symmetricEigen } from './linalg.js';

/** Mean and covariance of a feature set. */
export interface FeatureStatistics {
  /** Length `dim`. */
  mean: Float64Array;
  /** dim×dim row-major, unbiased (divides by count − 1). */
  covariance: Float64Array;
}

/**
 * Mean and unbiased covariance of `count` feature rows of width `dim` (row-major `features`).
 *
 * Accumulates in float64 with a two-pass (centre first) algorithm, so large means do not
 * swamp the covariance. Throws `RangeError` when `features.length !== count · dim`, when
 * `count < 2` (the unbiased covariance is undefined), or on a non-finite feature.
 */
export function featureStatistics(features: Float32Array, count: number, dim: number): FeatureStatistics {
  if (!Number.isInteger(count) || !Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`featureStatistics: count and dim must be integers with dim ≥ 1, got ${count}, ${dim}`);
  }
  if (count < 2) throw new RangeError(`featureStatistics: need at least 2 rows for an unbiased covariance, got ${count}`);
  if (features.length !== count * dim) {
    throw new RangeError(`featureStatistics: expected ${count}×${dim} = ${count * dim} values, got ${features.length}`);
  }
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) {
      const x = features[r * dim + j] as number;
      if (!Number.isFinite(x)) throw new RangeError(`featureStatistics: row ${r}, column ${j} is not finite (${x})`);
      mean[j] = (mean[j] as number) + x;
    }
  }
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / count;

  // Upper triangle from centred rows, then mirrored.
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) centred[j] = (features[r * dim + j] as number) - (mean[j] as number);
    for (let i = 0; i < dim; i++) {
      const ci = centred[i] as number;
      for (let j = i; j < dim; j++) covariance[i * dim + j] = (covariance[i * dim + j] as number) + ci * (centred[j] as number);
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const c = (covariance[i * dim + j] as number) / (count - 1);
      covariance[i * dim + j] = c;
      covariance[j * dim + i] = c;
    }
  }
  return { mean, covariance };
}

/** Throws unless `s` has a length-`dim` mean and a dim×dim covariance. */
function checkStatistics(s: FeatureStatistics, dim: number, name: string): void {
  if (s.mean.length !== dim || s.covariance.length !== dim * dim) {
    throw new RangeError(`frechetDistance: ${name} must have mean of length ${dim} and a ${dim}×${dim} covariance`);
  }
}

/**
 * Fréchet distance between N(μa, Σa) and N(μb, Σb):
 *
 *   ‖μa − μb‖² + tr(Σa) + tr(Σb) − 2 · tr((Σa^½ Σb Σa^½)^½)
 *
 * tr((ΣaΣb)^½) is computed as the sum of √λ over the eigenvalues λ of the symmetric PSD matrix
 * Σa^½ Σb Σa^½ (same spectrum as ΣaΣb), both by Jacobi eigendecomposition; eigenvalues that
 * rounding pushed below 0 are clamped to 0. Unlike scipy's `sqrtm` route this never returns a
 * complex residue. A tiny negative total (rounding, identical inputs) is clamped to 0.
 * About 20 ms for dim = 64 once the JIT has warmed up (a first call is slower); cost grows as dim³.
 */
export function frechetDistance(a: FeatureStatistics, b: FeatureStatistics, dim: number): number {
  checkStatistics(a, dim, 'a');
  checkStatistics(b, dim, 'b');
  let meanTerm = 0;
  for (let i = 0; i < dim; i++) meanTerm += ((a.mean[i] as number) - (b.mean[i] as number)) ** 2;
  let traces = 0;
  for (let i = 0; i < dim; i++) traces += (a.covariance[i * dim + i] as number) + (b.covariance[i * dim + i] as number);

  const rootA = psdSqrt(a.covariance, dim);
  const product = multiplySquare(multiplySquare(rootA, b.covariance, dim), rootA, dim);
  const { values } = symmetricEigen(product, dim); // symmetrises away the product's rounding
  let traceRoot = 0;
  for (const lambda of values) traceRoot += Math.sqrt(Math.max(lambda, 0));

  return Math.max(0, meanTerm + traces - 2 * traceRoot);
}
