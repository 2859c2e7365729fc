/**
 * Rounds a run keeps in flight ahead of its acceptance step, so the workers never wait on the
 * main thread. A run draws more only while the observed acceptance rate says it will need them.
 *
 * Every round holds whole batches of `batchSize` proposals (the last may be cut short by the
 * proposal budget), so the run decides batch by batch whatever the rounds' sizes: with
 * `maxRoundRows` above `batchSize`, a round grows to as many batches as the request still
 * needs and as take about `roundTargetMs` of inference (a lone big request runs big rounds,
 * and a stream sends an event per round, not per batch), and seeded results do not change.
 */
import type { RoundOutput } from '../inference/batcher.js';
import type { LatentDistribution } from '../models/manifest.js';
import type { Random, RandomState } from '../random.js';

export type RoundFn = (latents: Float32Array, rows: number, signal: AbortSignal) => Promise<RoundOutput>;

export interface PipelineOptions {
  readonly round: RoundFn;
  readonly depth: number;
  /** Proposals per decision batch; rounds hold whole batches. */
  readonly batchSize: number;
  /** Most proposals per round (at least one batch). */
  readonly maxRoundRows: number;
  /** Inference time a round aims at, once the model's speed is known. */
  readonly roundTargetMs: number;
  readonly maxProposals: number;
  readonly latents: { readonly rng: Random; readonly dim: number; readonly distribution: LatentDistribution };
  readonly signal: AbortSignal;
  /** Proposals already drawn (a resumed run starts where its cursor stood). Default 0. */
  readonly drawn?: number;
  /** Keep each round's latents and the latent stream's position after it (for checkpoints). */
  readonly keepLatents?: boolean;
}

/** A round in flight: its inference, and where the run stands once it is decided. */
export interface PipelineRound {
  readonly output: Promise<RoundOutput>;
  readonly rows: number;
  /** Its latents, when `keepLatents`. */
  readonly latents: Float32Array | null;
  /** The latent stream's position after this round was drawn, when `keepLatents`. */
  readonly latentsAfter: RandomState | null;
  /** Proposals drawn up to and including this round. */
  readonly drawnAfter: number;
}

/** How far a run has come, for sizing what it draws next. */
export interface PipelineProgress {
  readonly proposed: number;
  readonly accepted: number;
  readonly acceptanceRate: number;
  readonly count: number;
}

export class RoundPipeline {
  private readonly inFlight: PipelineRound[] = [];
  private rowsInFlight = 0;
  /** Proposals sent to inference so far. */
  private drawn: number;
  /** Inference milliseconds per proposal, a moving average of the rounds so far (NaN before the first). */
  private msPerRow = Number.NaN;

  constructor(private readonly options: PipelineOptions) {
    this.drawn = options.drawn ?? 0;
  }

  /** Starts rounds up to the pipeline depth, unless those in flight should already suffice. */
  fill(progress: PipelineProgress): void {
    const { depth, maxProposals, latents, round, signal } = this.options;
    while (this.inFlight.length < depth) {
      if (this.inFlight.length > 0) {
        const rate = progress.acceptanceRate;
        if (rate === 0 || progress.accepted + rate * this.rowsInFlight >= progress.count) return;
      }
      const rows = Math.min(this.roundRows(progress), maxProposals - this.drawn);
      if (rows <= 0) return;
      this.drawn += rows;
      this.rowsInFlight += rows;
      const values = latents.rng.latents(rows, latents.dim, latents.distribution);
      const keep = this.options.keepLatents === true;
      const output = round(keep ? values.slice() : values, rows, signal); // the batcher may transfer what it is given
      output.then(
        (o) => this.learn(o.inferenceMs / rows),
        () => undefined,
      ); // failures: awaited by next(), or abandoned when the run ends first
      this.inFlight.push({ rows, output, latents: keep ? values : null, latentsAfter: keep ? latents.rng.state() : null, drawnAfter: this.drawn });
    }
  }

  private learn(msPerRow: number): void {
    if (!(msPerRow > 0)) return;
    this.msPerRow = Number.isNaN(this.msPerRow) ? msPerRow : 0.7 * this.msPerRow + 0.3 * msPerRow;
  }

  /**
   * Whole batches: as many as take about `roundTargetMs` (one until the speed is known), no more
   * than the proposals still expected to be needed (all of `count` before any rate is known).
   */
  private roundRows(progress: PipelineProgress): number {
    const { batchSize, maxRoundRows, roundTargetMs } = this.options;
    const most = Math.max(1, Math.floor(maxRoundRows / batchSize));
    if (most === 1) return batchSize;
    const inTime = Number.isNaN(this.msPerRow) ? 1 : Math.max(1, Math.floor(roundTargetMs / (this.msPerRow * batchSize)));
    const rate = progress.proposed === 0 ? 1 : progress.acceptanceRate;
    const needed = rate === 0 ? Infinity : Math.ceil(((progress.count - progress.accepted) / rate - this.rowsInFlight) / batchSize);
    return Math.max(1, Math.min(most, inTime, needed)) * batchSize;
  }

  /** The oldest round in flight, or null when the proposal budget allows no more. */
  next(): PipelineRound | null {
    const next = this.inFlight.shift();
    if (!next) return null;
    this.rowsInFlight -= next.rows;
    return next;
  }
}
