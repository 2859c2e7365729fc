/**
 * Discriminator Driven Latent Sampling (Che et al., NeurIPS 2020; docs/sampling.md, "Moving the
 * latent"): Langevin dynamics in latent space on the energy E(z) = −log p_z(z) − d(G(z)), whose
 * stationary distribution maps through G to p_g·e^d, the distribution exact DRS targets. Each
 * output is one chain started at a seeded prior draw and moved `steps` times:
 *   z ← z − (η/2)·∇E(z) + s·√η·ξ,  ξ ~ N(0, I)   (η = stepSize, s = noiseScale; s = 1 is Langevin).
 * `correction: mh` accepts each move with the Metropolis–Hastings ratio of that Gaussian proposal
 * (MALA), which removes the step-size bias; `none` is the paper's unadjusted dynamics.
 * With `correction: mh`, `independenceRate` makes that share of the proposals fresh prior draws
 * z′ ~ p_z instead of Langevin moves, accepted with min(1, e^{d(G(z′)) − d(G(z))}) (the MH-GAN
 * move, in latent space): it leaves the same target invariant and moves chains between modes,
 * which Langevin steps small enough for the modes' width cannot.
 * A chain costs steps + 1 gradient rounds (the start is evaluated too).
 */
import {
  LATENT_EXTENSION_VERSION,
  SAMPLER_CONTRACT_VERSION,
  SamplerParameterError,
  type GradientRound,
  type LatentBatch,
  type LatentRandomSource,
  type LatentSamplerPlugin,
  type LatentSamplerState,
} from '../../src/contracts.js';
import { latentPrior, type LatentPrior } from '../latent/prior.js';

const NAME = 'ddls';

export const DdlsCorrection = { NONE: 'none', MH: 'mh' } as const;
export type DdlsCorrection = (typeof DdlsCorrection)[keyof typeof DdlsCorrection];

export function createDdlsSampler(): LatentSamplerPlugin {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    kind: 'latent',
    latentVersion: LATENT_EXTENSION_VERSION,
    name: NAME,
    description:
      'Discriminator Driven Latent Sampling: Langevin dynamics on E(z) = ‖z‖²/2 − d(G(z)), targeting p_g·e^d (the distribution exact DRS targets) without rejection. ' +
      'Needs the model’s latent-gradient graph; one gradient row costs 3 proposals.',
    parameters: [
      {
        name: 'steps',
        type: 'int',
        default: 40,
        min: 1,
        max: 10_000,
        description: 'Langevin steps per output (each a gradient round; a chain costs steps + 1).',
      },
      { name: 'stepSize', type: 'float', default: 0.003, min: 1e-8, max: 10, description: 'η in z ← z − (η/2)∇E(z) + noiseScale·√η·ξ.' },
      {
        name: 'noiseScale',
        type: 'float',
        default: 1,
        min: 0,
        max: 10,
        description: 'Multiplies the √η·ξ noise; 1 is Langevin dynamics, 0 is gradient descent on E.',
      },
      {
        name: 'correction',
        type: 'enum',
        values: Object.values(DdlsCorrection),
        default: DdlsCorrection.MH,
        description:
          'none: the paper’s unadjusted Langevin (biased by the step size); mh: accept each move with the Metropolis–Hastings ratio (MALA), exact for any step size.',
      },
      {
        name: 'independenceRate',
        type: 'float',
        default: 0.3,
        min: 0,
        max: 1,
        description: 'With correction mh: the share of proposals that are fresh prior draws, accepted with min(1, e^{d′ − d}) (jumps between modes).',
      },
    ],
    validate(params, given) {
      // The default rate goes with the default correction: `correction: none` alone turns prior draws off.
      if (!given.has('independenceRate') && params.correction !== DdlsCorrection.MH) return;
      if ((params.independenceRate as number) > 0 && params.correction !== DdlsCorrection.MH) {
        throw new SamplerParameterError(NAME, 'independenceRate', 'prior-draw proposals need the MH correction: set correction: "mh", or independenceRate: 0');
      }
    },
    start(params, _prepared, context) {
      return new DdlsState({
        steps: params.steps as number,
        stepSize: params.stepSize as number,
        noiseScale: params.noiseScale as number,
        correction: params.correction as DdlsCorrection,
        independenceRate: params.correction === DdlsCorrection.MH ? (params.independenceRate as number) : 0,
        distribution: context.model.latentDistribution ?? 'normal',
        prior: latentPrior(context.model),
        random: context.random,
      });
    },
  };
}

interface DdlsOptions {
  readonly steps: number;
  readonly stepSize: number;
  readonly noiseScale: number;
  readonly correction: DdlsCorrection;
  readonly independenceRate: number;
  readonly distribution: string;
  readonly prior: LatentPrior;
  readonly random: LatentRandomSource;
}

/** Each chain's current state: its latent, energy and ∇E, and where G(z) of it was computed. */
interface Chains {
  readonly z: Float64Array;
  readonly energy: Float64Array;
  readonly gradE: Float64Array;
  readonly round: GradientRound[];
  readonly row: Int32Array;
  /** Chains whose state has a finite logit (the others are dropped: never moved, never output). */
  readonly alive: Uint8Array;
}

class DdlsState implements LatentSamplerState {
  private proposals = 0;
  private accepts = 0;
  private dropped = 0;

  constructor(private readonly options: DdlsOptions) {}

  async move(batch: LatentBatch): Promise<void> {
    const { steps, stepSize, noiseScale, correction, independenceRate, distribution, prior, random } = this.options;
    const { rows, latentDim: dim } = batch;
    const start = await batch.gradient(batch.latents);
    const chains: Chains = {
      z: batch.latents.slice(),
      energy: new Float64Array(rows),
      gradE: new Float64Array(rows * dim),
      round: new Array<GradientRound>(rows).fill(start),
      row: Int32Array.from({ length: rows }, (_, r) => r),
      alive: new Uint8Array(rows),
    };
    for (let r = 0; r < rows; r++) chains.alive[r] = this.evaluate(chains.z, r, dim, start, r, chains.energy, chains.gradE) ? 1 : 0;
    const sd = noiseScale * Math.sqrt(stepSize);
    const proposal = new Float64Array(rows * dim);
    const energy = new Float64Array(rows);
    const gradE = new Float64Array(rows * dim);
    const independent = new Uint8Array(rows);
    for (let t = 0; t < steps; t++) {
      for (let r = 0; r < rows; r++) {
        independent[r] = independenceRate > 0 && random.uniform() < independenceRate ? 1 : 0;
        for (let i = r * dim; i < (r + 1) * dim; i++) {
          if (independent[r]) proposal[i] = distribution === 'uniform' ? 2 * random.uniform() - 1 : random.normal();
          else proposal[i] = (chains.z[i] as number) - (stepSize / 2) * (chains.gradE[i] as number) + sd * random.normal();
        }
      }
      if (correction === DdlsCorrection.NONE) for (let r = 0; r < rows; r++) prior.fold(proposal, r, dim);
      const round = await batch.gradient(proposal);
      for (let r = 0; r < rows; r++) {
        if (!chains.alive[r]) continue;
        const finite = this.evaluate(proposal, r, dim, round, r, energy, gradE);
        if (correction === DdlsCorrection.NONE) {
          if (!finite) {
            chains.alive[r] = 0; // a move into a NaN/±Inf logit ends the chain: it has nowhere defined to go
            continue;
          }
          this.accept(chains, r, dim, proposal, energy, gradE, round);
          continue;
        }
        this.proposals++;
        if (!finite) continue;
        const logAlpha = independent[r]
          ? this.logIndependence(chains, r, dim, proposal, energy)
          : this.logAcceptance(chains, r, dim, proposal, energy, gradE, sd);
        if (logAlpha >= 0 || Math.log(random.uniform()) < logAlpha) {
          this.accept(chains, r, dim, proposal, energy, gradE, round);
          this.accepts++;
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      if (chains.alive[r]) batch.emit(chains.round[r]!, chains.row[r]!);
      else this.dropped++;
    }
  }

  report() {
    const { steps, stepSize, noiseScale, correction } = this.options;
    return {
      details: {
        steps,
        stepSize,
        noiseScale,
        ...(correction === DdlsCorrection.MH
          ? { independenceRate: this.options.independenceRate, moveRate: this.proposals > 0 ? this.accepts / this.proposals : 0 }
          : {}),
        droppedChains: this.dropped,
      },
    };
  }

  /** E and ∇E of row `r` of `z` from row `k` of `round`, into `energy[r]`, `gradE[r·dim…]`; false when the logit is not finite. */
  private evaluate(z: Float64Array, r: number, dim: number, round: GradientRound, k: number, energy: Float64Array, gradE: Float64Array): boolean {
    const d = round.logits[k] as number;
    const e = this.options.prior.energy(z, r, dim) - d;
    energy[r] = e;
    for (let j = 0; j < dim; j++) gradE[r * dim + j] = -(round.gradients[k * dim + j] as number);
    this.options.prior.addGradient(z, r, dim, gradE);
    return Number.isFinite(d) && e !== -Infinity;
  }

  private accept(chains: Chains, r: number, dim: number, proposal: Float64Array, energy: Float64Array, gradE: Float64Array, round: GradientRound): void {
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      chains.z[j] = proposal[j] as number;
      chains.gradE[j] = gradE[j] as number;
    }
    chains.energy[r] = energy[r] as number;
    chains.round[r] = round;
    chains.row[r] = r;
  }

  /** log α of a prior-draw proposal: d(G(z′)) − d(G(z)), with d = −log p_z − E. */
  private logIndependence(chains: Chains, r: number, dim: number, proposal: Float64Array, energy: Float64Array): number {
    const { prior } = this.options;
    if (!(energy[r]! < Infinity)) return -Infinity;
    const dNew = prior.energy(proposal, r, dim) - energy[r]!;
    const dOld = prior.energy(chains.z, r, dim) - chains.energy[r]!;
    return dNew - dOld;
  }

  /**
   * log α of MALA: −E(z′) + E(z) + log q(z | z′) − log q(z′ | z), with q(b | a) the Gaussian
   * N(a − (η/2)∇E(a), sd²·I) (sd = noiseScale·√η).
   */
  private logAcceptance(chains: Chains, r: number, dim: number, proposal: Float64Array, energy: Float64Array, gradE: Float64Array, sd: number): number {
    const { stepSize } = this.options;
    if (!(energy[r]! < Infinity)) return -Infinity; // outside the prior's support
    if (sd === 0) return energy[r]! <= chains.energy[r]! ? 0 : -Infinity; // no noise: a move is deterministic, accept descents only
    let forward = 0;
    let backward = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      const z = chains.z[j] as number;
      const zp = proposal[j] as number;
      const f = zp - z + (stepSize / 2) * (chains.gradE[j] as number);
      const b = z - zp + (stepSize / 2) * (gradE[j] as number);
      forward += f * f;
      backward += b * b;
    }
    return chains.energy[r]! - energy[r]! + (forward - backward) / (2 * sd * sd);
  }
}
