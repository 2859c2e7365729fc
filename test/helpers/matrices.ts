/** Seeded random matrices for the linear-algebra and Fréchet tests, drawn from the engine's own PRNG. */
import type { Random } from '../../src/random.js';

/** n×m row-major matrix of standard normals. */
export function randomMatrix(n: number, m: number, rng: Random): Float64Array {
  return Float64Array.from({ length: n * m }, () => rng.normal());
}

/** A random SPD n×n matrix X·Xᵀ/(2n) + shift·I, X n×2n Gaussian: well conditioned for shift ≈ 0.5. */
export function randomSpd(n: number, rng: Random, shift = 0.5): Float64Array {
  const x = randomMatrix(n, 2 * n, rng);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < 2 * n; k++) s += (x[i * 2 * n + k] as number) * (x[j * 2 * n + k] as number);
      out[i * n + j] = s / (2 * n) + (i === j ? shift : 0);
    }
  }
  return out;
}

/** Largest absolute entry-wise difference of two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
