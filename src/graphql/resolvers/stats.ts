import 'reflect-metadata';
import { Query, Resolver } from 'type-graphql';
import type { SamplingRuntime } from '../runtime.js';
import { OperationType, ServerStats, TransportKind } from '../types/server-stats.js';

/** `serverStats`: metrics and engine load. */
export function createStatsResolver(runtime: SamplingRuntime): Function {
  @Resolver()
  class StatsResolver {
    @Query(() => ServerStats, { description: 'Operation, error and sample counters since start, and current load.' })
    serverStats(): ServerStats {
      const engine = runtime.engine;
      const m = runtime.metrics.snapshot();
      const models = engine.models();
      return Object.assign(new ServerStats(), {
        startedAt: m.startedAt.toISOString(),
        uptimeSeconds: (Date.now() - m.startedAt.getTime()) / 1000,
        operations: m.operations.map((o) => ({ transport: o.transport as TransportKind, operation: o.operation as OperationType, count: o.count })),
        errors: m.errors.map((e) => ({ transport: e.transport as TransportKind, code: e.code, count: e.count })),
        samplesReturned: m.samplesReturned,
        samplesStreamed: m.samplesStreamed,
        activeStreams: m.activeStreams,
        streamsStarted: m.streamsStarted,
        activeRuns: engine.activeRuns,
        inferenceRounds: engine.pool.rounds,
        workers: engine.pool.size,
        modelsReady: models.filter((x) => x.status === 'READY').length,
        modelsFailed: models.filter((x) => x.status === 'FAILED').length,
      });
    }
  }
  return StatsResolver;
}
