import 'reflect-metadata';
import { Arg, Query, Resolver } from 'type-graphql';
import type { SamplingGateway } from '../../sampling/gateway.js';
import { SamplerInfo } from '../types/sampler.js';

/** `samplers`, `sampler(name)`: each plugin's own declaration. */
export function createSamplerResolver(gateway: SamplingGateway): Function {
  @Resolver()
  class SamplerResolver {
    @Query(() => [SamplerInfo], { description: 'Sampler plugins on this server, with their declared parameters.' })
    samplers(): SamplerInfo[] {
      return gateway.samplers().map((p) => new SamplerInfo(p));
    }

    @Query(() => SamplerInfo, { nullable: true, description: 'One sampler by name; null when there is none.' })
    sampler(@Arg('name', () => String) name: string): SamplerInfo | null {
      const plugin = gateway.samplers().find((p) => p.name === name);
      return plugin ? new SamplerInfo(plugin) : null;
    }
  }
  return SamplerResolver;
}
