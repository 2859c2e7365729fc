/**
 * What the resolvers, the Apollo plugin and the graphql-ws hooks share for one plugin
 * instance: the engine's lifecycle, limits, metrics, and the streams and runs in flight.
 */
import { GraphQLError } from 'graphql';
import type { SamplerPlugin } from '../contracts.js';
import type { BatcherOptions } from '../inference/batcher.js';
import type { WorkerPoolOptions } from '../inference/pool.js';
import type { ModelRepository } from '../models/repository.js';
import { SamplingEngine } from '../sampling/engine.js';
import { limitExceeded, shuttingDown, toGraphQLError } from './errors.js';
import { resolveLimits, type SamplingLimits } from './limits.js';
import { SamplingMetrics } from './metrics.js';
import { SampleStream } from './stream.js';
import { SampleResult, toSampleRequest, type SampleInput } from './types/sample.js';

export interface SamplingLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RuntimeOptions {
  /** Folder of model folders. Default: the bundled `models/`. */
  readonly modelsDir?: string;
  /** A model repository already loaded (instead of `modelsDir`). */
  readonly repository?: ModelRepository;
  /** An engine you created and close yourself; the plugin then neither creates nor closes one (its own limits apply). */
  readonly engine?: SamplingEngine;
  /** Samplers to serve. Default: `defaultSamplers()` (naive, threshold, drs). */
  readonly samplers?: readonly SamplerPlugin[];
  /** Worker threads and onnxruntime threads per worker. */
  readonly pool?: WorkerPoolOptions;
  /** Shared inference batches: `maxBatchSize` rows, `maxQueueDelayMs`. */
  readonly batching?: BatcherOptions;
  readonly limits?: Partial<SamplingLimits>;
  /** Proposals per round for a request that sets no `batchSize`. Default 512. */
  readonly defaultBatchSize?: number;
  /** Empty progress events at most this often while a stream accepts nothing. Default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Default: the Apollo server's logger, else the console. */
  readonly logger?: SamplingLogger;
}

export class SamplingRuntime {
  readonly metrics = new SamplingMetrics();
  readonly limits: SamplingLimits;
  private current: SamplingEngine | undefined;
  private starting: Promise<SamplingEngine> | undefined;
  private readonly shutdown = new AbortController();
  private readonly streams = new Set<SampleStream>();

  constructor(
    private readonly options: RuntimeOptions,
    private readonly samplers: readonly SamplerPlugin[],
  ) {
    this.limits = resolveLimits(options.limits);
  }

  /** The running engine; a NOT_STARTED error before `start()` finished. */
  get engine(): SamplingEngine {
    if (this.shutdown.signal.aborted) throw shuttingDown();
    if (!this.current) throw new GraphQLError('the sampling engine is not started yet (the Apollo plugin starts it in serverWillStart)', { extensions: { code: 'NOT_STARTED' } });
    return this.current;
  }

  get started(): boolean {
    return this.current !== undefined;
  }

  /** Loads the models and starts the worker pool (once); logs one line per model. */
  start(fallbackLogger: SamplingLogger = console): Promise<SamplingEngine> {
    this.starting ??= this.createEngine().then((engine) => {
      this.current = engine;
      logLoaded(engine, this.options.logger ?? fallbackLogger);
      return engine;
    });
    return this.starting;
  }

  private createEngine(): Promise<SamplingEngine> {
    if (this.options.engine) return Promise.resolve(this.options.engine);
    const { limits } = this;
    return SamplingEngine.create({
      ...(this.options.modelsDir === undefined ? {} : { modelsDir: this.options.modelsDir }),
      ...(this.options.repository ? { repository: this.options.repository } : {}),
      samplers: this.samplers,
      ...(this.options.pool ? { pool: this.options.pool } : {}),
      ...(this.options.batching ? { batching: this.options.batching } : {}),
      ...(this.options.defaultBatchSize === undefined ? {} : { defaultBatchSize: this.options.defaultBatchSize }),
      ...(this.options.progressIntervalMs === undefined ? {} : { progressIntervalMs: this.options.progressIntervalMs }),
      limits: { maxCount: limits.maxCount, maxProposals: limits.maxProposals, defaultMaxProposals: limits.defaultMaxProposals },
    });
  }

  /** Cancels every run and stream: they end with SHUTTING_DOWN. New requests are refused. */
  drain(): void {
    if (!this.shutdown.signal.aborted) this.shutdown.abort(shuttingDown());
  }

  /** Drains, then closes the engine (unless it was passed in). */
  async stop(): Promise<void> {
    this.drain();
    const engine = this.current ?? (await this.starting?.catch(() => undefined));
    if (engine && engine !== this.options.engine) await engine.close();
  }

  /** Runs a request to completion (the `sample` query). `signal`: e.g. the HTTP client left. */
  async sample(input: SampleInput, signal?: AbortSignal): Promise<SampleResult> {
    try {
      const engine = this.engine;
      const request = toSampleRequest(input);
      const model = engine.readyModel(request.modelId);
      const result = await engine.sampleAll(request, signal ? AbortSignal.any([signal, this.shutdown.signal]) : this.shutdown.signal);
      this.metrics.samplesReturned += result.count;
      return new SampleResult(result, model, result.stats, (families) => engine.evaluate(model.id, result, families));
    } catch (error) {
      throw toGraphQLError(error);
    }
  }

  /** Starts a stream (the `sampleStream` subscription); admission errors throw here. */
  stream(input: SampleInput, withMetrics = false): SampleStream {
    try {
      const { maxStreams } = this.limits;
      if (this.streams.size >= maxStreams) {
        throw limitExceeded('maxStreams', `the server already runs ${this.streams.size} streams, its limit (maxStreams / MAX_STREAMS = ${maxStreams}); retry when one ends`, { max: maxStreams });
      }
      const engine = this.engine;
      const request = toSampleRequest(input);
      const model = engine.readyModel(request.modelId);
      const run = engine.sample(request, this.shutdown.signal);
      const { metrics, streams } = this;
      const accumulator = withMetrics ? engine.evaluator.accumulator(model) : undefined;
      const stream: SampleStream = new SampleStream(run, model, {
        onChunk: (count) => void (metrics.samplesStreamed += count),
        onEnd: () => {
          streams.delete(stream);
          metrics.activeStreams = streams.size;
        },
      }, accumulator);
      streams.add(stream);
      metrics.activeStreams = streams.size;
      metrics.streamsStarted++;
      return stream;
    } catch (error) {
      throw toGraphQLError(error);
    }
  }
}

function logLoaded(engine: SamplingEngine, logger: SamplingLogger): void {
  const models = engine.models();
  for (const m of models) {
    if (m.status === 'READY') {
      const { output, latent, discriminatorOutput } = m.manifest;
      logger.info(`model ${m.id}: READY (${output.kind} [${output.shape.join(', ')}], latent ${latent.dim} ${latent.distribution}, D outputs a ${discriminatorOutput})`);
    } else {
      logger.warn(`model ${m.id}: FAILED: ${m.error}`);
    }
  }
  const ready = models.filter((m) => m.status === 'READY').length;
  logger.info(
    `sampling: ${ready} of ${models.length} models READY from ${engine.repository.dir}; samplers ${engine.samplers().map((s) => s.name).join(', ')}; ` +
      `${engine.pool.size} worker(s) × ${engine.pool.intraOpNumThreads} onnxruntime thread(s)`,
  );
}
