import 'reflect-metadata';
import { Arg, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SamplingRuntime } from '../runtime.js';
import { selectsField } from '../selection.js';
import { StreamFailure, type StreamPayload } from '../stream.js';
import { COMPLEXITY, SampleEvent, SampleInput, SampleResult } from '../types/sample.js';

/**
 * Optional context a server may pass (see `SamplingPlugin.httpContext`): the signal aborts the
 * `sample` query's run when the HTTP client goes away.
 */
export interface SamplingContext {
  readonly sampling?: { readonly signal?: AbortSignal };
}

/** `sample` (query) and `sampleStream` (subscription). */
export function createSampleResolver(runtime: SamplingRuntime): Function {
  @Resolver()
  class SampleResolver {
    @Query(() => SampleResult, { complexity: COMPLEXITY.sample, description: 'Runs a sampler to `count` accepted samples and returns them all.' })
    sample(@Arg('input', () => SampleInput) input: SampleInput, @Ctx() context: SamplingContext | undefined): Promise<SampleResult> {
      return runtime.sample(input, context?.sampling?.signal);
    }

    @Subscription(() => SampleEvent, {
      complexity: COMPLEXITY.sample,
      description: 'Streams accepted samples in chunks with running stats; the last event has done: true. Stopping the subscription stops the sampling.',
      subscribe: ({ args, info }) => runtime.stream(args.input as SampleInput, selectsField(info, 'metrics')),
    })
    sampleStream(@Root() payload: StreamPayload, @Arg('input', () => SampleInput) _input: SampleInput): SampleEvent {
      if (payload instanceof StreamFailure) throw payload.error;
      return payload;
    }
  }
  return SampleResolver;
}
