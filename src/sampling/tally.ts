/** A run's running totals, and the stats they report. */
import type { SamplerReport } from '../contracts.js';

export interface RunStats {
  readonly seed: number;
  readonly proposed: number;
  /** Outputs: samples the run returned (or streamed) so far. */
  readonly accepted: number;
  /** accepted / proposed. */
  readonly acceptanceRate: number;
  /** Outputs that are different proposals (a chain may output the same state twice). */
  readonly distinctOutputs: number;
  /** proposed / accepted; null before the first output. */
  readonly proposalsPerOutput: number | null;
  /** Proposals whose logit was NaN or ±Inf; counted as rejections. */
  readonly invalidLogits: number;
  /** Inference rounds this run took part in. */
  readonly rounds: number;
  /** Mean rows of the shared batches those rounds ran in (> batchSize when rounds adapt or requests coalesce). */
  readonly meanBatchSize: number;
  /** D̃_M before the first batch and now (samplers that keep one). */
  readonly logitMaxStart: number | null;
  readonly logitMaxEnd: number | null;
  /** γ of the latest batch, and its mean over batches (samplers that use one). */
  readonly gamma: number | null;
  readonly gammaMean: number | null;
  /** Outputs a `sample` query took back (re-thinned) when the sampler's bound rose, and replaced. */
  readonly retracted: number;
  /** Outputs already sent that were accepted under a lower bound than the current one (streams cannot take them back). */
  readonly staleOutputs: number;
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
    distinctOutputs: 0,
    proposalsPerOutput: null,
    invalidLogits: 0,
    rounds: 0,
    meanBatchSize: 0,
    logitMaxStart: null,
    logitMaxEnd: null,
    gamma: null,
    gammaMean: null,
    retracted: 0,
    staleOutputs: 0,
    samplerDetails: null,
    elapsedMs: 0,
  };
}

export interface TallyRound {
  readonly rounds: number;
  readonly batchRowsTotal: number;
  readonly considered: number;
  readonly invalid: number;
  /** Proposal numbers of the round's outputs. */
  readonly ids: Float64Array;
  readonly decided: boolean;
}

/** A tally's counts at a checkpoint (JSON numbers; `logitMaxStart` null when the sampler keeps no max). */
export interface TallySnapshot {
  readonly proposed: number;
  readonly accepted: number;
  readonly invalid: number;
  readonly rounds: number;
  readonly staleOutputs: number;
  readonly distinct: number;
  readonly batchRowsTotal: number;
  readonly gammaSum: number;
  readonly gammaBatches: number;
  readonly logitMaxStart: number | null;
  readonly elapsedMs: number;
}

/** Ids a tally makes room for up front, at most (it grows past it). */
const MAX_PRESIZED_IDS = 1 << 22;

export class RunTally {
  /** Proposals considered (the tail of the last round, past `count`, is not). */
  proposed = 0;
  accepted = 0;
  invalid = 0;
  rounds = 0;
  retracted = 0;
  staleOutputs = 0;
  /** Distinct outputs counted by this tally (not before a resume). */
  private distinctCount = 0;
  /**
   * Fast path while every output so far was a new proposal, each above the last (naive, DRS: one
   * map insert per output was most of the main thread's time per proposal): their ids in order,
   * each output once, and the largest. The first id at or below it (a chain's repeat, a held row)
   * turns on {@link counts}, built from these.
   */
  private freshIds: Float64Array | null = new Float64Array(64);
  private freshLength = 0;
  private maxId = -Infinity;
  /** Ids retracted while on the fast path (each had count 1). */
  private freshRetracted: Set<number> | null = null;
  /** Outputs per id, once an id came at or below the largest so far. */
  private counts: Map<number, number> | null = null;
  /** Distinct outputs before a resume (their ids are not carried over). */
  private distinctBefore = 0;
  /** Stale outputs counted before a resume: the outputs sent since are checked on top of them. */
  staleBefore = 0;
  private batchRowsTotal = 0;
  private gammaSum = 0;
  private gammaBatches = 0;
  private readonly started: number;
  private readonly logitMaxStart: number | null;

  constructor(
    private readonly seed: number,
    /** The sampler's state (only its report is read). */
    private readonly state: { report(): SamplerReport },
    /** Counts to continue from (a resumed run). */
    from?: TallySnapshot,
    /** Outputs expected (the request's count): room for their ids up front. */
    expected = 0,
  ) {
    if (expected > this.freshIds!.length) this.freshIds = new Float64Array(Math.min(expected, MAX_PRESIZED_IDS));
    this.logitMaxStart = from ? from.logitMaxStart : (state.report().logitMax ?? null);
    this.started = performance.now() - (from?.elapsedMs ?? 0);
    if (from) {
      this.proposed = from.proposed;
      this.accepted = from.accepted;
      this.invalid = from.invalid;
      this.rounds = from.rounds;
      this.staleOutputs = this.staleBefore = from.staleOutputs;
      this.distinctBefore = from.distinct;
      this.batchRowsTotal = from.batchRowsTotal;
      this.gammaSum = from.gammaSum;
      this.gammaBatches = from.gammaBatches;
    }
  }

  /** The counts as they stand (for a checkpoint). */
  snapshot(): TallySnapshot {
    return {
      proposed: this.proposed,
      accepted: this.accepted,
      invalid: this.invalid,
      rounds: this.rounds,
      staleOutputs: this.staleOutputs,
      distinct: this.distinctBefore + this.distinctCount,
      batchRowsTotal: this.batchRowsTotal,
      gammaSum: this.gammaSum,
      gammaBatches: this.gammaBatches,
      logitMaxStart: this.logitMaxStart,
      elapsedMs: performance.now() - this.started,
    };
  }

  get acceptanceRate(): number {
    return this.proposed > 0 ? this.accepted / this.proposed : 0;
  }

  /** Folds in one decided round. */
  add(round: TallyRound): void {
    this.rounds += round.rounds;
    this.batchRowsTotal += round.batchRowsTotal;
    this.proposed += round.considered;
    this.invalid += round.invalid;
    this.accepted += round.ids.length;
    const ids = round.ids;
    let i = 0;
    if (this.freshIds) {
      let fresh = this.freshIds;
      let length = this.freshLength;
      let max = this.maxId;
      if (length + ids.length > fresh.length) {
        const grown = new Float64Array(Math.max(fresh.length * 2, length + ids.length));
        grown.set(fresh.subarray(0, length));
        fresh = this.freshIds = grown;
      }
      for (; i < ids.length; i++) {
        const id = ids[i] as number;
        if (!(id > max)) break;
        fresh[length++] = max = id;
      }
      this.distinctCount += length - this.freshLength;
      this.freshLength = length;
      this.maxId = max;
      if (i < ids.length) this.leaveFastPath();
    }
    const counts = this.counts;
    if (counts)
      for (; i < ids.length; i++) {
        const id = ids[i] as number;
        const n = counts.get(id) ?? 0;
        if (n === 0) this.distinctCount++;
        counts.set(id, n + 1);
      }
    const gamma = this.state.report().gamma;
    if (gamma !== undefined && round.decided) {
      this.gammaSum += gamma;
      this.gammaBatches++;
    }
  }

  /** Takes back outputs (re-thinning): they no longer count. */
  retract(ids: Iterable<number>): void {
    for (const id of ids) {
      if (this.counts) {
        const n = this.counts.get(id) ?? 0;
        if (n <= 1) this.counts.delete(id);
        else this.counts.set(id, n - 1);
        if (n === 1) this.distinctCount--;
      } else if (!this.freshRetracted?.has(id)) {
        // On the fast path every output so far is a different id, counted once.
        (this.freshRetracted ??= new Set()).add(id);
        this.distinctCount--;
      }
      this.accepted--;
      this.retracted++;
    }
  }

  /** Moves the fast path's ids into {@link counts}: from here on, ids may repeat. */
  private leaveFastPath(): void {
    const counts = new Map<number, number>();
    const fresh = this.freshIds!;
    const retracted = this.freshRetracted;
    for (let j = 0; j < this.freshLength; j++) {
      const id = fresh[j] as number;
      if (!retracted?.has(id)) counts.set(id, 1);
    }
    this.counts = counts;
    this.freshIds = null;
    this.freshRetracted = null;
  }

  stats(): RunStats {
    const report = this.state.report();
    return {
      seed: this.seed,
      proposed: this.proposed,
      accepted: this.accepted,
      acceptanceRate: this.acceptanceRate,
      distinctOutputs: this.distinctBefore + this.distinctCount,
      proposalsPerOutput: this.accepted > 0 ? this.proposed / this.accepted : null,
      invalidLogits: this.invalid,
      rounds: this.rounds,
      meanBatchSize: this.rounds > 0 ? this.batchRowsTotal / this.rounds : 0,
      logitMaxStart: this.logitMaxStart,
      logitMaxEnd: report.logitMax ?? null,
      gamma: report.gamma ?? null,
      gammaMean: this.gammaBatches > 0 ? this.gammaSum / this.gammaBatches : null,
      retracted: this.retracted,
      staleOutputs: this.staleOutputs,
      samplerDetails: report.details ?? null,
      elapsedMs: performance.now() - this.started,
    };
  }
}
