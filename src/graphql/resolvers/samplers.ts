import 'reflect-metadata';
import { Arg, Query, Resolver } from 'type-graphql';
import type { SamplerPlugin } from '../../contracts.js';
import type { SamplingRuntime } from '../runtime.js';
import { SamplerInfo } from '../types/sampler.js';

/** `samplers`, `sampler(name)`: each plugin's own declaration. */
export function createSamplerResolver(runtime: SamplingRuntime, fallback: readonly SamplerPlugin[]): Function {
  // Before the engine starts (e.g. while emitting the schema) the configured plugins answer.
  const plugins = (): readonly SamplerPlugin[] => (runtime.started ? runtime.engine.samplers() : fallback);

  @Resolver()
  class SamplerResolver {
    @Query(() => [SamplerInfo], { description: 'Sampler plugins on this server, with their declared parameters.' })
    samplers(): SamplerInfo[] {
      return plugins().map((p) => new SamplerInfo(p));
    }

    @Query(() => SamplerInfo, { nullable: true, description: 'One sampler by name; null when there is none.' })
    sampler(@Arg('name', () => String) name: string): SamplerInfo | null {
      const plugin = plugins().find((p) => p.name === name);
      return plugin ? new SamplerInfo(plugin) : null;
    }
  }
  return SamplerResolver;
}
