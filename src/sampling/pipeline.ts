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
import type { AbortableWaits } from '../abort.js';
import { joinPieces, type RoundOutput, type RoundPiece } from '../inference/batcher.js';
import { concatFloat32 } from '../inference/buffers.js';
import type { LatentDistribution } from '../models/manifest.js';
import type { Random, RandomState } from '../random.js';

export type RoundFn = (latents: Float32Array, rows: number, signal: AbortSignal) => Promise<RoundOutput>;
/**
 * A round piece by piece (`InferenceBatcher.start`): one promise per batch its rows went into,
 * in row order; `draw(n)` gives the next `n` rows' latents, called batch by batch.
 */
export type RoundPiecesFn = (rows: number, draw: (rows: number) => Float32Array, signal: AbortSignal) => Promise<RoundPiece>[];

/** Rows of a round that arrived together, with the batches they took part in. */
export type PipelinePiece = RoundPiece;

export interface PipelineOptions {
  readonly round: RoundFn;
  /** The round piece by piece, when the backend offers it: the run then decides a round's first rows while the rest run. */
  readonly pieces?: RoundPiecesFn | undefined;
  /** Inference milliseconds per row already known for this model (rounds are sized from the start); NaN or absent: learn it. */
  readonly initialMsPerRow?: number | undefined;
  /** Told each measured milliseconds per row (the engine keeps a model's speed across runs). */
  readonly onSpeed?: ((msPerRow: number) => void) | undefined;
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
  /** Its rows as they arrive, in row order. */
  readonly pieces: readonly Promise<PipelinePiece>[];
  /** Called by its reader with each piece as it arrives (the pipeline learns the model's speed from them). */
  readonly arrived: (piece: PipelinePiece) => void;
  /** All of it at once (read a round either this way or through a `RoundReader`, not both). */
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
  /** Rows of the round being decided that are not decided yet (they count as in flight). */
  readonly undecided?: number;
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
    if (options.initialMsPerRow !== undefined && options.initialMsPerRow > 0) this.msPerRow = options.initialMsPerRow;
  }

  /** Starts rounds up to the pipeline depth, unless those in flight should already suffice. */
  fill(progress: PipelineProgress): void {
    const { depth, maxProposals, latents, round, signal } = this.options;
    while (this.inFlight.length < depth) {
      const pending = this.rowsInFlight + (progress.undecided ?? 0);
      if (pending > 0) {
        const rate = progress.acceptanceRate;
        if (rate === 0 || progress.accepted + rate * pending >= progress.count) return;
      }
      const rows = Math.min(this.roundRows(progress), maxProposals - this.drawn);
      if (rows <= 0) return;
      this.drawn += rows;
      this.rowsInFlight += rows;
      const keep = this.options.keepLatents === true;
      const draw = (n: number): Float32Array => latents.rng.latents(n, latents.dim, latents.distribution);
      let values: Float32Array | null = null;
      let pieces: Promise<RoundPiece>[];
      if (this.options.pieces) {
        // Drawn batch by batch: the first batch is at a worker while the next one's latents are drawn.
        const drawn: Float32Array[] = [];
        pieces = this.options.pieces(
          rows,
          (n) => {
            const v = draw(n);
            if (keep) drawn.push(v.slice()); // the batcher may transfer what it is given
            return v;
          },
          signal,
        );
        if (keep) values = concatFloat32(drawn);
      } else {
        const all = draw(rows);
        if (keep) values = all.slice();
        pieces = [round(all, rows, signal)];
      }
      // Failures are awaited by the run, or abandoned when the run ends first.
      for (const piece of pieces) piece.catch(() => undefined);
      this.inFlight.push(new InFlightRound(rows, pieces, values, keep ? latents.rng.state() : null, this.drawn, (ms) => this.learn(ms)));
    }
  }

  private learn(msPerRow: number): void {
    if (!(msPerRow > 0)) return;
    this.msPerRow = Number.isNaN(this.msPerRow) ? msPerRow : 0.7 * this.msPerRow + 0.3 * msPerRow;
    this.options.onSpeed?.(msPerRow);
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
    const pending = this.rowsInFlight + (progress.undecided ?? 0);
    const needed = rate === 0 ? Infinity : Math.ceil(((progress.count - progress.accepted) / rate - pending) / batchSize);
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

/** A round in flight (a class: an object literal with a getter was a visible cost per round). */
class InFlightRound implements PipelineRound {
  private inferenceMs = 0;
  private left: number;
  private whole: Promise<RoundOutput> | undefined;

  constructor(
    readonly rows: number,
    readonly pieces: readonly Promise<PipelinePiece>[],
    readonly latents: Float32Array | null,
    readonly latentsAfter: RandomState | null,
    readonly drawnAfter: number,
    /** Told the round's inference ms per row once every piece arrived. */
    private readonly learn: (msPerRow: number) => void,
  ) {
    this.left = pieces.length;
  }

  arrived(piece: PipelinePiece): void {
    this.inferenceMs += piece.inferenceMs;
    if (--this.left === 0) this.learn(this.inferenceMs / this.rows);
  }

  get output(): Promise<RoundOutput> {
    return (this.whole ??= Promise.all(this.pieces).then((all) => {
      for (const piece of all) this.arrived(piece);
      return joinPieces(all);
    }));
  }
}

/** Rows `[from, to)` of a round, ready to decide, and the inference batches first reached with them. */
export interface RoundSlice {
  readonly samples: Float32Array;
  /** D's raw output, as the model gives it. */
  readonly raw: Float32Array;
  /** Batches (and their total rows) of the pieces these rows were the first to use (for stats). */
  readonly rounds: number;
  readonly batchRowsTotal: number;
}

/**
 * Reads a round in row order as its pieces arrive: a slice inside one piece is a view of it; one
 * across pieces is copied. Slices are asked for in ascending, non-overlapping order.
 */
export class RoundReader {
  private readonly arrived: PipelinePiece[] = [];
  /** Row where each arrived piece starts. */
  private readonly starts: number[] = [];
  private rowsArrived = 0;
  /** Pieces whose stats went out with a slice. */
  private counted = 0;

  constructor(
    readonly round: PipelineRound,
    private readonly sampleSize: number,
  ) {}

  /** The slice when its rows have all arrived (no wait), else null. */
  ready(from: number, to: number): RoundSlice | null {
    return to <= this.rowsArrived ? this.slice(from, to) : null;
  }

  /** Waits for the pieces that hold rows up to `to` (rejects at once when the run's signal aborts). */
  async wait(from: number, to: number, waits: AbortableWaits): Promise<RoundSlice> {
    while (this.rowsArrived < to) {
      const piece = await waits.wait(this.round.pieces[this.arrived.length]!);
      this.round.arrived(piece);
      this.starts.push(this.rowsArrived);
      this.arrived.push(piece);
      this.rowsArrived += piece.logits.length;
    }
    return this.slice(from, to);
  }

  private slice(from: number, to: number): RoundSlice {
    let first = this.arrived.length - 1;
    while (first > 0 && this.starts[first]! > from) first--;
    let last = first;
    while (this.starts[last]! + this.arrived[last]!.logits.length < to) last++;
    let rounds = 0;
    let batchRowsTotal = 0;
    for (; this.counted <= last; this.counted++) {
      rounds += this.arrived[this.counted]!.rounds;
      batchRowsTotal += this.arrived[this.counted]!.batchRowsTotal;
    }
    const size = this.sampleSize;
    if (first === last) {
      const piece = this.arrived[first]!;
      const at = from - this.starts[first]!;
      return { samples: piece.samples.subarray(at * size, (at + to - from) * size), raw: piece.logits.subarray(at, at + to - from), rounds, batchRowsTotal };
    }
    const samples = new Float32Array((to - from) * size);
    const raw = new Float32Array(to - from);
    for (let k = first, row = from; k <= last; k++) {
      const piece = this.arrived[k]!;
      const start = this.starts[k]!;
      const a = Math.max(row, start) - start;
      const b = Math.min(to, start + piece.logits.length) - start;
      samples.set(piece.samples.subarray(a * size, b * size), (start + a - from) * size);
      raw.set(piece.logits.subarray(a, b), start + a - from);
      row = start + b;
    }
    return { samples, raw, rounds, batchRowsTotal };
  }
}
