/**
 * A `sampleStream` subscription's source: the gateway's RunStream as SampleEvents. A failure
 * (budget exhausted, shutdown…) reaches the client as one last event carrying the error, which
 * the subscription resolver throws, so it arrives as a GraphQL error; a stream the client stopped
 * ends quietly.
 */
import type { GraphQLError } from 'graphql';
import type { RunStream } from '../sampling/stream.js';
import { toGraphQLError } from './errors.js';
import { SampleEvent } from './types/sample.js';

/** The last payload of a stream that failed: the subscription resolver throws its error. */
export class StreamFailure {
  constructor(readonly error: GraphQLError) {}
}

export type StreamPayload = SampleEvent | StreamFailure;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class SubscriptionSource implements AsyncIterableIterator<StreamPayload, undefined> {
  private finished = false;
  private stopped = false;

  constructor(private readonly stream: RunStream) {}

  async next(): Promise<IteratorResult<StreamPayload, undefined>> {
    if (this.finished) return DONE;
    try {
      const step = await this.stream.next();
      if (step.done) {
        this.finished = true;
        return DONE;
      }
      return { done: false, value: new SampleEvent(step.value) };
    } catch (error) {
      this.finished = true;
      return this.stopped ? DONE : { done: false, value: new StreamFailure(toGraphQLError(error)) };
    }
  }

  /** The client sent Complete or went away: stop generating now. */
  async return(): Promise<IteratorResult<StreamPayload, undefined>> {
    this.stopped = true;
    this.finished = true;
    await this.stream.return();
    return DONE;
  }

  async throw(): Promise<IteratorResult<StreamPayload, undefined>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
