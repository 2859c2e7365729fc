/**
 * Every request and server limit, its default, its environment variable and what it bounds:
 * the one table the engine, the GraphQL layer, the standalone server's settings and the README
 * read from.
 */

interface LimitSpec {
  /** The standalone server's environment variable. */
  readonly env: string;
  readonly default: number;
  readonly description: string;
}

export const LIMITS = {
  maxCount: { env: 'MAX_COUNT', default: 100_000, description: 'largest `count` per request' },
  maxProposals: { env: 'MAX_PROPOSALS', default: 20_000_000, description: 'largest `maxProposals` a request may ask for' },
  defaultMaxProposals: {
    env: 'DEFAULT_MAX_PROPOSALS',
    default: 1_000_000,
    description: 'proposal budget of a request that sets none (capped by MAX_PROPOSALS and MAX_OPERATION_PROPOSALS)',
  },
  maxRequestBatchSize: { env: 'MAX_REQUEST_BATCH_SIZE', default: 8192, description: 'largest `batchSize` (proposals per round) a request may ask for' },
  maxComparedSamplers: { env: 'MAX_COMPARED_SAMPLERS', default: 8, description: 'sampler configurations per `compareSamplers`' },
  maxStreamsPerConnection: { env: 'MAX_STREAMS_PER_CONNECTION', default: 8, description: 'concurrent `sampleStream` subscriptions per WebSocket' },
  maxStreams: { env: 'MAX_STREAMS', default: 64, description: 'concurrent `sampleStream` subscriptions per server' },
  maxActiveRuns: {
    env: 'MAX_ACTIVE_RUNS',
    default: 128,
    description: 'concurrent sampling runs per server (queries, streams, compared configurations); more are refused, not queued',
  },
  maxOperationProposals: {
    env: 'MAX_OPERATION_PROPOSALS',
    default: 20_000_000,
    description: 'proposal budget of one operation: the `maxProposals` of all its runs, aliases and compared configurations summed',
  },
  maxResponseBytes: {
    env: 'MAX_RESPONSE_BYTES',
    default: 64 * 1024 * 1024,
    description: 'largest estimated response of one operation (one stream event), from count × sample size × the selected fields',
  },
  maxRequestBytes: { env: 'MAX_REQUEST_BYTES', default: 1024 * 1024, description: 'largest HTTP request body and WebSocket message' },
  maxQueryDepth: { env: 'MAX_QUERY_DEPTH', default: 10, description: 'deepest field nesting per operation (introspection not counted)' },
  maxQueryComplexity: {
    env: 'MAX_QUERY_COMPLEXITY',
    default: 500,
    description: 'largest operation cost: each field 1, sample/sampleStream 20, compareSamplers 50, metrics 10, png 2; aliases each count',
  },
  maxInferRequestBytes: {
    env: 'MAX_INFER_REQUEST_BYTES',
    default: 64 * 1024 * 1024,
    description: 'largest Open Inference Protocol `/v2/models/{name}/infer` request body (JSON or binary tensors)',
  },
  maxInferRequests: {
    env: 'MAX_INFER_REQUESTS',
    default: 64,
    description: 'concurrent Open Inference Protocol infer requests per server (bodies being read included); more are answered 503 with Retry-After',
  },
  inferenceTimeoutMs: {
    env: 'INFERENCE_TIMEOUT_MS',
    default: 30_000,
    description: 'longest one request to the remote inference server (`INFERENCE_URL`) may take before it is retried or fails',
  },
  inferenceAttempts: {
    env: 'INFERENCE_ATTEMPTS',
    default: 3,
    description: 'tries per remote inference request (connection failures, 502/503/504 and timeouts are retried; infer is idempotent)',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;
export type SamplingLimits = { readonly [K in LimitName]: number };

export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

export const DEFAULT_LIMITS: SamplingLimits = Object.fromEntries(LIMIT_NAMES.map((name) => [name, LIMITS[name].default])) as SamplingLimits;

/** Defaults filled in and every value checked; `defaultMaxProposals` is capped by `maxProposals` and `maxOperationProposals`. */
export function resolveLimits(limits: Partial<SamplingLimits> = {}): SamplingLimits {
  const merged = { ...DEFAULT_LIMITS, ...limits };
  for (const name of LIMIT_NAMES) {
    const value = merged[name];
    if (!(typeof value === 'number' && value >= 1 && (Number.isInteger(value) || value === Infinity))) {
      throw new RangeError(`limits.${name} must be a positive integer (or Infinity), got ${String(value)}`);
    }
  }
  return { ...merged, defaultMaxProposals: Math.min(merged.defaultMaxProposals, merged.maxProposals, merged.maxOperationProposals) };
}
