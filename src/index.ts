/**
 * graphql-gan-sampler's public API: the GraphQL service, the run gateway and sampling engine
 * under it, the sampler contract, and the bundled samplers.
 */
export { createSamplingService, defaultSamplers, type HttpContextArgs, type SamplingService, type SamplingServiceOptions } from './graphql/service.js';
export { complexityLimitRule, depthLimitRule } from './graphql/limits.js';
export type { SamplingWsServerOptions } from './graphql/ws.js';
export type { SamplingContext } from './graphql/resolvers/sample.js';
export { printSamplingSchema, type SamplingSchemaOptions } from './graphql/schema.js';
export { base64ToFloat32, float32ToBase64, imageDataUrl } from './graphql/encoding.js';
export { toGraphQLError } from './graphql/errors.js';

export * from './contracts.js';
export { ERROR_CODE_MEANINGS, ErrorCode, SamplingError, badInput, errorCode, limitExceeded, type LimitFacts } from './errors.js';
export { DEFAULT_LIMITS, LIMITS, resolveLimits, type LimitName, type SamplingLimits } from './limits.js';
export {
  SamplingGateway,
  type GatewayOptions,
  type GatewayState,
  type GatewayStats,
  type LogFields,
  type RunContext,
  type SamplingLogger,
} from './sampling/gateway.js';
export { METRICS_PREFIX, SamplingMetrics, type MetricsSource, type Scrape } from './sampling/metrics.js';
export { createMetricsHandler, type NodeHandler } from './server/metrics.js';
export { createHealthHandlers, type HealthHandlers } from './server/health.js';
export { LOG_LEVELS, createLogger, pinoSamplingLogger, type LogLevel, type LoggerOptions } from './server/logging.js';
export { ServerCounters, OperationKind, Transport, type CounterSink, type CountersSnapshot } from './sampling/counters.js';
export {
  SamplingEngine,
  MAX_SEED,
  type EngineObserver,
  type EngineOptions,
  type RunOptions,
  type RunRound,
  type RunSummary,
  type SampleRequest,
} from './sampling/engine.js';
export { resolveParams, type ResolvedParams } from './sampling/params.js';
export type { CompareEntry, CompareRequest, SamplerSpec } from './sampling/compare.js';
export type { SampleOutcome } from './sampling/outcome.js';
export type { RunStream, StreamEvent } from './sampling/stream.js';
export type { HeldCheckpoint, ResumePoint, RunCheckpoint } from './sampling/checkpoint.js';
export { CURSOR_VERSION } from './sampling/cursor.js';
export type { RandomState } from './random.js';
export type { AcceptedSamples, RunEnd, RunOutcome, RunResult, RunStats, SampleChunk, SamplingRun } from './sampling/run.js';
export { BUNDLED_MODELS_DIR, ModelStatus, loadModelRepository, type ModelEntry, type ModelRepository, type ReadyModel } from './models/repository.js';
export { DiscriminatorOutput, LatentDistribution, OutputKind, type ModelManifest } from './models/manifest.js';
export type { WorkerPoolOptions } from './inference/pool.js';
export type { BackendReadiness, InferenceBackend, RoundResult } from './inference/backend.js';
export { RemoteBackend, type RemoteBackendOptions } from './inference/remote.js';
export type { RemoteInferenceOptions } from './sampling/engine.js';
export { createInferenceProtocolRouter, protocolModels, type InferenceProtocolOptions, type ProtocolModel } from './oip/server.js';
export type { BatcherOptions, BatchTiming } from './inference/batcher.js';

export { createNaiveSampler } from '../plugins/naive/index.js';
export { createThresholdSampler } from '../plugins/threshold/index.js';
export { createDrsSampler } from '../plugins/drs/index.js';
export { createMhSampler } from '../plugins/mh/index.js';
