import 'reflect-metadata';
import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { compareSamplers } from '../../sampling/compare.js';
import { limitExceeded, toGraphQLError } from '../errors.js';
import type { SamplingRuntime } from '../runtime.js';
import { SamplerComparison, SamplerSpec, SamplingFailure } from '../types/compare.js';
import { COMPLEXITY, SampleResult, SamplerSpecInput } from '../types/sample.js';
import type { SamplingContext } from './sample.js';

/** Most configurations one comparison may run. */
export const MAX_COMPARED_SAMPLERS = 8;

/** `compareSamplers`: every configuration on one model and seed, sharing inference batches. */
export function createCompareResolver(runtime: SamplingRuntime): Function {
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
    ): Promise<SamplerComparison[]> {
      try {
        if (samplers.length > MAX_COMPARED_SAMPLERS) {
          throw limitExceeded('maxComparedSamplers', `samplers: at most ${MAX_COMPARED_SAMPLERS} configurations per comparison, got ${samplers.length}`, { max: MAX_COMPARED_SAMPLERS });
        }
        const engine = runtime.engine;
        const model = engine.readyModel(modelId);
        const specs = samplers.map((s) => ({ name: s.name, params: s.params ?? {} }));
        const entries = await compareSamplers(
          engine,
          { modelId, samplers: specs, count, metrics: {}, ...(seed == null ? {} : { seed }), ...(maxProposals == null ? {} : { maxProposals }), ...(batchSize == null ? {} : { batchSize }) },
          context?.sampling?.signal ? { signal: context.sampling.signal } : {},
        );
        return entries.map((e, i) => {
          const spec = Object.assign(new SamplerSpec(), specs[i]!);
          if (!e.result) {
            const error = toGraphQLError(e.error);
            return new SamplerComparison(spec, Object.assign(new SamplingFailure(), { code: String(error.extensions.code), message: error.message }));
          }
          const result = e.result;
          return new SamplerComparison(spec, new SampleResult(result, model, result.stats, (families) => engine.evaluate(modelId, result, families)));
        });
      } catch (error) {
        throw toGraphQLError(error);
      }
    }
  }
  return CompareResolver;
}
