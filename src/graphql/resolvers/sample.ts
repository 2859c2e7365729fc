import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, Info, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { OperationBudget } from '../../sampling/budget.js';
import type { SamplingGateway } from '../../sampling/gateway.js';
import { NO_CACHE } from '../cache-control.js';
import { toGraphQLError } from '../errors.js';
import { responseFields, selectsField } from '../selection.js';
import { StreamFailure, SubscriptionSource, type StreamPayload } from '../stream.js';
import { COMPLEXITY, SampleEvent, SampleInput, SampleResult, toSampleRequest } from '../types/sample.js';

/**
 * Optional context a server may pass (see `SamplingService.httpContext`): the signal aborts the
 * `sample` query's run when the client goes away; the budget, made once per operation, bounds
 * what all its fields together may take (see `SamplingGateway.operationBudget`); the request id
 * tags the run's log line.
 */
export interface SamplingContext {
  readonly sampling?: { readonly signal?: AbortSignal; readonly budget?: OperationBudget; readonly requestId?: string };
}

/** `sample` (query) and `sampleStream` (subscription). */
export function createSampleResolver(gateway: SamplingGateway): Function {
  @Resolver()
  class SampleResolver {
    @Query(() => SampleResult, {
      complexity: COMPLEXITY.sample,
      description:
        'Runs a sampler to `count` accepted samples and returns them all. Without a `seed` every call draws new samples: a client cache must not answer it ' +
        '(Apollo Client: `fetchPolicy: "no-cache"` or `"network-only"`). With a seed the same input gives the same samples. Never HTTP-cached (`Cache-Control: no-store`).',
    })
    @Directive(NO_CACHE)
    async sample(
      @Arg('input', () => SampleInput) input: SampleInput,
      @Ctx() context: SamplingContext | undefined,
      @Info() info: GraphQLResolveInfo,
    ): Promise<SampleResult> {
      try {
        const { signal, budget, requestId } = context?.sampling ?? {};
        return new SampleResult(await gateway.sample(toSampleRequest(input), { signal, budget, requestId, fields: responseFields(info) }));
      } catch (error) {
        throw toGraphQLError(error);
      }
    }

    @Subscription(() => SampleEvent, {
      complexity: COMPLEXITY.sample,
      description: 'Streams accepted samples in chunks with running stats; the last event has done: true. Stopping the subscription stops the sampling.',
      subscribe: ({ args, info, context }) => {
        try {
          const { input } = args as { input: SampleInput };
          const { budget, requestId } = (context as SamplingContext | undefined)?.sampling ?? {};
          return new SubscriptionSource(
            gateway.stream(toSampleRequest(input), { metrics: selectsField(info, 'metrics'), budget, requestId, fields: responseFields(info) }),
          );
        } catch (error) {
          throw toGraphQLError(error);
        }
      },
    })
    sampleStream(@Root() payload: StreamPayload, @Arg('input', () => SampleInput) _input: SampleInput): SampleEvent {
      if (payload instanceof StreamFailure) throw payload.error;
      return payload;
    }
  }
  return SampleResolver;
}
