/**
 * Rounds a run keeps in flight ahead of its acceptance step, so the workers never wait on the
 * main thread. A run draws more only while the observed acceptance rate says it will need them.
 */
import type { RoundOutput } from '../inference/batcher.js';
import type { LatentDistribution } from '../models/manifest.js';
import type { Random } from '../random.js';

export type RoundFn = (latents: Float32Array, rows: number, signal: AbortSignal) => Promise<RoundOutput>;

export interface PipelineOptions {
  readonly round: RoundFn;
  readonly depth: number;
  readonly batchSize: number;
  readonly maxProposals: number;
  readonly latents: { readonly rng: Random; readonly dim: number; readonly distribution: LatentDistribution };
  readonly signal: AbortSignal;
}

export class RoundPipeline {
  private readonly inFlight: { rows: number; output: Promise<RoundOutput> }[] = [];
  private rowsInFlight = 0;
  /** Proposals sent to inference so far. */
  private drawn = 0;

  constructor(private readonly options: PipelineOptions) {}

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
      const output = round(latents.rng.latents(rows, latents.dim, latents.distribution), rows, signal);
      output.catch(() => undefined); // awaited by next(), or abandoned when the run ends first
      this.inFlight.push({ rows, output });
    }
  }

  /** The oldest round in flight, or null when the proposal budget allows no more. */
  next(): Promise<RoundOutput> | null {
    const next = this.inFlight.shift();
    if (!next) return null;
    this.rowsInFlight -= next.rows;
    return next.output;
  }
}
