/**
 * Operational counters. HTTP operations are counted in Apollo plugin hooks and WebSocket ones
 * in graphql-ws hooks (Apollo never sees graphql-ws operations); stream and sample counts come
 * from the runtime, which sees both.
 */
export type Transport = 'http' | 'ws';
export type OperationKind = 'query' | 'mutation' | 'subscription';

export interface MetricsSnapshot {
  readonly startedAt: Date;
  readonly operations: readonly { transport: Transport; operation: OperationKind; count: number }[];
  readonly errors: readonly { transport: Transport; code: string; count: number }[];
  readonly samplesReturned: number;
  readonly samplesStreamed: number;
  readonly activeStreams: number;
  readonly streamsStarted: number;
}

export class SamplingMetrics {
  readonly startedAt = new Date();
  private readonly operationCounts = new Map<string, number>();
  private readonly errorCounts = new Map<string, number>();
  /** Samples sent in `sample` query results. */
  samplesReturned = 0;
  /** Samples sent in `sampleStream` events. */
  samplesStreamed = 0;
  activeStreams = 0;
  streamsStarted = 0;

  operation(transport: Transport, operation: OperationKind): void {
    bump(this.operationCounts, `${transport} ${operation}`);
  }

  /** Counts one error by its `extensions.code` (INTERNAL_SERVER_ERROR when it has none). */
  error(transport: Transport, error: { extensions?: Readonly<Record<string, unknown>> }): void {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
    bump(this.errorCounts, `${transport} ${code}`);
  }

  /** Total errors with `code` over both transports (for tests and dashboards). */
  errorCount(code: string): number {
    return (this.errorCounts.get(`http ${code}`) ?? 0) + (this.errorCounts.get(`ws ${code}`) ?? 0);
  }

  operationCount(transport: Transport, operation: OperationKind): number {
    return this.operationCounts.get(`${transport} ${operation}`) ?? 0;
  }

  snapshot(): MetricsSnapshot {
    const split = <K extends string>(map: Map<string, number>, key: K) =>
      [...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, count]) => {
        const [transport, rest] = k.split(' ') as [Transport, string];
        return { transport, [key]: rest, count } as { transport: Transport; count: number } & Record<K, string>;
      });
    return {
      startedAt: this.startedAt,
      operations: split(this.operationCounts, 'operation') as MetricsSnapshot['operations'],
      errors: split(this.errorCounts, 'code'),
      samplesReturned: this.samplesReturned,
      samplesStreamed: this.samplesStreamed,
      activeStreams: this.activeStreams,
      streamsStarted: this.streamsStarted,
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
