/**
 * Operational counters since start: operations and errors per transport, samples sent, streams.
 * The gateway counts runs and samples; the GraphQL layer counts operations and errors (Apollo's
 * hooks for HTTP, graphql-ws hooks for WebSocket).
 */

import { ErrorCode } from '../errors.js';

/** How an operation arrived: HTTP (Apollo) or WebSocket (graphql-ws). */
export const Transport = { HTTP: 'http', WS: 'ws' } as const;
export type Transport = (typeof Transport)[keyof typeof Transport];

/** The kinds of GraphQL operation the sampling schema has (it has no mutations). */
export const OperationKind = { QUERY: 'query', SUBSCRIPTION: 'subscription' } as const;
export type OperationKind = (typeof OperationKind)[keyof typeof OperationKind];

const OPERATION_KINDS: ReadonlySet<string> = new Set(Object.values(OperationKind));

export interface CountersSnapshot {
  readonly startedAt: Date;
  readonly operations: readonly { transport: Transport; operation: OperationKind; count: number }[];
  readonly errors: readonly { transport: Transport; code: string; count: number }[];
  readonly samplesReturned: number;
  readonly samplesStreamed: number;
  readonly streamsStarted: number;
}

/** Where counts also go (the Prometheus metrics). */
export interface CounterSink {
  operation(transport: Transport, operation: OperationKind): void;
  error(transport: Transport, code: string): void;
}

/** Counts per transport, then per key. */
class TransportCounts<K extends string> {
  private readonly byTransport = new Map<Transport, Map<K, number>>();

  bump(transport: Transport, key: K): void {
    let counts = this.byTransport.get(transport);
    if (!counts) this.byTransport.set(transport, (counts = new Map<K, number>()));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  get(transport: Transport, key: K): number {
    return this.byTransport.get(transport)?.get(key) ?? 0;
  }

  /** Every (transport, key, count), sorted by transport then key. */
  entries(): { transport: Transport; key: K; count: number }[] {
    return [...this.byTransport]
      .flatMap(([transport, counts]) => [...counts].map(([key, count]) => ({ transport, key, count })))
      .sort((a, b) => a.transport.localeCompare(b.transport) || a.key.localeCompare(b.key));
  }
}

export class ServerCounters {
  readonly startedAt = new Date();
  private readonly operations = new TransportCounts<OperationKind>();
  private readonly errors = new TransportCounts<string>();
  /** Samples sent in `sample` and `compareSamplers` results. */
  samplesReturned = 0;
  /** Samples sent in `sampleStream` events. */
  samplesStreamed = 0;
  streamsStarted = 0;

  constructor(private readonly sink?: CounterSink) {}

  /** Counts one operation; kinds the sampling schema does not serve (a host's mutations) are not counted. */
  operation(transport: Transport, operation: string): void {
    if (!OPERATION_KINDS.has(operation)) return;
    this.operations.bump(transport, operation as OperationKind);
    this.sink?.operation(transport, operation as OperationKind);
  }

  /** Counts one error by its `extensions.code` (INTERNAL_SERVER_ERROR when it has none). */
  error(transport: Transport, error: { extensions?: Readonly<Record<string, unknown>> }): void {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : ErrorCode.INTERNAL_SERVER_ERROR;
    this.errors.bump(transport, code);
    this.sink?.error(transport, code);
  }

  /** Errors with `code` over both transports. */
  errorCount(code: string): number {
    return Object.values(Transport).reduce((n, t) => n + this.errors.get(t, code), 0);
  }

  operationCount(transport: Transport, operation: OperationKind): number {
    return this.operations.get(transport, operation);
  }

  snapshot(): CountersSnapshot {
    return {
      startedAt: this.startedAt,
      operations: this.operations.entries().map(({ transport, key, count }) => ({ transport, operation: key, count })),
      errors: this.errors.entries().map(({ transport, key, count }) => ({ transport, code: key, count })),
      samplesReturned: this.samplesReturned,
      samplesStreamed: this.samplesStreamed,
      streamsStarted: this.streamsStarted,
    };
  }
}
