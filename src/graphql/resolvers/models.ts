import 'reflect-metadata';
import { Arg, ID, Query, Resolver } from 'type-graphql';
import type { SamplingRuntime } from '../runtime.js';
import { Model, type BurnInLookup } from '../types/model.js';

/** `models`, `model(id)`. A resolver class per plugin instance, closed over its runtime. */
export function createModelResolver(runtime: SamplingRuntime): Function {
  const burnIns: BurnInLookup = (id) => runtime.engine.burnInFacts(id);

  @Resolver()
  class ModelResolver {
    @Query(() => [Model], { description: 'Every model folder in MODELS_DIR, READY or FAILED (with its error), sorted by id.' })
    models(): Model[] {
      return runtime.engine.models().map((entry) => new Model(entry, burnIns));
    }

    @Query(() => Model, { nullable: true, description: 'One model by id; null when there is none.' })
    model(@Arg('id', () => ID) id: string): Model | null {
      const entry = runtime.engine.repository.get(id);
      return entry ? new Model(entry, burnIns) : null;
    }
  }
  return ModelResolver;
}
