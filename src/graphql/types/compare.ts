/** `compareSamplers`: one entry per sampler configuration, all run on the same seed. */
import 'reflect-metadata';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { CompareRequest } from '../../sampling/compare.js';
import { ErrorCode } from './enums.js';
import { SampleMetricsView } from './metrics.js';
import { SampleResult, SampleStats, SamplerSpecInput } from './sample.js';

@InputType({ description: 'Sampler configurations to run on one model with one seed.' })
export class CompareSamplersInput {
  @Field(() => ID)
  modelId!: string;

  @Field(() => [SamplerSpecInput], { description: 'The configurations, in the order the entries are returned.' })
  samplers!: SamplerSpecInput[];

  @Field(() => Int, { description: 'Accepted samples wanted per configuration.' })
  count!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'One seed for every configuration (so all see the same proposals). Drawn and reported in stats when omitted.',
  })
  seed?: number | null;

  @Field(() => Int, { nullable: true, description: 'Proposal budget per configuration.' })
  maxProposals?: number | null;

  @Field(() => Int, { nullable: true, description: 'Proposals per round per configuration.' })
  batchSize?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'The class every configuration samples, 0-based into `Model.classLabels`: required by a class-conditional model (G and D get it; burn-in and calibration are that class’s), BAD_USER_INPUT on any other model or out of range.',
  })
  classLabel?: number | null;
}

/** GraphQL input → gateway request. */
export function toCompareRequest(input: CompareSamplersInput): CompareRequest {
  return {
    modelId: input.modelId,
    samplers: input.samplers.map((s) => ({ name: s.name, params: s.params ?? {} })),
    count: input.count,
    seed: input.seed ?? undefined,
    maxProposals: input.maxProposals ?? undefined,
    batchSize: input.batchSize ?? undefined,
    classLabel: input.classLabel ?? undefined,
  };
}

@ObjectType({ description: 'A sampler configuration as given.' })
export class SamplerSpec {
  @Field(() => String)
  name!: string;

  @Field(() => GraphQLJSONObject)
  params!: Record<string, unknown>;
}

@ObjectType({ description: 'Why one configuration of a comparison produced no result.' })
export class SamplingFailure {
  @Field(() => ErrorCode)
  code!: ErrorCode;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'One sampler of a comparison: its spec, and its result or its failure.' })
export class SamplerComparison {
  constructor(
    readonly spec: SamplerSpec,
    private readonly outcome: SampleResult | SamplingFailure,
  ) {}

  @Field(() => SamplerSpec)
  get sampler(): SamplerSpec {
    return this.spec;
  }

  @Field(() => SampleResult, { nullable: true, description: 'The samples and stats; null when the run failed.' })
  get result(): SampleResult | null {
    return this.outcome instanceof SampleResult ? this.outcome : null;
  }

  @Field(() => SampleStats, { nullable: true, description: 'Same as result.stats.' })
  get stats(): SampleStats | null {
    return this.result?.stats ?? null;
  }

  @Field(() => SampleMetricsView, { nullable: true, description: 'Same as result.metrics: computed only when asked for.' })
  metrics(): SampleMetricsView | null {
    return this.result?.metrics() ?? null;
  }

  @Field(() => SamplingFailure, { nullable: true })
  get error(): SamplingFailure | null {
    return this.outcome instanceof SamplingFailure ? this.outcome : null;
  }
}
