import 'reflect-metadata';
import { Directive, Query, Resolver } from 'type-graphql';
import type { SamplingGateway } from '../../sampling/gateway.js';
import { NO_CACHE } from '../cache-control.js';
import { toGraphQLError } from '../errors.js';
import { ServerStats } from '../types/server-stats.js';

/** `serverStats`: counters and engine load. */
export function createStatsResolver(gateway: SamplingGateway): Function {
  @Resolver()
  class StatsResolver {
    @Query(() => ServerStats, { description: 'Operation, error and sample counters since start, and current load.' })
    @Directive(NO_CACHE)
    serverStats(): ServerStats {
      try {
        const s = gateway.stats();
        return Object.assign(new ServerStats(), {
          ...s,
          uptimeSeconds: (Date.now() - s.startedAt.getTime()) / 1000,
        });
      } catch (error) {
        throw toGraphQLError(error);
      }
    }
  }
  return StatsResolver;
}
