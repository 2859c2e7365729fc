/**
 * A stream of a run's chunks with running metrics. Not an async generator on purpose: a
 * generator's `return()` waits for its pending `await` (a whole inference round or more), while
 * a subscription's consumer calls `return()` the moment its client stops; here it cancels the
 * run at once.
 */
import { AbortReason } from '../abort.js';
import type { MetricsAccumulator, SampleMetrics } from '../evaluation/evaluator.js';
import type { ReadyModel } from '../models/repository.js';
import type { ResumePoint } from './checkpoint.js';
import type { SampleChunk, SamplingRun } from './run.js';

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
  /** Called with each chunk's sample count. */
  readonly onChunk?: (count: number) => void;
  /** Encodes a stream position as a cursor. Without it events have no cursor. */
  readonly cursor?: ((point: ResumePoint) => string) | undefined;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

const metricsNotSelected = (): Promise<SampleMetrics> => Promise.reject(new Error('metrics were not selected when the stream started'));

export class RunStream implements AsyncIterableIterator<StreamEvent, undefined> {
  constructor(
    readonly run: SamplingRun,
    private readonly model: ReadyModel,
    private readonly options: RunStreamOptions = {},
  ) {}

  async next(): Promise<IteratorResult<StreamEvent, undefined>> {
    const step = await this.run.next();
    if (step.done) return DONE;
    const chunk = step.value;
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

  /** The consumer stopped: stop generating now. */
  async return(): Promise<IteratorResult<StreamEvent, undefined>> {
    this.run.cancel(AbortReason.CLIENT_STOPPED);
    await this.run.return();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
