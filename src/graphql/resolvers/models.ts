import 'reflect-metadata';
import { Arg, ID, Query, Resolver } from 'type-graphql';
import { SamplerKind, isLatentSampler } from '../../contracts.js';
import { samplerUnavailable } from '../../sampling/engine.js';
import type { SamplingGateway } from '../../sampling/gateway.js';
import { toGraphQLError } from '../errors.js';
import { Model, type ModelLookups } from '../types/model.js';
import { ModelSamplerInfo } from '../types/sampler.js';

/** `models`, `model(id)`. A resolver class per service instance, closed over its gateway. */
export function createModelResolver(gateway: SamplingGateway): Function {
  const lookups: ModelLookups = {
    burnIns: (id) => gateway.burnIns(id),
    calibration: (id) => gateway.calibration(id),
    samplers: (entry) =>
      gateway.samplers().map((plugin) => {
        const reason = samplerUnavailable(entry, plugin);
        return Object.assign(new ModelSamplerInfo(), {
          name: plugin.name,
          kind: isLatentSampler(plugin) ? SamplerKind.LATENT : SamplerKind.ROUND,
          available: reason === null,
          unavailableReason: reason,
        });
      }),
  };

  @Resolver()
  class ModelResolver {
    @Query(() => [Model], { description: 'Every model folder in MODELS_DIR, READY or FAILED (with its error), sorted by id.' })
    models(): Model[] {
      try {
        return gateway.models().map((entry) => new Model(entry, lookups));
      } catch (error) {
        throw toGraphQLError(error);
      }
    }

    @Query(() => Model, { nullable: true, description: 'One model by id; null when there is none.' })
    model(@Arg('id', () => ID) id: string): Model | null {
      try {
        const entry = gateway.model(id);
        return entry ? new Model(entry, lookups) : null;
      } catch (error) {
        throw toGraphQLError(error);
      }
    }
  }
  return ModelResolver;
}
