/**
 * Coalesces concurrent callers' rounds into shared batches, one queue per model, with
 * continuous batching: a round goes to an idle worker at once (at the end of the current tick,
 * so rounds asked for together — e.g. by every run a finished batch served — leave together);
 * callers' rounds coalesce only while every worker is busy, and the open batch leaves when a
 * worker becomes idle, when it reaches `maxBatchSize` rows (a full batch is sent ahead to a
 * busy worker, so a big request's rounds follow each other without a gap; so does the last,
 * partial batch of a round that filled others), or — an upper bound — after `maxQueueDelayMs`.
 *
 * Built on dataloader (`cache: false`). Plain dataloader only dispatches on its schedule, so we
 * keep the open batch's dispatch callback and fire it ourselves. A caller's rows are split
 * across batches when they do not fit the open one.
 */
import DataLoader from 'dataloader';
import { abortError, raceAbort } from '../abort.js';
import { concatFloat32 } from './buffers.js';
import type { WorkerModelSpec } from './protocol.js';
import type { InferenceBackend } from './backend.js';

export interface BatcherOptions {
  /** Rows per batch (across callers). Default 2048. */
  readonly maxBatchSize?: number;
  /** Longest a partial batch waits for company while every worker is busy. Default 2 ms. */
  readonly maxQueueDelayMs?: number;
  /** Called once per dispatched batch; for stats and tests. */
  readonly onBatch?: (batch: BatchRecord) => void;
  /** Called once per batch when its inference finished or failed; for metrics. */
  readonly onBatchDone?: (timing: BatchTiming) => void;
}

/** Where a batch's time went. */
export interface BatchTiming {
  readonly modelId: string;
  readonly rows: number;
  /** From its first row's arrival until inference started: the wait for company, then for a worker (round trip − compute). */
  readonly queueMs: number;
  /** The worker's G → D time (0 when it failed). */
  readonly computeMs: number;
  readonly ok: boolean;
}

export interface BatchRecord {
  readonly modelId: string;
  readonly batchId: number;
  /** Rows of each caller's piece, in batch order. */
  readonly pieces: readonly number[];
  readonly rows: number;
}

/** One caller's rows out of a round, plus the round it shared. */
export interface RoundOutput {
  readonly samples: Float32Array;
  readonly logits: Float32Array;
  /** Rounds this call took part in (more than one when its rows were split). */
  readonly rounds: number;
  /** Sum over those rounds of each round's total rows (for the mean batch size). */
  readonly batchRowsTotal: number;
  /** This call's share of the workers' inference time (each batch's time split by rows). */
  readonly inferenceMs: number;
}

/** The latents of a round's rows `[from, from + rows)`, asked for in order as the round is split into batches. */
type LatentSource = (from: number, rows: number) => Float32Array;

/** One batch's share of a round: its rows in round order, as soon as that batch is done. */
export interface RoundPiece {
  readonly samples: Float32Array;
  readonly logits: Float32Array;
  /** Inference batches these rows ran in (1 for a batcher piece). */
  readonly rounds: number;
  /** Rows of those batches (for the mean batch size). */
  readonly batchRowsTotal: number;
  /** Its share of the batches' inference time. */
  readonly inferenceMs: number;
}

interface Piece {
  readonly latents: Float32Array;
  readonly rows: number;
  readonly signal: AbortSignal | undefined;
  /** performance.now() when the caller handed it over. */
  readonly queuedAt: number;
}

interface OpenBatch {
  rows: number;
  /** When the first caller joined (the oldest open batch goes first when a worker frees up). */
  readonly since: number;
  /** The queue-delay timer, started once the batch has to wait for a busy pool. */
  timer: ReturnType<typeof setTimeout> | undefined;
  dispatch(): void;
}

interface ModelQueueOptions {
  readonly model: WorkerModelSpec;
  readonly pool: InferenceBackend;
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  /** Called with each dispatched batch's piece sizes. */
  readonly record: (pieces: readonly number[]) => void;
  /** Called when a batch's inference finished or failed. */
  readonly done: (timing: Omit<BatchTiming, 'modelId'>) => void;
  /** Called when a partial batch is open: the batcher sends it at the end of the tick if a worker is idle. */
  readonly schedule: () => void;
}

class ModelQueue {
  /** The batch callers join; null when none is collecting. */
  open: OpenBatch | null = null;
  private readonly loader: DataLoader<Piece, RoundPiece>;
  private readonly model: WorkerModelSpec;
  private readonly pool: InferenceBackend;
  private readonly maxBatchSize: number;
  private readonly maxQueueDelayMs: number;
  private readonly record: (pieces: readonly number[]) => void;
  private readonly done: ModelQueueOptions['done'];
  private readonly schedule: () => void;

  constructor({ model, pool, maxBatchSize, maxQueueDelayMs, record, done, schedule }: ModelQueueOptions) {
    this.model = model;
    this.pool = pool;
    this.maxBatchSize = maxBatchSize;
    this.maxQueueDelayMs = maxQueueDelayMs;
    this.record = record;
    this.done = done;
    this.schedule = schedule;
    this.loader = new DataLoader<Piece, RoundPiece>((pieces) => this.runBatch(pieces), {
      cache: false,
      // Never dispatched on dataloader's schedule: run(), the pool freeing up or the delay does it.
      batchScheduleFn: (callback) => {
        let fired = false;
        const open: OpenBatch = {
          rows: 0,
          since: performance.now(),
          timer: undefined,
          dispatch: () => {
            if (fired) return;
            fired = true;
            clearTimeout(open.timer);
            if (this.open === open) this.open = null;
            callback();
          },
        };
        this.open = open;
      },
    });
  }

  /** The round's rows split across batches: one promise per piece, in row order. */
  start(draw: LatentSource, rows: number, signal: AbortSignal | undefined): Promise<RoundPiece>[] {
    const queuedAt = performance.now();
    const loads: Promise<RoundPiece>[] = [];
    for (let start = 0; start < rows;) {
      const room = this.open ? this.maxBatchSize - this.open.rows : this.maxBatchSize;
      const take = Math.min(rows - start, Math.max(1, room));
      loads.push(this.loader.load({ latents: draw(start, take), rows: take, signal, queuedAt }));
      const open = this.open!; // load() just opened a batch if none was open
      open.rows += take;
      start += take;
      // A big round's last piece leaves with it: held back, it would queue behind the rounds
      // after it, and its round (awaited whole) would finish a round late.
      if (open.rows >= this.maxBatchSize || (start === rows && loads.length > 1)) open.dispatch();
      else this.schedule();
    }
    return loads;
  }

  async run(latents: Float32Array, rows: number, signal: AbortSignal | undefined): Promise<RoundOutput> {
    const dim = this.model.latentDim;
    const outputs = await raceAbort(Promise.all(this.start((from, n) => latents.subarray(from * dim, (from + n) * dim), rows, signal)), signal);
    return joinPieces(outputs);
  }

  /** Every worker is busy: the open batch waits for one, at most the queue delay. */
  hold(): void {
    const open = this.open;
    if (open) open.timer ??= setTimeout(() => open.dispatch(), this.maxQueueDelayMs);
  }

  private async runBatch(pieces: readonly Piece[]): Promise<(RoundPiece | Error)[]> {
    // Callers that gave up while queued are released here and cost no inference.
    const live = pieces.filter((p) => !p.signal?.aborted);
    if (live.length === 0) return pieces.map((p) => abortError(p.signal!));
    const rows = live.reduce((n, p) => n + p.rows, 0);
    const latents = concatFloat32(live.map((p) => p.latents));
    this.record(live.map((p) => p.rows));
    const dispatchedAt = performance.now();
    const waitedMs = dispatchedAt - live.reduce((t, p) => Math.min(t, p.queuedAt), dispatchedAt);
    // A batch nobody waits for any more need not run; watching every caller of a batch shared by many small ones costs more than the batch.
    const everyone = live.length <= MAX_WATCHED_CALLERS ? whenAllAbort(live.map((p) => p.signal)) : UNWATCHED;
    let result;
    try {
      result = await this.pool.run(this.model, latents, rows, everyone.signal);
    } catch (error) {
      this.done({ rows, queueMs: waitedMs + (performance.now() - dispatchedAt), computeMs: 0, ok: false });
      return pieces.map(() => error as Error);
    } finally {
      everyone.dispose();
    }
    const roundTripMs = performance.now() - dispatchedAt;
    this.done({ rows, queueMs: waitedMs + Math.max(0, roundTripMs - result.inferenceMs), computeMs: result.inferenceMs, ok: true });
    const sampleSize = result.samples.length / rows;
    let row = 0;
    const byPiece = new Map<Piece, RoundPiece>();
    for (const p of live) {
      byPiece.set(p, {
        samples: result.samples.subarray(row * sampleSize, (row + p.rows) * sampleSize),
        logits: result.logits.subarray(row, row + p.rows),
        rounds: 1,
        batchRowsTotal: rows,
        inferenceMs: (result.inferenceMs * p.rows) / rows,
      });
      row += p.rows;
    }
    return pieces.map((p) => byPiece.get(p) ?? abortError(p.signal!));
  }
}

/** Pieces of a round joined into one output (a lone piece as it is). */
export function joinPieces(outputs: readonly RoundPiece[]): RoundOutput {
  if (outputs.length === 1) return outputs[0]!;
  return {
    samples: concatFloat32(outputs.map((o) => o.samples)),
    logits: concatFloat32(outputs.map((o) => o.logits)),
    rounds: outputs.reduce((n, o) => n + o.rounds, 0),
    batchRowsTotal: outputs.reduce((n, o) => n + o.batchRowsTotal, 0),
    inferenceMs: outputs.reduce((n, o) => n + o.inferenceMs, 0),
  };
}

/** Batches with at most this many callers are cancelled when all of them give up (a big request's rounds are one caller's). */
const MAX_WATCHED_CALLERS = 4;
const UNWATCHED = { signal: undefined, dispose: () => undefined };

/** A signal that aborts once every one of `signals` has (never, when one is missing): a batch nobody waits for need not run. */
function whenAllAbort(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal | undefined; dispose(): void } {
  if (signals.some((s) => !s)) return { signal: undefined, dispose: () => undefined };
  const controller = new AbortController();
  let left = signals.length;
  const onAbort = (): void => {
    if (--left === 0) controller.abort(new DOMException('every caller of the round gave up', 'AbortError'));
  };
  for (const s of signals) s!.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => signals.forEach((s) => s!.removeEventListener('abort', onAbort)) };
}

/** Server-scoped batching for every model: share one instance across all requests. */
export class InferenceBatcher {
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  private readonly queues = new Map<string, ModelQueue>();
  private batchCount = 0;
  private flushScheduled = false;

  constructor(
    private readonly pool: InferenceBackend,
    private readonly options: BatcherOptions = {},
  ) {
    this.maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 2048));
    this.maxQueueDelayMs = Math.max(0, options.maxQueueDelayMs ?? 2);
    pool.onFreed(() => this.dispatchWaiting());
  }

  /** At the end of this tick (after pending promise jobs, as dataloader does), send what a worker can take; hold the rest. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    void Promise.resolve().then(() =>
      process.nextTick(() => {
        this.flushScheduled = false;
        this.dispatchWaiting();
        for (const queue of this.queues.values()) queue.hold();
      }),
    );
  }

  /** A round finished (or the tick ended): send the open batches, oldest first, while a worker is idle. */
  private dispatchWaiting(): void {
    while (this.pool.idleWorkers > 0) {
      let oldest: OpenBatch | null = null;
      for (const queue of this.queues.values()) if (queue.open && (!oldest || queue.open.since < oldest.since)) oldest = queue.open;
      if (!oldest) return;
      oldest.dispatch();
    }
  }

  /**
   * One round for `rows` proposals of `model`. The latents are handed over (their buffer may be
   * transferred to a worker): do not use them afterwards. Aborting
   * `signal` rejects at once and drops rows not yet dispatched.
   */
  run(model: WorkerModelSpec, latents: Float32Array, rows: number, signal?: AbortSignal): Promise<RoundOutput> {
    if (latents.length !== rows * model.latentDim) {
      return Promise.reject(new RangeError(`expected ${rows}×${model.latentDim} latents, got ${latents.length}`));
    }
    return this.queue(model).run(latents, rows, signal);
  }

  /**
   * `run`, piece by piece: one promise per batch the round's rows went into, in row order, each
   * settling when its batch is done (a caller can decide the first rows while the rest run).
   * `draw(n)` gives the latents of the next `n` rows: it is called batch by batch, so a full
   * batch is on its way to a worker before the next one's latents are drawn. An aborted
   * `signal` drops the pieces not yet dispatched (they reject with an AbortError).
   */
  start(model: WorkerModelSpec, rows: number, draw: (rows: number) => Float32Array, signal?: AbortSignal): Promise<RoundPiece>[] {
    const dim = model.latentDim;
    return this.queue(model).start(
      (_from, n) => {
        const latents = draw(n);
        if (latents.length !== n * dim) throw new RangeError(`expected ${n}×${dim} latents, got ${latents.length}`);
        return latents;
      },
      rows,
      signal,
    );
  }

  private queue(model: WorkerModelSpec): ModelQueue {
    let queue = this.queues.get(model.id);
    if (!queue) {
      queue = new ModelQueue({
        model,
        pool: this.pool,
        maxBatchSize: this.maxBatchSize,
        maxQueueDelayMs: this.maxQueueDelayMs,
        record: (pieces) => this.options.onBatch?.({ modelId: model.id, batchId: ++this.batchCount, pieces, rows: pieces.reduce((a, b) => a + b, 0) }),
        done: (timing) => this.options.onBatchDone?.({ modelId: model.id, ...timing }),
        schedule: () => this.scheduleFlush(),
      });
      this.queues.set(model.id, queue);
    }
    return queue;
  }
}
