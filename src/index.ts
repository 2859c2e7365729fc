/**
 * graphql-gan-sampler's public API: the GraphQL service, the run gateway and sampling engine
 * under it, the sampler contract, and the bundled samplers.
 */
export { createSamplingService, defaultSamplers, type HttpContextArgs, type SamplingService, type SamplingServiceOptions } from './graphql/service.js';
export { complexityLimitRule, depthLimitRule } from './graphql/limits.js';
export type { SamplingWsServerOptions } from './graphql/ws.js';
export type { SamplingContext } from './graphql/resolvers/sample.js';
export { printSamplingSchema } from './graphql/schema.js';
export { base64ToFloat32, float32ToBase64, imageDataUrl } from './graphql/encoding.js';
export { toGraphQLError } from './graphql/errors.js';

export * from './contracts.js';
export { ErrorCode, SamplingError, badInput, limitExceeded, type LimitFacts } from './errors.js';
export { DEFAULT_LIMITS, LIMITS, resolveLimits, type LimitName, type SamplingLimits } from './limits.js';
export { SamplingGateway, type GatewayOptions, type GatewayStats, type SamplingLogger } from './sampling/gateway.js';
export { ServerCounters, OperationKind, Transport, type CountersSnapshot } from './sampling/counters.js';
export { SamplingEngine, MAX_SEED, type EngineOptions, type RunOptions, type SampleRequest } from './sampling/engine.js';
export type { CompareEntry, CompareRequest, SamplerSpec } from './sampling/compare.js';
export type { SampleOutcome } from './sampling/outcome.js';
export type { RunStream, StreamEvent } from './sampling/stream.js';
export type { AcceptedSamples, RunResult, RunStats, SampleChunk, SamplingRun } from './sampling/run.js';
export { BUNDLED_MODELS_DIR, ModelStatus, loadModelRepository, type ModelEntry, type ModelRepository, type ReadyModel } from './models/repository.js';
export { DiscriminatorOutput, LatentDistribution, OutputKind, type ModelManifest } from './models/manifest.js';
export type { WorkerPoolOptions } from './inference/pool.js';
export type { BatcherOptions } from './inference/batcher.js';

export { createNaiveSampler } from '../plugins/naive/index.js';
export { createThresholdSampler } from '../plugins/threshold/index.js';
export { createDrsSampler } from '../plugins/drs/index.js';
export { createMhSampler } from '../plugins/mh/index.js';
