/** `compareSamplers`: one entry per sampler configuration, all run on the same seed. */
import 'reflect-metadata';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { SampleMetricsView } from './metrics.js';
import { SampleResult, SampleStats } from './sample.js';

@ObjectType({ description: 'A sampler configuration as given.' })
export class SamplerSpec {
  @Field(() => String)
  name!: string;

  @Field(() => GraphQLJSONObject)
  params!: Record<string, unknown>;
}

@ObjectType({ description: 'Why one configuration of a comparison produced no result.' })
export class SamplingFailure {
  @Field(() => String, { description: 'The error code, e.g. PROPOSAL_BUDGET_EXHAUSTED.' })
  code!: string;

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
