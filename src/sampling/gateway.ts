/**
 * The run gateway: every run (a `sample` query, a `sampleStream`, a `compareSamplers`) goes
 * through here. It owns the engine's life (start, drain, stop), ties each run to its caller's
 * signal and to the server's shutdown, enforces the server-wide limits, counts runs and samples,
 * and assembles results. The GraphQL layer only translates to and from it.
 */
import { linkAbort } from '../abort.js';
import type { AnySamplerPlugin } from '../contracts.js';
import type { CalibrationReport } from '../calibration/fit.js';
import { ErrorCode, SamplingError, limitExceeded, shuttingDown } from '../errors.js';
import type { BatcherOptions } from '../inference/batcher.js';
import type { WorkerPoolOptions } from '../inference/pool.js';
import { resolveLimits, type SamplingLimits } from '../limits.js';
import type { ModelEntry, ModelRepository } from '../models/repository.js';
import type { BurnInFact } from './burn-in.js';
import { compareSamplers, type CompareEntry, type CompareOptions, type CompareRequest } from './compare.js';
import { ServerCounters, type CountersSnapshot } from './counters.js';
import { SamplingEngine, type EngineLoad, type SampleRequest } from './engine.js';
import { sampleOutcome, type SampleOutcome } from './outcome.js';
import { RunStream } from './stream.js';

export interface SamplingLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface GatewayOptions {
  /** Folder of model folders. Default: the bundled `models/`. */
  readonly modelsDir?: string;
  /** A model repository already loaded (instead of `modelsDir`). */
  readonly repository?: ModelRepository;
  /** An engine you created and close yourself; the gateway then neither creates nor closes one (its limits apply). */
  readonly engine?: SamplingEngine;
  /** Samplers to serve. Default: `defaultSamplers()` (naive, threshold, drs, mh). */
  readonly samplers?: readonly AnySamplerPlugin[];
  /** Worker threads and onnxruntime threads per worker. */
  readonly pool?: WorkerPoolOptions;
  /** Shared inference batches: `maxBatchSize` rows, `maxQueueDelayMs`. */
  readonly batching?: BatcherOptions;
  /** Request and server limits (`src/limits.ts`). */
  readonly limits?: Partial<SamplingLimits>;
  /** Proposals per round for a request that sets no `batchSize`. Default 512. */
  readonly defaultBatchSize?: number;
  /** Empty progress events at most this often while a stream accepts nothing. Default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Default: the Apollo server's logger, else the console. */
  readonly logger?: SamplingLogger;
}

/** Counters, current load and model health, for `serverStats`. */
export interface GatewayStats extends CountersSnapshot, EngineLoad {
  readonly activeStreams: number;
  readonly modelsReady: number;
  readonly modelsFailed: number;
}

export class SamplingGateway {
  readonly counters = new ServerCounters();
  readonly limits: SamplingLimits;
  private current: SamplingEngine | undefined;
  private starting: Promise<SamplingEngine> | undefined;
  private readonly shutdown = new AbortController();
  private activeStreams = 0;

  constructor(
    private readonly options: GatewayOptions,
    /** The samplers to register (answer `samplers()` before the engine starts, e.g. for the schema). */
    private readonly samplerPlugins: readonly AnySamplerPlugin[],
  ) {
    this.limits = options.engine?.limits ?? resolveLimits(options.limits);
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
    const { engine, logger: _logger, ...options } = this.options;
    return engine ? Promise.resolve(engine) : SamplingEngine.create({ ...options, samplers: this.samplerPlugins, limits: this.limits });
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

  /** The running engine; SHUTTING_DOWN while draining, NOT_STARTED before `start()` finished. */
  private get engine(): SamplingEngine {
    if (this.shutdown.signal.aborted) throw shuttingDown();
    if (!this.current) throw new SamplingError(ErrorCode.NOT_STARTED, 'the sampling engine is not started yet (the Apollo plugin starts it in serverWillStart)');
    return this.current;
  }

  models(): ModelEntry[] {
    return this.engine.models();
  }

  model(id: string): ModelEntry | undefined {
    return this.engine.repository.get(id);
  }

  /** The registered samplers (the configured ones before the engine starts). */
  samplers(): readonly AnySamplerPlugin[] {
    return this.current ? this.current.samplers() : this.samplerPlugins;
  }

  burnIns(modelId: string): Promise<BurnInFact[]> {
    return this.engine.burnInFacts(modelId);
  }

  /** Calibration reports of a READY model; null when it ships no held-out real samples. */
  calibration(modelId: string): Promise<readonly CalibrationReport[] | null> {
    return this.engine.calibration(modelId);
  }

  /** Runs in progress (0 before start; still readable while draining and after stop). */
  get activeRuns(): number {
    return this.current?.load.activeRuns ?? 0;
  }

  stats(): GatewayStats {
    const engine = this.engine;
    const models = engine.models();
    const ready = models.filter((m) => m.status === 'READY').length;
    return { ...this.counters.snapshot(), ...engine.load, activeStreams: this.activeStreams, modelsReady: ready, modelsFailed: models.length - ready };
  }

  /** Runs a request to completion (the `sample` query). `signal`: e.g. the client went away. */
  async sample(request: SampleRequest, signal?: AbortSignal): Promise<SampleOutcome> {
    const engine = this.engine;
    const model = engine.readyModel(request.modelId);
    const result = await this.withShutdown(signal, (s) => engine.sampleAll(request, { signal: s }));
    this.counters.samplesReturned += result.count;
    return sampleOutcome(engine, model, result);
  }

  /** Starts a stream (the `sampleStream` subscription); admission errors throw here. */
  stream(request: SampleRequest, options: { readonly metrics?: boolean } = {}): RunStream {
    const { maxStreams } = this.limits;
    if (this.activeStreams >= maxStreams) {
      throw limitExceeded({ limit: 'maxStreams', max: maxStreams }, `the server already runs ${this.activeStreams} streams, its limit (maxStreams / MAX_STREAMS = ${maxStreams}); retry when one ends`);
    }
    const engine = this.engine;
    const model = engine.readyModel(request.modelId);
    const run = engine.sample(request, { signal: this.shutdown.signal, onEnd: () => void this.activeStreams-- });
    this.activeStreams++;
    this.counters.streamsStarted++;
    return new RunStream(run, model, {
      accumulator: options.metrics ? engine.metricsAccumulator(model) : undefined,
      onChunk: (count) => void (this.counters.samplesStreamed += count),
    });
  }

  /** Every configuration on one model and seed (the `compareSamplers` query). */
  async compare(request: CompareRequest, options: Omit<CompareOptions, 'signal'> & { readonly signal?: AbortSignal | undefined } = {}): Promise<CompareEntry[]> {
    const { maxComparedSamplers } = this.limits;
    if (request.samplers.length > maxComparedSamplers) {
      throw limitExceeded(
        { limit: 'maxComparedSamplers', max: maxComparedSamplers, field: 'samplers' },
        `samplers: at most ${maxComparedSamplers} configurations per comparison (maxComparedSamplers / MAX_COMPARED_SAMPLERS), got ${request.samplers.length}`,
      );
    }
    const engine = this.engine;
    const entries = await this.withShutdown(options.signal, (signal) => compareSamplers(engine, request, { ...options, signal }));
    for (const e of entries) this.counters.samplesReturned += e.outcome?.count ?? 0;
    return entries;
  }

  /** Runs `work` with a signal that aborts when the caller's does or the server drains. */
  private async withShutdown<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const unlinkCaller = linkAbort(signal, controller);
    const unlinkShutdown = linkAbort(this.shutdown.signal, controller);
    try {
      return await work(controller.signal);
    } finally {
      unlinkCaller();
      unlinkShutdown();
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
  const { workers, intraOpNumThreads } = engine.load;
  logger.info(
    `sampling: ${ready} of ${models.length} models READY from ${engine.repository.dir}; samplers ${engine.samplers().map((s) => s.name).join(', ')}; ` +
      `${workers} worker(s) × ${intraOpNumThreads} onnxruntime thread(s)`,
  );
}
