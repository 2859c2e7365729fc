/**
 * A `sampleStream` subscription's source: SamplingRun chunks → SampleEvents.
 *
 * Not an async generator on purpose: a generator's `return()` waits for its pending `await`
 * (a whole inference round or more), while graphql-ws calls `return()` the moment a client
 * sends Complete or its socket closes. Here `return()` cancels the run at once.
 */
import type { GraphQLError } from 'graphql';
import type { ReadyModel } from '../models/repository.js';
import type { MetricsAccumulator, SampleMetrics } from '../evaluation/evaluator.js';
import type { SamplingRun } from '../sampling/run.js';
import { toGraphQLError } from './errors.js';
import { SampleEvent } from './types/sample.js';

/** The last payload of a stream that failed: the subscription resolver throws its error. */
export class StreamFailure {
  constructor(readonly error: GraphQLError) {}
}

export type StreamPayload = SampleEvent | StreamFailure;

export interface StreamHooks {
  /** Called with each chunk's sample count. */
  onChunk(count: number): void;
  /** Called once, however the stream ends. */
  onEnd(): void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class SampleStream implements AsyncIterableIterator<StreamPayload, undefined> {
  private finished = false;
  private stopped = false;

  constructor(
    readonly run: SamplingRun,
    private readonly model: ReadyModel,
    private readonly hooks: StreamHooks,
    /** Set when the subscription selects `metrics`: running metrics are folded chunk by chunk. */
    private readonly accumulator?: MetricsAccumulator,
  ) {}

  async next(): Promise<IteratorResult<StreamPayload, undefined>> {
    if (this.finished) return DONE;
    try {
      const step = await this.run.next();
      if (step.done) {
        this.finish();
        return DONE;
      }
      const chunk = step.value;
      this.hooks.onChunk(chunk.count);
      let snapshot: Promise<SampleMetrics>;
      if (this.accumulator) {
        await this.accumulator.add(chunk.samples, chunk.count);
        snapshot = Promise.resolve(this.accumulator.snapshot());
      } else {
        snapshot = Promise.reject(new Error('metrics were not selected when the subscription started'));
        snapshot.catch(() => undefined);
      }
      return { done: false, value: new SampleEvent(chunk, this.model, chunk.stats, chunk.done, () => snapshot) };
    } catch (error) {
      this.finish();
      // A stream the client stopped ends quietly; any other failure reaches the client as one
      // last event with the error (budget exhausted, shutdown…), then the stream completes.
      return this.stopped ? DONE : { done: false, value: new StreamFailure(toGraphQLError(error)) };
    }
  }

  /** The client sent Complete or went away: stop generating now. */
  async return(): Promise<IteratorResult<StreamPayload, undefined>> {
    this.stopped = true;
    this.run.cancel(new DOMException('the client stopped the stream', 'AbortError'));
    await this.run.return();
    this.finish();
    return DONE;
  }

  async throw(): Promise<IteratorResult<StreamPayload, undefined>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.hooks.onEnd();
  }
}
