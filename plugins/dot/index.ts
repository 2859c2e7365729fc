/**
 * Discriminator Optimal Transport in latent space (Tanaka, NeurIPS 2019; docs/sampling.md,
 * "Moving the latent"): each seeded prior draw y is moved by gradient descent on
 *   J(z) = ‖z − y‖ − d(G(z)) / k_eff,  starting at z = y,
 * and G(z) is output. k_eff, the Lipschitz constant of d∘G estimated as in the paper, is the
 * largest |d(G(y)) − d(G(y′))| / ‖y − y′‖ over 100 pairs of prior draws (once per run, one
 * gradient round of 200 rows). ‖·‖ is smoothed as √(‖z − y‖² + δ²), δ = 10⁻³, so that its
 * gradient exists at z = y. A chain costs steps + 1 gradient rounds.
 */
import {
  LATENT_EXTENSION_VERSION,
  SAMPLER_CONTRACT_VERSION,
  type LatentBatch,
  type LatentRandomSource,
  type LatentSamplerPlugin,
  type LatentSamplerState,
} from '../../src/contracts.js';
import { latentPrior, type LatentPrior } from '../latent/prior.js';

const NAME = 'dot';
/** Pairs of prior draws behind the k_eff estimate (the paper's 100). */
export const KEFF_PAIRS = 100;
/** Smoothing of ‖z − y‖ at z = y (the paper's δ). */
const DELTA = 1e-3;

export function createDotSampler(): LatentSamplerPlugin {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    kind: 'latent',
    latentVersion: LATENT_EXTENSION_VERSION,
    name: NAME,
    description:
      'Discriminator Optimal Transport (latent space): moves each prior draw y by gradient descent on ‖z − y‖ − d(G(z))/k_eff, k_eff estimated from 100 pairs. ' +
      'Deterministic given y; needs the model’s latent-gradient graph; one gradient row costs 3 proposals.',
    parameters: [
      {
        name: 'steps',
        type: 'int',
        default: 20,
        min: 1,
        max: 10_000,
        description: 'Gradient steps per output (each a gradient round; a chain costs steps + 1).',
      },
      { name: 'learningRate', type: 'float', default: 0.01, min: 1e-8, max: 10, description: 'ε in z ← z − ε·∇J(z).' },
    ],
    start(params, _prepared, context) {
      return new DotState(
        params.steps as number,
        params.learningRate as number,
        latentPrior(context.model),
        context.random,
        context.model.latentDistribution ?? 'normal',
      );
    },
  };
}

class DotState implements LatentSamplerState {
  private keff: number | undefined;
  private dropped = 0;
  private displacement = 0;
  private moved = 0;

  constructor(
    private readonly steps: number,
    private readonly learningRate: number,
    private readonly prior: LatentPrior,
    private readonly random: LatentRandomSource,
    private readonly distribution: string,
  ) {}

  async move(batch: LatentBatch): Promise<void> {
    const { rows, latentDim: dim } = batch;
    const keff = (this.keff ??= await this.estimateKeff(batch));
    const y = batch.latents;
    const z = y.slice();
    const alive = new Uint8Array(rows).fill(1);
    let current = await batch.gradient(z);
    for (let t = 0; ; t++) {
      for (let r = 0; r < rows; r++) if (!Number.isFinite(current.logits[r])) alive[r] = 0;
      if (t === this.steps) break;
      for (let r = 0; r < rows; r++) {
        if (!alive[r]) continue;
        let norm2 = 0;
        for (let j = r * dim; j < (r + 1) * dim; j++) norm2 += ((z[j] as number) - (y[j] as number)) ** 2;
        const norm = Math.sqrt(norm2 + DELTA * DELTA);
        for (let j = r * dim; j < (r + 1) * dim; j++) {
          const grad = ((z[j] as number) - (y[j] as number)) / norm - (current.gradients[j] as number) / keff;
          z[j] = (z[j] as number) - this.learningRate * grad;
        }
        this.prior.fold(z, r, dim);
      }
      current = await batch.gradient(z);
    }
    for (let r = 0; r < rows; r++) {
      if (!alive[r]) {
        this.dropped++;
        continue;
      }
      let d2 = 0;
      for (let j = r * dim; j < (r + 1) * dim; j++) d2 += ((z[j] as number) - (y[j] as number)) ** 2;
      this.displacement += Math.sqrt(d2);
      this.moved++;
      batch.emit(current, r);
    }
  }

  report() {
    return {
      details: {
        steps: this.steps,
        learningRate: this.learningRate,
        ...(this.keff === undefined ? {} : { keff: this.keff }),
        meanDisplacement: this.moved > 0 ? this.displacement / this.moved : 0,
        droppedChains: this.dropped,
      },
    };
  }

  /** k_eff = max over 100 pairs of prior draws of |d(G(y)) − d(G(y′))| / ‖y − y′‖ (pairs without finite logits are skipped). */
  private async estimateKeff(batch: LatentBatch): Promise<number> {
    const dim = batch.latentDim;
    const y = new Float64Array(2 * KEFF_PAIRS * dim);
    for (let i = 0; i < y.length; i++) y[i] = this.distribution === 'uniform' ? 2 * this.random.uniform() - 1 : this.random.normal();
    const round = await batch.gradient(y);
    let keff = 0;
    for (let p = 0; p < KEFF_PAIRS; p++) {
      const a = 2 * p;
      const b = a + 1;
      const da = round.logits[a] as number;
      const db = round.logits[b] as number;
      if (!Number.isFinite(da) || !Number.isFinite(db)) continue;
      let dist2 = 0;
      for (let j = 0; j < dim; j++) dist2 += ((y[a * dim + j] as number) - (y[b * dim + j] as number)) ** 2;
      if (dist2 > 0) keff = Math.max(keff, Math.abs(da - db) / Math.sqrt(dist2));
    }
    return keff > 0 ? keff : 1; // a constant d∘G: nothing pulls, any scale will do
  }
}
