/** Float64 helpers for DRS; see docs/sampling.md, "Numerics", for why each form is needed. */

/** log(1 − e^{−a}) for a > 0, stable at both ends (Mächler's log1mexp). */
export function log1mexp(a: number): number {
  if (!(a > 0)) return a === 0 ? -Infinity : NaN;
  return a < Math.LN2 ? Math.log(-Math.expm1(-a)) : Math.log1p(-Math.exp(-a));
}

/** σ(x) without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * F(x) before the γ shift: F = Δ − log(1 − e^{Δ − ε}) with Δ = D̃(x) − D̃_M ≤ 0
 * (docs/sampling.md, "DRS step by step"). Written as Δ − log1mexp(ε − Δ), finite for every Δ ≤ 0 when ε > 0.
 */
export function drsF(logit: number, logitMax: number, epsilon: number): number {
  const delta = logit - logitMax;
  return delta - log1mexp(epsilon - delta);
}
