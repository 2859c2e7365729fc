/** Seeded randomness for the evaluation tests (no Math.random: every run sees the same numbers). */

/** mulberry32: a 32-bit seeded PRNG returning uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform(); // (0, 1]: log(0) never happens
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** n×m row-major matrix of standard normals. */
export function randomMatrix(n: number, m: number, normal: () => number): Float64Array {
  return Float64Array.from({ length: n * m }, () => normal());
}

/** A random SPD n×n matrix X·Xᵀ/(2n) + shift·I, X n×2n Gaussian: well conditioned for shift ≈ 0.5. */
export function randomSpd(n: number, normal: () => number, shift = 0.5): Float64Array {
  const x = randomMatrix(n, 2 * n, normal);
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
