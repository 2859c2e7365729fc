import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Directive, Info, Query, Resolver } from 'type-graphql';
import { errorCode } from '../../errors.js';
import type { SamplingGateway } from '../../sampling/gateway.js';
import { NO_CACHE } from '../cache-control.js';
import { toGraphQLError } from '../errors.js';
import { responseFields } from '../selection.js';
import { CompareSamplersInput, SamplerComparison, SamplerSpec, SamplingFailure, toCompareRequest } from '../types/compare.js';
import { COMPLEXITY, SampleResult } from '../types/sample.js';
import type { SamplingContext } from './sample.js';

/** `compareSamplers`: every configuration on one model and seed, sharing inference batches. */
export function createCompareResolver(gateway: SamplingGateway): Function {
  @Resolver()
  class CompareResolver {
    @Query(() => [SamplerComparison], {
      complexity: COMPLEXITY.compare,
      description:
        'Runs every sampler configuration on the same model and seed (so all see the same proposals) and returns one entry per configuration: ' +
        'its spec, stats and metrics, or its error (one failing configuration does not fail the others). ' +
        'Without a seed each call draws new samples: see `sample` on client caches.',
    })
    @Directive(NO_CACHE)
    async compareSamplers(
      @Arg('input', () => CompareSamplersInput) input: CompareSamplersInput,
      @Ctx() context: SamplingContext | undefined,
      @Info() info: GraphQLResolveInfo,
    ): Promise<SamplerComparison[]> {
      try {
        const request = toCompareRequest(input);
        const { signal, budget, requestId } = context?.sampling ?? {};
        const entries = await gateway.compare(request, { signal, budget, requestId, fields: responseFields(info) });
        return entries.map((e, i) => {
          const spec = Object.assign(new SamplerSpec(), request.samplers[i]);
          if (e.outcome) return new SamplerComparison(spec, new SampleResult(e.outcome));
          return new SamplerComparison(spec, Object.assign(new SamplingFailure(), { code: errorCode(e.error), message: toGraphQLError(e.error).message }));
        });
      } catch (error) {
        throw toGraphQLError(error);
      }
    }
  }
  return CompareResolver;
}
