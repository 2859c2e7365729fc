/**
 * Small dense linear algebra for the evaluation metrics: float64, row-major, square matrices.
 *
 * Only what the Fréchet distance needs: a symmetric eigendecomposition (cyclic Jacobi), the
 * square root of a positive semi-definite matrix, and a square matrix product. Jacobi is
 * O(n³) per sweep and needs a handful of sweeps: fast for feature sizes up to a few hundred,
 * too slow for 2048-wide Inception features.
 */

/** Eigendecomposition of a symmetric matrix: `A = V · diag(values) · Vᵀ`. */
export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** n×n row-major; column j (`vectors[i * n + j]` over i) is the unit eigenvector of `values[j]`. */
  vectors: Float64Array;
}

/** Options for {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /** Stop once ‖offdiag(A)‖_F ≤ tolerance · ‖A‖_F. Default `Number.EPSILON`. */
  tolerance?: number;
  /** Upper bound on Jacobi sweeps (each sweep visits every pair p < q once). Default 100. */
  maxSweeps?: number;
}

/** Throws unless `a` holds an n×n matrix of finite numbers. */
function checkSquare(a: ArrayLike<number>, n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: n must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) throw new RangeError(`${name}: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new RangeError(`${name}: entry ${i} is not finite (${a[i]})`);
  }
}

/**
 * Eigendecomposition of a real symmetric n×n matrix (row-major) by the cyclic Jacobi method.
 *
 * The input is not modified; it is symmetrised as (A + Aᵀ)/2 first, so a matrix that is
 * symmetric only up to rounding is fine. Throws `RangeError` on a wrong length or a
 * non-finite entry. Eigenvalues come back ascending with matching eigenvector columns.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, options: SymmetricEigenOptions = {}): SymmetricEigen {
  checkSquare(a, n, 'symmetricEigen');
  const tolerance = options.tolerance ?? Number.EPSILON;
  const maxSweeps = options.maxSweeps ?? 100;

  const m = new Float64Array(n * n);
  const v = new Float64Array(n * n);
  let frobenius2 = 0;
  for (let i = 0; i < n; i++) {
    v[i * n + i] = 1;
    for (let j = 0; j < n; j++) {
      const x = 0.5 * ((a[i * n + j] as number) + (a[j * n + i] as number));
      m[i * n + j] = x;
      frobenius2 += x * x;
    }
  }
  const stop2 = tolerance * tolerance * frobenius2;

  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off2 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off2 += 2 * (m[p * n + q] as number) ** 2;
    if (off2 === 0 || off2 <= stop2) break;

    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] as number;
        if (apq === 0) continue;
        const app = m[p * n + p] as number;
        const aqq = m[q * n + q] as number;
        // Late in the iteration an element below the diagonal's rounding is set to zero outright
        // (Numerical Recipes' rule): rotating it would change nothing but guarantees termination.
        if (sweep > 3 && Math.abs(app) + 100 * Math.abs(apq) === Math.abs(app) && Math.abs(aqq) + 100 * Math.abs(apq) === Math.abs(aqq)) {
          m[p * n + q] = 0;
          m[q * n + p] = 0;
          continue;
        }
        // Rotation J (c at pp/qq, s at pq, −s at qp) with JᵀAJ zero at (p,q); Golub & Van Loan §8.5.
        const theta = (aqq - app) / (2 * apq);
        const t =
          Math.abs(theta) > 1e150
            ? 1 / (2 * theta) // sqrt(θ² + 1) would overflow; t ≈ 1/(2θ).
            : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← JᵀAJ touches only rows and columns p and q; A stays symmetric, so update both halves
        // in one pass and set the 2×2 block directly (its off-diagonal is zero by construction).
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = m[k * n + p] as number;
          const akq = m[k * n + q] as number;
          const kp = c * akp - s * akq;
          const kq = s * akp + c * akq;
          m[k * n + p] = kp;
          m[p * n + k] = kp;
          m[k * n + q] = kq;
          m[q * n + k] = kq;
        }
        m[p * n + p] = app - t * apq;
        m[q * n + q] = aqq + t * apq;
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          // V ← V·J
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  // Sort ascending, permuting eigenvector columns to match.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (m[i * n + i] as number) - (m[j * n + j] as number));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src] as number;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src] as number;
  });
  return { values, vectors };
}

/** Product of two n×n row-major matrices, `a · b`. */
export function multiplySquare(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  if (a.length !== n * n || b.length !== n * n) throw new RangeError(`multiplySquare: expected two ${n}×${n} matrices`);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] as number;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + aik * (b[k * n + j] as number);
    }
  }
  return out;
}

/**
 * Symmetric square root of a positive semi-definite n×n matrix: `V · diag(√λ) · Vᵀ`.
 *
 * Eigenvalues slightly below zero (rounding in a covariance estimate) are clamped to 0 before
 * the square root; a genuinely indefinite matrix is therefore treated as its PSD part.
 */
export function psdSqrt(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const roots = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (vectors[i * n + k] as number) * (roots[k] as number) * (vectors[j * n + k] as number);
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}
