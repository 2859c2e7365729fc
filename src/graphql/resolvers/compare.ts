import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, ID, Info, Int, Query, Resolver } from 'type-graphql';
import type { SamplingGateway } from '../../sampling/gateway.js';
import { toGraphQLError } from '../errors.js';
import { responseFields } from '../selection.js';
import { SamplerComparison, SamplerSpec, SamplingFailure } from '../types/compare.js';
import { COMPLEXITY, SampleResult, SamplerSpecInput } from '../types/sample.js';
import type { SamplingContext } from './sample.js';

/** `compareSamplers`: every configuration on one model and seed, sharing inference batches. */
export function createCompareResolver(gateway: SamplingGateway): Function {
  @Resolver()
  class CompareResolver {
    @Query(() => [SamplerComparison], {
      complexity: COMPLEXITY.compare,
      description:
        'Runs every sampler configuration on the same model and seed (so all see the same proposals) and returns one entry per configuration: ' +
        'its spec, stats and metrics, or its error (one failing configuration does not fail the others).',
    })
    async compareSamplers(
      @Arg('modelId', () => ID) modelId: string,
      @Arg('samplers', () => [SamplerSpecInput]) samplers: SamplerSpecInput[],
      @Arg('count', () => Int) count: number,
      @Arg('seed', () => Int, { nullable: true }) seed: number | null,
      @Arg('maxProposals', () => Int, { nullable: true }) maxProposals: number | null,
      @Arg('batchSize', () => Int, { nullable: true }) batchSize: number | null,
      @Ctx() context: SamplingContext | undefined,
      @Info() info: GraphQLResolveInfo,
    ): Promise<SamplerComparison[]> {
      try {
        const specs = samplers.map((s) => ({ name: s.name, params: s.params ?? {} }));
        const request = { modelId, samplers: specs, count, seed: seed ?? undefined, maxProposals: maxProposals ?? undefined, batchSize: batchSize ?? undefined };
        const { signal, budget } = context?.sampling ?? {};
        const entries = await gateway.compare(request, { signal, budget, fields: responseFields(info) });
        return entries.map((e, i) => {
          const spec = Object.assign(new SamplerSpec(), specs[i]);
          if (e.outcome) return new SamplerComparison(spec, new SampleResult(e.outcome));
          const error = toGraphQLError(e.error);
          return new SamplerComparison(spec, Object.assign(new SamplingFailure(), { code: String(error.extensions.code), message: error.message }));
        });
      } catch (error) {
        throw toGraphQLError(error);
      }
    }
  }
  return CompareResolver;
}
