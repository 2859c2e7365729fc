/** GraphQL view of sampler plugins, straight from each plugin's declaration (no schema edit per plugin). */
import 'reflect-metadata';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { isLatentSampler, type RegisteredSampler, type SamplerParameter, type SamplerParameterValue } from '../../contracts.js';
import { SamplerKind, SamplerParameterType } from './enums.js';

@ObjectType({ description: 'One declared sampler parameter; `params` in SampleInput are checked against these.' })
export class SamplerParameterInfo {
  constructor(private readonly declaration: SamplerParameter) {}

  @Field(() => String)
  get name(): string {
    return this.declaration.name;
  }

  @Field(() => SamplerParameterType)
  get type(): SamplerParameterType {
    return this.declaration.type;
  }

  @Field(() => GraphQLJSON, { nullable: true, description: 'Applied when the request omits the parameter; null = no default (unset unless given).' })
  get default(): SamplerParameterValue | null {
    return this.declaration.default ?? null;
  }

  @Field(() => [String], { nullable: true, description: 'The allowed values of an ENUM parameter; null for other types.' })
  get allowedValues(): readonly string[] | null {
    return this.declaration.type === 'enum' ? (this.declaration.values ?? []) : null;
  }

  @Field(() => Float, { nullable: true, description: 'Inclusive lower bound (numbers).' })
  get min(): number | null {
    return this.declaration.min ?? null;
  }

  @Field(() => Float, { nullable: true, description: 'Inclusive upper bound (numbers).' })
  get max(): number | null {
    return this.declaration.max ?? null;
  }

  @Field(() => String)
  get description(): string {
    return this.declaration.description;
  }
}

@ObjectType({ description: 'A sampler plugin registered on this server.' })
export class SamplerInfo {
  constructor(private readonly plugin: RegisteredSampler) {}

  @Field(() => String)
  get name(): string {
    return this.plugin.name;
  }

  @Field(() => String)
  get description(): string {
    return this.plugin.description;
  }

  @Field(() => Int, { description: 'The sampler contract version the plugin implements (src/contracts.ts); version 1 plugins run through an adapter.' })
  get contractVersion(): number {
    return this.plugin.contractVersion;
  }

  @Field(() => SamplerKind, { description: 'round or latent; a latent sampler runs only on models with a latent-gradient graph (see `Model.samplers`).' })
  get kind(): SamplerKind {
    return isLatentSampler(this.plugin) ? SamplerKind.LATENT : SamplerKind.ROUND;
  }

  @Field(() => Boolean, {
    description: 'Whether its streams can be resumed (`SampleEvent.cursor`, `SampleInput.resumeFrom`): the plugin implements snapshot/restore.',
  })
  get resumable(): boolean {
    return typeof (this.plugin as { restore?: unknown }).restore === 'function';
  }

  @Field(() => [SamplerParameterInfo])
  get parameters(): SamplerParameterInfo[] {
    return this.plugin.parameters.map((p) => new SamplerParameterInfo(p));
  }
}

@ObjectType({ description: 'Whether a registered sampler can run on a model, and why not.' })
export class ModelSamplerInfo {
  @Field(() => String)
  name!: string;

  @Field(() => SamplerKind)
  kind!: SamplerKind;

  @Field(() => Boolean)
  available!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Why it cannot run on this model (a request for it fails with SAMPLER_UNAVAILABLE); null when available.',
  })
  unavailableReason!: string | null;
}
