/**
 * graphql-gan-sampler's public API: the GraphQL plugin, the sampling engine under it, the
 * sampler contract, and the bundled samplers.
 */
export { createSamplingPlugin, defaultSamplers, type HttpContextArgs, type SamplingPlugin, type SamplingPluginOptions } from './graphql/plugin.js';
export type { SamplingLogger } from './graphql/runtime.js';
export { DEFAULT_LIMITS, complexityLimitRule, depthLimitRule, type SamplingLimits } from './graphql/limits.js';
export { SamplingMetrics, type MetricsSnapshot, type OperationKind, type Transport } from './graphql/metrics.js';
export type { SamplingWsServerOptions } from './graphql/ws.js';
export type { SamplingContext } from './graphql/resolvers/sample.js';
export { printSamplingSchema } from './graphql/schema.js';
export { base64ToFloat32, float32ToBase64, imageDataUrl } from './graphql/encoding.js';
export { toGraphQLError } from './graphql/errors.js';

export * from './contracts.js';
export { SamplingError, badInput, type ErrorCode } from './errors.js';
export { SamplingEngine, type EngineLimits, type EngineOptions, type SampleRequest, type SampleResult as EngineSampleResult } from './sampling/engine.js';
export type { RunStats, SampleChunk, SamplingRun } from './sampling/run.js';
export { BUNDLED_MODELS_DIR, loadModelRepository, type ModelEntry, type ModelRepository, type ReadyModel } from './models/repository.js';
export type { ModelManifest } from './models/manifest.js';
export type { WorkerPoolOptions } from './inference/pool.js';
export type { BatcherOptions } from './inference/batcher.js';

export { createNaiveSampler } from '../plugins/naive/index.js';
export { createThresholdSampler } from '../plugins/threshold/index.js';
export { createDrsSampler } from '../plugins/drs/index.js';
