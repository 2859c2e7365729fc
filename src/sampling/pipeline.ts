/**
 * Rounds a run keeps in flight ahead of its acceptance step, so the workers never wait on the
 * main thread. A run draws more only while the observed acceptance rate says it will need them.
 */
import type { RoundOutput } from '../inference/batcher.js';
import type { LatentDistribution } from '../models/manifest.js';
import type { Random, RandomState } from '../random.js';

export type RoundFn = (latents: Float32Array, rows: number, signal: AbortSignal) => Promise<RoundOutput>;

export interface PipelineOptions {
  readonly round: RoundFn;
  readonly depth: number;
  readonly batchSize: number;
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

export class RoundPipeline {
  private readonly inFlight: PipelineRound[] = [];
  private rowsInFlight = 0;
  /** Proposals sent to inference so far. */
  private drawn: number;

  constructor(private readonly options: PipelineOptions) {
    this.drawn = options.drawn ?? 0;
  }

  /** Starts rounds up to the pipeline depth, unless those in flight should already suffice. */
  fill(progress: { accepted: number; acceptanceRate: number; count: number }): void {
    const { depth, batchSize, maxProposals, latents, round, signal } = this.options;
    while (this.inFlight.length < depth) {
      if (this.inFlight.length > 0) {
        const rate = progress.acceptanceRate;
        if (rate === 0 || progress.accepted + rate * this.rowsInFlight >= progress.count) return;
      }
      const rows = Math.min(batchSize, maxProposals - this.drawn);
      if (rows <= 0) return;
      this.drawn += rows;
      this.rowsInFlight += rows;
      const values = latents.rng.latents(rows, latents.dim, latents.distribution);
      const keep = this.options.keepLatents === true;
      const output = round(keep ? values.slice() : values, rows, signal); // the batcher may transfer what it is given
      output.catch(() => undefined); // awaited by next(), or abandoned when the run ends first
      this.inFlight.push({ rows, output, latents: keep ? values : null, latentsAfter: keep ? latents.rng.state() : null, drawnAfter: this.drawn });
    }
  }

  /** The oldest round in flight, or null when the proposal budget allows no more. */
  next(): PipelineRound | null {
    const next = this.inFlight.shift();
    if (!next) return null;
    this.rowsInFlight -= next.rows;
    return next;
  }
}
