/** A run's running totals, and the stats they report. */
import type { SamplerState } from '../contracts.js';

export interface RunStats {
  readonly seed: number;
  readonly proposed: number;
  readonly accepted: number;
  readonly acceptanceRate: number;
  /** Proposals whose logit was NaN or ±Inf; counted as rejections. */
  readonly invalidLogits: number;
  /** Inference rounds this run took part in. */
  readonly rounds: number;
  /** Mean rows of the shared batches those rounds ran in (> batchSize when requests coalesce). */
  readonly meanBatchSize: number;
  /** D̃_M before the first batch and now (samplers that keep one). */
  readonly logitMaxStart: number | null;
  readonly logitMaxEnd: number | null;
  /** γ of the latest batch, and its mean over batches (samplers that use one). */
  readonly gamma: number | null;
  readonly gammaMean: number | null;
  /** The sampler's own numbers (`SamplerReport.details`, e.g. a threshold), or null. */
  readonly samplerDetails: Readonly<Record<string, number>> | null;
  readonly elapsedMs: number;
}

export function emptyStats(seed: number): RunStats {
  return {
    seed,
    proposed: 0,
    accepted: 0,
    acceptanceRate: 0,
    invalidLogits: 0,
    rounds: 0,
    meanBatchSize: 0,
    logitMaxStart: null,
    logitMaxEnd: null,
    gamma: null,
    gammaMean: null,
    samplerDetails: null,
    elapsedMs: 0,
  };
}

export class RunTally {
  /** Proposals considered (the tail of the last round, past `count`, is not). */
  proposed = 0;
  accepted = 0;
  invalid = 0;
  rounds = 0;
  private batchRowsTotal = 0;
  private gammaSum = 0;
  private gammaBatches = 0;
  private readonly started = performance.now();
  private readonly logitMaxStart: number | null;

  constructor(
    private readonly seed: number,
    private readonly state: SamplerState,
  ) {
    this.logitMaxStart = state.report().logitMax ?? null;
  }

  get acceptanceRate(): number {
    return this.proposed > 0 ? this.accepted / this.proposed : 0;
  }

  /** Folds in one decided round. */
  add(round: { rounds: number; batchRowsTotal: number; considered: number; invalid: number; accepted: number; decided: boolean }): void {
    this.rounds += round.rounds;
    this.batchRowsTotal += round.batchRowsTotal;
    this.proposed += round.considered;
    this.invalid += round.invalid;
    this.accepted += round.accepted;
    const gamma = this.state.report().gamma;
    if (gamma !== undefined && round.decided) {
      this.gammaSum += gamma;
      this.gammaBatches++;
    }
  }

  stats(): RunStats {
    const report = this.state.report();
    return {
      seed: this.seed,
      proposed: this.proposed,
      accepted: this.accepted,
      acceptanceRate: this.acceptanceRate,
      invalidLogits: this.invalid,
      rounds: this.rounds,
      meanBatchSize: this.rounds > 0 ? this.batchRowsTotal / this.rounds : 0,
      logitMaxStart: this.logitMaxStart,
      logitMaxEnd: report.logitMax ?? null,
      gamma: report.gamma ?? null,
      gammaMean: this.gammaBatches > 0 ? this.gammaSum / this.gammaBatches : null,
      samplerDetails: report.details ?? null,
      elapsedMs: performance.now() - this.started,
    };
  }
}
