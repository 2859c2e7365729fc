/** Small, dependency-free statistics for the sampler tests. */

/** erf with |error| < 1.2e-7 (Numerical Recipes' erfc Chebyshev fit). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

export const normalCdf = (x: number, mean = 0, std = 1): number => 0.5 * (1 + erf((x - mean) / (std * Math.SQRT2)));

/** CDF of N(mean, std²) truncated to [low, high]. */
export function truncatedNormalCdf(mean: number, std: number, low: number, high: number): (x: number) => number {
  const a = normalCdf(low, mean, std);
  const z = normalCdf(high, mean, std) - a;
  return (x) => (x <= low ? 0 : x >= high ? 1 : (normalCdf(x, mean, std) - a) / z);
}

/** Two-sided one-sample Kolmogorov–Smirnov statistic D_n. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(samples).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i] as number);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/** Asymptotic KS critical value at level α (1.628/√n at 1%, 1.358/√n at 5%). */
export function ksCritical(n: number, alpha: 0.01 | 0.05): number {
  return (alpha === 0.01 ? 1.628 : 1.358) / Math.sqrt(n);
}
