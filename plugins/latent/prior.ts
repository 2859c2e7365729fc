/**
 * The latent prior's part of the energy, shared by the latent samplers (docs/sampling.md, "Moving
 * the latent"): N(0, I) contributes ‖z‖²/2 and its gradient z; U[−1, 1]^dim contributes nothing
 * inside the box and is infinite outside (a move out of the box is folded back in by reflection).
 */
import type { ModelDescriptor } from '../../src/contracts.js';

export interface LatentPrior {
  /** −log p_z(z) up to a constant, for row `r` of `z` (`dim` values per row). */
  energy(z: Float64Array, r: number, dim: number): number;
  /** Adds ∇(−log p_z)(z) of row `r` into `out` (at the same offset). */
  addGradient(z: Float64Array, r: number, dim: number, out: Float64Array): void;
  /** Folds row `r` back into the support (uniform: reflection at ±1); a no-op for the normal prior. */
  fold(z: Float64Array, r: number, dim: number): void;
  /** Whether row `r` lies in the support. */
  inside(z: Float64Array, r: number, dim: number): boolean;
}

const NORMAL: LatentPrior = {
  energy(z, r, dim) {
    let s = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) s += (z[j] as number) ** 2;
    return s / 2;
  },
  addGradient(z, r, dim, out) {
    for (let j = r * dim; j < (r + 1) * dim; j++) out[j] = (out[j] as number) + (z[j] as number);
  },
  fold: () => undefined,
  inside: () => true,
};

const UNIFORM: LatentPrior = {
  energy: (z, r, dim) => (UNIFORM.inside(z, r, dim) ? 0 : Infinity),
  addGradient: () => undefined,
  fold(z, r, dim) {
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      let v = z[j] as number;
      // reflect at ±1 until inside (a step longer than the box folds more than once)
      for (let guard = 0; (v > 1 || v < -1) && guard < 64; guard++) v = v > 1 ? 2 - v : -2 - v;
      z[j] = Math.max(-1, Math.min(1, v));
    }
  },
  inside(z, r, dim) {
    for (let j = r * dim; j < (r + 1) * dim; j++) if (!((z[j] as number) >= -1 && (z[j] as number) <= 1)) return false;
    return true;
  },
};

export function latentPrior(model: ModelDescriptor): LatentPrior {
  return model.latentDistribution === 'uniform' ? UNIFORM : NORMAL;
}
