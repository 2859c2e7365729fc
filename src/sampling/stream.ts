/**
 * A stream of a run's chunks with running metrics. Not an async generator on purpose: a
 * generator's `return()` waits for its pending `await` (a whole inference round or more), while
 * a subscription's consumer calls `return()` the moment its client stops; here it cancels the
 * run at once.
 *
 * The run is pulled ahead of the consumer, so inference goes on while an event is serialised
 * and sent; each event carries every chunk that arrived meanwhile (events are sized by the
 * consumer's pace, at least one round each). A slow consumer pauses the run once
 * `maxBufferedValues` values wait for it. A round bigger than `maxEventValues` goes out as
 * several events (an image model's round of 512 samples is 1.6 MB of float32).
 */
import { AbortReason } from '../abort.js';
import type { MetricsAccumulator, SampleMetrics } from '../evaluation/evaluator.js';
import type { ReadyModel } from '../models/repository.js';
import type { ResumePoint } from './checkpoint.js';
import { joinChunks, type SampleChunk, type SamplingRun } from './run.js';

export interface StreamEvent {
  readonly chunk: SampleChunk;
  readonly model: ReadyModel;
  /** Running quality metrics over every sample streamed so far, this chunk included. */
  metrics(): Promise<SampleMetrics>;
  /** The cursor after this event (hand it to `resumeFrom` to continue from here); null when the sampler cannot be resumed. Encoded when asked for. */
  cursor(): string | null;
}

export interface RunStreamOptions {
  /** Given when the consumer wants running metrics: each chunk is folded in as it arrives. */
  readonly accumulator?: MetricsAccumulator | undefined;
  /** Called with each event's sample count. */
  readonly onChunk?: (count: number) => void;
  /** Encodes a stream position as a cursor. Without it events have no cursor. */
  readonly cursor?: ((point: ResumePoint) => string) | undefined;
  /** Sample values (samples × values per sample) held for a slow consumer before the run pauses. Default 2^20 (4 MiB of float32). */
  readonly maxBufferedValues?: number;
  /** Most sample values per event (at least one sample): a bigger round goes out as several events, so none blocks the server for long. Default 2^16 (MAX_EVENT_VALUES). */
  readonly maxEventValues?: number;
}

/** Default most sample values per event. */
export const MAX_EVENT_VALUES = 2 ** 16;

/** Most samples one event carries (at least one). */
export function eventRows(sampleSize: number, maxEventValues = MAX_EVENT_VALUES): number {
  return Math.max(1, Math.floor(maxEventValues / sampleSize));
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

const metricsNotSelected = (): Promise<SampleMetrics> => Promise.reject(new Error('metrics were not selected when the stream started'));

export class RunStream implements AsyncIterableIterator<StreamEvent, undefined> {
  private readonly buffered: SampleChunk[] = [];
  private bufferedValues = 0;
  private pumping: Promise<void> | undefined;
  /** The run has no more chunks (finished, failed or stopped). */
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private stopped = false;
  private wakeConsumer: (() => void) | undefined;
  private wakePump: (() => void) | undefined;

  constructor(
    readonly run: SamplingRun,
    private readonly model: ReadyModel,
    private readonly options: RunStreamOptions = {},
  ) {}

  async next(): Promise<IteratorResult<StreamEvent, undefined>> {
    this.pumping ??= this.pump();
    while (this.buffered.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    if (this.buffered.length === 0) {
      if (this.failure) throw this.failure.error;
      return DONE;
    }
    const chunks = this.buffered.splice(0);
    this.bufferedValues = 0;
    const last = chunks.at(-1)!;
    let chunk: SampleChunk = chunks.length === 1 ? last : { ...joinChunks(chunks, last.stats, last.sampleSize), done: last.done };
    const rows = eventRows(chunk.sampleSize, this.options.maxEventValues);
    if (chunk.count > rows) {
      const [head, rest] = splitChunk(chunk, rows);
      this.buffered.unshift(rest);
      this.bufferedValues = rest.samples.length;
      chunk = head;
    }
    this.wakePump?.();
    this.options.onChunk?.(chunk.count);
    const { accumulator } = this.options;
    let metrics = metricsNotSelected;
    if (accumulator) {
      await accumulator.add(chunk.samples, chunk.count);
      const snapshot = accumulator.snapshot();
      metrics = () => Promise.resolve(snapshot);
    }
    const { after } = chunk;
    const encode = this.options.cursor;
    let cursor: string | null | undefined;
    return { done: false, value: { chunk, model: this.model, metrics, cursor: () => (cursor ??= after && encode ? encode(after) : null) } };
  }

  /** Pulls the run's chunks into the buffer until it ends, pausing while the buffer is full. */
  private async pump(): Promise<void> {
    const limit = this.options.maxBufferedValues ?? 2 ** 20;
    try {
      while (!this.stopped) {
        const step = await this.run.next();
        if (step.done) break;
        this.buffered.push(step.value);
        this.bufferedValues += step.value.samples.length;
        this.wakeConsumer?.();
        while (this.bufferedValues >= limit && !this.stopped) await new Promise<void>((resolve) => (this.wakePump = resolve));
      }
    } catch (error) {
      if (!this.stopped) this.failure = { error };
    } finally {
      this.ended = true;
      this.wakeConsumer?.();
    }
  }

  /** The consumer stopped: stop generating now. */
  async return(): Promise<IteratorResult<StreamEvent, undefined>> {
    this.stopped = true;
    this.wakePump?.();
    this.run.cancel(AbortReason.CLIENT_STOPPED);
    await this.run.return();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** The first `rows` samples of a chunk, and the rest (which keeps `done`); both report the round's stats. */
function splitChunk(chunk: SampleChunk, rows: number): [SampleChunk, SampleChunk] {
  const { samples, logits, acceptanceProbabilities, sampleSize, stats } = chunk;
  const part = (from: number, to: number, done: boolean): SampleChunk => ({
    samples: samples.subarray(from * sampleSize, to * sampleSize),
    logits: logits.subarray(from, to),
    acceptanceProbabilities: acceptanceProbabilities.subarray(from, to),
    count: to - from,
    sampleSize,
    stats,
    done,
  });
  // Positions for cursors: the head ends `rows` samples after where the chunk began; the rest ends where the chunk ends.
  const { before, after } = chunk;
  const middle = before ? { ...before, skip: before.skip + rows } : before;
  return [
    { ...part(0, rows, false), ...(before !== undefined && { before, after: middle }) },
    { ...part(rows, chunk.count, chunk.done), ...(after !== undefined && { before: middle, after }) },
  ];
}
