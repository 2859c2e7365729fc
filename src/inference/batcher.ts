/**
 * Coalesces concurrent callers' rounds into shared batches, one queue per model, with
 * Triton's dynamic-batcher semantics: a batch that reaches `maxBatchSize` rows is dispatched
 * at once; a partial one after at most `maxQueueDelayMs`.
 *
 * Built on dataloader (`cache: false`). Plain dataloader only dispatches on its schedule, even
 * when a batch is full, so we keep the open batch's dispatch callback and fire it early. A
 * caller's rows are split across batches when they do not fit the open one.
 */
import DataLoader from 'dataloader';
import type { WorkerModelSpec } from './protocol.js';
import type { WorkerPool } from './pool.js';

export interface BatcherOptions {
  /** Rows per batch (across callers). Default 2048. */
  readonly maxBatchSize?: number;
  /** Longest a partial batch waits for company. Default 2 ms. */
  readonly maxQueueDelayMs?: number;
  /** Called once per dispatched batch; for stats and tests. */
  readonly onBatch?: (batch: BatchRecord) => void;
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
}

interface Piece {
  readonly latents: Float32Array;
  readonly rows: number;
  readonly signal: AbortSignal | undefined;
}

interface PieceOutput {
  readonly samples: Float32Array;
  readonly logits: Float32Array;
  readonly batchRows: number;
}

interface OpenBatch {
  rows: number;
  dispatch(): void;
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

class ModelQueue {
  private open: OpenBatch | null = null;
  private readonly loader: DataLoader<Piece, PieceOutput>;

  constructor(
    private readonly model: WorkerModelSpec,
    private readonly pool: WorkerPool,
    private readonly maxBatchSize: number,
    maxQueueDelayMs: number,
    private readonly record: (pieces: readonly number[]) => void,
  ) {
    this.loader = new DataLoader<Piece, PieceOutput>((pieces) => this.runBatch(pieces), {
      cache: false,
      batchScheduleFn: (callback) => {
        let fired = false;
        const open: OpenBatch = {
          rows: 0,
          dispatch: () => {
            if (fired) return;
            fired = true;
            clearTimeout(timer);
            if (this.open === open) this.open = null;
            callback();
          },
        };
        const timer = setTimeout(open.dispatch, maxQueueDelayMs);
        this.open = open;
      },
    });
  }

  async run(latents: Float32Array, rows: number, signal: AbortSignal | undefined): Promise<RoundOutput> {
    const dim = this.model.latentDim;
    const loads: Promise<PieceOutput>[] = [];
    for (let start = 0; start < rows; ) {
      const room = this.open ? this.maxBatchSize - this.open.rows : this.maxBatchSize;
      const take = Math.min(rows - start, Math.max(1, room));
      loads.push(this.loader.load({ latents: latents.subarray(start * dim, (start + take) * dim), rows: take, signal }));
      const open = this.open!; // load() just opened a batch if none was open
      open.rows += take;
      if (open.rows >= this.maxBatchSize) open.dispatch();
      start += take;
    }
    const outputs = await raceAbort(Promise.all(loads), signal);
    if (outputs.length === 1) {
      const only = outputs[0]!;
      return { samples: only.samples, logits: only.logits, rounds: 1, batchRowsTotal: only.batchRows };
    }
    const sampleSize = this.model.outputShape.reduce((a, b) => a * b, 1);
    const samples = new Float32Array(rows * sampleSize);
    const logits = new Float32Array(rows);
    let row = 0;
    let batchRowsTotal = 0;
    for (const out of outputs) {
      samples.set(out.samples, row * sampleSize);
      logits.set(out.logits, row);
      row += out.logits.length;
      batchRowsTotal += out.batchRows;
    }
    return { samples, logits, rounds: outputs.length, batchRowsTotal };
  }

  private async runBatch(pieces: readonly Piece[]): Promise<(PieceOutput | Error)[]> {
    // Callers that gave up while queued are released here and cost no inference.
    const live = pieces.filter((p) => !p.signal?.aborted);
    if (live.length === 0) return pieces.map((p) => abortError(p.signal!));
    const dim = this.model.latentDim;
    const rows = live.reduce((n, p) => n + p.rows, 0);
    const latents = new Float32Array(rows * dim);
    let offset = 0;
    for (const p of live) {
      latents.set(p.latents, offset);
      offset += p.latents.length;
    }
    this.record(live.map((p) => p.rows));
    let result;
    try {
      result = await this.pool.run(this.model, latents, rows);
    } catch (error) {
      return pieces.map(() => error as Error);
    }
    const sampleSize = result.samples.length / rows;
    let row = 0;
    const byPiece = new Map<Piece, PieceOutput>();
    for (const p of live) {
      byPiece.set(p, {
        samples: result.samples.subarray(row * sampleSize, (row + p.rows) * sampleSize),
        logits: result.logits.subarray(row, row + p.rows),
        batchRows: rows,
      });
      row += p.rows;
    }
    return pieces.map((p) => byPiece.get(p) ?? abortError(p.signal!));
  }
}

/** Server-scoped batching for every model: share one instance across all requests. */
export class InferenceBatcher {
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  private readonly queues = new Map<string, ModelQueue>();
  private batchCount = 0;

  constructor(
    private readonly pool: WorkerPool,
    private readonly options: BatcherOptions = {},
  ) {
    this.maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 2048));
    this.maxQueueDelayMs = Math.max(0, options.maxQueueDelayMs ?? 2);
  }

  /**
   * One round for `rows` proposals of `model`. The latents are read, not kept. Aborting
   * `signal` rejects at once and drops rows not yet dispatched.
   */
  run(model: WorkerModelSpec, latents: Float32Array, rows: number, signal?: AbortSignal): Promise<RoundOutput> {
    if (latents.length !== rows * model.latentDim) {
      return Promise.reject(new RangeError(`expected ${rows}×${model.latentDim} latents, got ${latents.length}`));
    }
    let queue = this.queues.get(model.id);
    if (!queue) {
      queue = new ModelQueue(model, this.pool, this.maxBatchSize, this.maxQueueDelayMs, (pieces) => {
        const rec: BatchRecord = { modelId: model.id, batchId: ++this.batchCount, pieces, rows: pieces.reduce((a, b) => a + b, 0) };
        this.options.onBatch?.(rec);
      });
      this.queues.set(model.id, queue);
    }
    return queue.run(latents, rows, signal);
  }
}
