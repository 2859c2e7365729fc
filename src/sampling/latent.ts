/**
 * The latent extension's side of a run (src/contracts.ts, "Latent extension"): each batch of
 * seeded starting latents goes to the sampler's `move`, whose gradient rounds run in the
 * inference workers, are charged to the run's proposal budget (GRADIENT_ROUND_COST per row) and
 * end with the run's signal; what it emits is gathered like a round's outputs.
 */
import { raceAbort } from '../abort.js';
import { GRADIENT_ROUND_COST, SamplerContractError, type GradientRound, type LatentBatch, type LatentSamplerPlugin, type SamplerReport } from '../contracts.js';
import { ErrorCode, SamplingError } from '../errors.js';
import type { GradientResult } from '../inference/pool.js';
import { toLogits } from '../inference/round.js';
import type { DiscriminatorOutput } from '../models/manifest.js';
import type { ReadyModel } from '../models/repository.js';
import type { RoundOutputs } from './accept.js';

/** Runs one gradient round for a run (the engine binds the model and the worker pool). */
export type GradientFn = (latents: Float32Array, rows: number, signal: AbortSignal) => Promise<GradientResult>;

/** The run's gradient spending so far: what the budget and the stats read. */
export class GradientLedger {
  /** Proposals charged (GRADIENT_ROUND_COST per gradient row). */
  spent = 0;
  rounds = 0;
  rows = 0;

  constructor(readonly maxProposals: number) {}

  /** Charges `rows` gradient rows, or throws PROPOSAL_BUDGET_EXHAUSTED before anything runs. */
  charge(rows: number, accepted: number, count: number): void {
    const cost = rows * GRADIENT_ROUND_COST;
    if (this.spent + cost > this.maxProposals) {
      throw new SamplingError(
        ErrorCode.PROPOSAL_BUDGET_EXHAUSTED,
        `proposal budget of ${this.maxProposals} exhausted after ${accepted} of ${count} samples: a gradient round of ${rows} rows costs ${cost} proposals ` +
          `(${GRADIENT_ROUND_COST} per row) and ${this.maxProposals - this.spent} remain; raise maxProposals, or lower steps`,
        { maxProposals: this.maxProposals, accepted, count, acceptanceRate: this.spent > 0 ? accepted / this.spent : 0 },
      );
    }
    this.spent += cost;
    this.rounds++;
    this.rows += rows;
  }

  /** The engine's numbers, added to the sampler's own details in the run's stats. */
  report(own: SamplerReport, accepted: number): SamplerReport {
    return {
      ...own,
      details: {
        ...own.details,
        gradientRounds: this.rounds,
        gradientRows: this.rows,
        gradientRowsPerOutput: accepted > 0 ? this.rows / accepted : 0,
        proposalsPerGradientRow: GRADIENT_ROUND_COST,
      },
    };
  }
}

interface BatchRound {
  readonly samples: Float32Array;
  readonly firstId: number;
}

export interface LatentBatchOptions {
  readonly plugin: LatentSamplerPlugin;
  readonly model: ReadyModel;
  readonly latents: Float64Array;
  readonly needed: number;
  /** Outputs before this batch (for the budget's message). */
  readonly accepted: number;
  readonly count: number;
  readonly ledger: GradientLedger;
  readonly gradient: GradientFn;
  readonly signal: AbortSignal;
  /** The run-wide number of this batch's first gradient row (ids of outputs). */
  readonly firstId: number;
}

/** The contract's `LatentBatch` for one `move` call. */
export class LatentBatchRun implements LatentBatch {
  readonly rows: number;
  readonly latentDim: number;
  readonly latents: Float64Array;
  readonly needed: number;
  private readonly rounds = new Map<GradientRound, BatchRound>();
  private readonly outSamples: Float32Array[] = [];
  private readonly outLogits: number[] = [];
  private readonly outProbabilities: number[] = [];
  private readonly outIds: number[] = [];
  private nextId: number;
  private open = true;
  private readonly discriminatorOutput: DiscriminatorOutput;

  constructor(private readonly options: LatentBatchOptions) {
    this.latentDim = options.model.manifest.latent.dim;
    this.latents = options.latents;
    this.rows = options.latents.length / this.latentDim;
    this.needed = options.needed;
    this.nextId = options.firstId;
    this.discriminatorOutput = options.model.manifest.discriminatorOutput;
  }

  /** Gradient rows this batch ran (ids used). */
  get idsUsed(): number {
    return this.nextId - this.options.firstId;
  }

  get outputs(): number {
    return this.outIds.length;
  }

  async gradient(latents: Float64Array): Promise<GradientRound> {
    if (!this.open) throw this.fail('gradient() called after move() resolved');
    const dim = this.latentDim;
    const rows = latents.length / dim;
    if (!(latents instanceof Float64Array) || !Number.isInteger(rows) || rows < 1) {
      throw this.fail(`gradient(latents): expected a Float64Array of rows × ${dim} values (at least one row), got ${latents?.length}`);
    }
    const { ledger, gradient, signal, accepted, count } = this.options;
    ledger.charge(rows, accepted + this.outputs, count);
    const result = await raceAbort(gradient(Float32Array.from(latents), rows, signal), signal);
    const round: GradientRound = { rows, logits: toLogits(result.logits, this.discriminatorOutput), gradients: Float64Array.from(result.gradients) };
    this.rounds.set(round, { samples: result.samples, firstId: this.nextId });
    this.nextId += rows;
    return round;
  }

  emit(round: GradientRound, k: number, probability = 1): void {
    if (!this.open) throw this.fail('emit() called after move() resolved');
    const held = this.rounds.get(round);
    if (!held) throw this.fail('emit(round, k): the round is not one this batch ran');
    if (!(Number.isInteger(k) && k >= 0 && k < round.rows)) throw this.fail(`emit(round, ${k}): row must be an integer in [0, ${round.rows})`);
    const logit = round.logits[k] as number;
    if (!Number.isFinite(logit)) throw this.fail(`emit(round, ${k}): the row's logit is ${logit}; a row without a finite logit is never output`);
    if (this.outIds.length >= this.needed) return; // more than wanted: dropped, as for round samplers
    const size = this.options.model.sampleSize;
    this.outSamples.push(held.samples.subarray(k * size, (k + 1) * size));
    this.outLogits.push(logit);
    this.outProbabilities.push(probability > 0 ? (probability < 1 ? probability : 1) : 0);
    this.outIds.push(held.firstId + k);
  }

  close(): void {
    this.open = false;
  }

  gather(): RoundOutputs {
    const size = this.options.model.sampleSize;
    const count = this.outIds.length;
    const samples = new Float32Array(count * size);
    this.outSamples.forEach((s, o) => samples.set(s, o * size));
    return {
      samples,
      logits: Float64Array.from(this.outLogits),
      probabilities: Float64Array.from(this.outProbabilities),
      ids: Float64Array.from(this.outIds),
      count,
    };
  }

  private fail(message: string): SamplerContractError {
    return new SamplerContractError(this.options.plugin.name, message);
  }
}
