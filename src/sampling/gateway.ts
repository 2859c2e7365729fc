/**
 * The run gateway: every run (a `sample` query, a `sampleStream`, a `compareSamplers`) goes
 * through here. It owns the engine's life (start, drain, stop), ties each run to its caller's
 * signal and to the server's shutdown, enforces the server-wide limits, counts runs and samples,
 * and assembles results. The GraphQL layer only translates to and from it.
 */
import { setMaxListeners } from 'node:events';
import { linkAbort } from '../abort.js';
import type { RegisteredSampler } from '../contracts.js';
import { ErrorCode, SamplingError, badInput, limitExceeded, shuttingDown } from '../errors.js';
import type { BatcherOptions } from '../inference/batcher.js';
import type { WorkerPoolOptions } from '../inference/pool.js';
import { resolveLimits, type SamplingLimits } from '../limits.js';
import type { ModelEntry, ModelRepository } from '../models/repository.js';
import { NO_SAMPLE_FIELDS, OperationBudget, type ResponseFields } from './budget.js';
import type { BurnInFact } from './burn-in.js';
import { compareSamplers, type CompareEntry, type CompareOptions, type CompareRequest } from './compare.js';
import { ServerCounters, type CountersSnapshot } from './counters.js';
import type { BackendReadiness } from '../inference/backend.js';
import { SamplingEngine, type Admission, type EngineLoad, type RunSummary, type RemoteInferenceOptions, type SampleRequest } from './engine.js';
import { SamplingMetrics, type MetricsSource } from './metrics.js';
import type { ClassCalibrationReport } from './model-data.js';
import { sampleOutcome, type SampleOutcome } from './outcome.js';
import { collectRun } from './run.js';
import { RunStream, eventRows } from './stream.js';

/** Structured facts of a log line (pino puts them beside the message; a console prints them). */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger the service writes to: pass pino (see src/server/logging.ts), Apollo's logger, the console, or your own. */
export interface SamplingLogger {
  /** Optional: one line per GraphQL operation. */
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Who asked for a run: its cancel signal and, for the log, the operation's request id. */
/** For health probes: `ready` once the models are loaded and the workers are up, until it drains. */
export type GatewayState = 'starting' | 'ready' | 'draining' | 'failed';

export interface GatewayOptions {
  /** Folder of model folders. Default: the bundled `models/`. */
  readonly modelsDir?: string;
  /** A model repository already loaded (instead of `modelsDir`). */
  readonly repository?: ModelRepository;
  /** An engine you created and close yourself; the gateway then neither creates nor closes one (its limits apply). */
  readonly engine?: SamplingEngine;
  /** Samplers to serve. Default: `defaultSamplers()` (naive, threshold, drs, mh). */
  readonly samplers?: readonly RegisteredSampler[];
  /** Worker threads and onnxruntime threads per worker. */
  readonly pool?: WorkerPoolOptions;
  /** Run G and D on a remote Open Inference Protocol server (`INFERENCE_URL`) instead of local workers. */
  readonly inference?: RemoteInferenceOptions;
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
  /** Signs stream cursors (HMAC-SHA256); every replica that may resume another's streams needs the same one. Unset: cursors are checksummed, not signed. */
  readonly cursorSecret?: string | undefined;
}

/** What a caller (one GraphQL operation) brings to a run besides the request. */
export interface RunContext {
  /** Aborts the run, e.g. when the client goes away. */
  readonly signal?: AbortSignal | undefined;
  /** The operation's budget, shared by all its fields; a fresh one per call when absent. */
  readonly budget?: OperationBudget | undefined;
  /** The per-sample fields the response carries, for its size estimate. Default: none (typed arrays). */
  readonly fields?: ResponseFields | undefined;
  /** Tags the run's log line and metrics. */
  readonly requestId?: string | undefined;
}

/** Counters, current load and model health, for `serverStats`. */
export interface GatewayStats extends CountersSnapshot, EngineLoad {
  readonly activeStreams: number;
  readonly modelsReady: number;
  readonly modelsFailed: number;
}

export class SamplingGateway implements MetricsSource {
  /** Prometheus metrics of this gateway (its own registry). */
  readonly metrics = new SamplingMetrics(this);
  readonly counters = new ServerCounters(this.metrics);
  readonly limits: SamplingLimits;
  private current: SamplingEngine | undefined;
  private starting: Promise<SamplingEngine> | undefined;
  private startFailed = false;
  private readonly shutdown = new AbortController();
  private streams = 0;
  private currentLogger: SamplingLogger;
  private unobserve: (() => void) | undefined;

  constructor(
    private readonly options: GatewayOptions,
    /** The samplers to register (answer `samplers()` before the engine starts, e.g. for the schema). */
    private readonly samplerPlugins: readonly RegisteredSampler[],
  ) {
    this.limits = options.engine?.limits ?? resolveLimits(options.limits);
    this.currentLogger = options.logger ?? console;
    // Every run listens while it lasts and maxActiveRuns bounds them: a warning past that is a real leak.
    setMaxListeners(this.limits.maxActiveRuns + 1, this.shutdown.signal);
  }

  /** The service's logger: `options.logger`, else the one `start()` was given (Apollo's), else the console. */
  get logger(): SamplingLogger {
    return this.currentLogger;
  }

  /** A budget for one operation (the GraphQL context makes one per request or subscribe). */
  operationBudget(): OperationBudget {
    return new OperationBudget(this.limits);
  }

  get started(): boolean {
    return this.current !== undefined;
  }

  get state(): GatewayState {
    if (this.shutdown.signal.aborted) return 'draining';
    if (this.current) return 'ready';
    return this.startFailed ? 'failed' : 'starting';
  }

  /** Loads the models and starts the worker pool (once); logs one line per model. */
  start(fallbackLogger: SamplingLogger = console): Promise<SamplingEngine> {
    this.starting ??= this.createEngine().then(
      (engine) => {
        this.currentLogger = this.options.logger ?? fallbackLogger;
        this.unobserve = engine.observe({
          batch: (timing) => this.metrics.observeBatch(timing),
          round: (round) => this.metrics.observeRound(round),
          runEnd: (summary) => {
            this.metrics.observeRun(summary);
            logRun(this.logger, summary);
          },
        });
        this.current = engine;
        logLoaded(engine, this.logger);
        return engine;
      },
      (error: unknown) => {
        this.startFailed = true;
        throw error;
      },
    );
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
    this.unobserve?.();
  }

  /** The running engine; SHUTTING_DOWN while draining, NOT_STARTED before `start()` finished. */
  private get engine(): SamplingEngine {
    if (this.shutdown.signal.aborted) throw shuttingDown();
    if (!this.current)
      throw new SamplingError(ErrorCode.NOT_STARTED, 'the sampling engine is not started yet (the Apollo plugin starts it in serverWillStart)');
    return this.current;
  }

  models(): ModelEntry[] {
    return this.engine.models();
  }

  /**
   * Inference for servers that are not GraphQL (the Open Inference Protocol server): `work` gets
   * the engine and a signal that aborts with the caller's or when the server drains.
   * NOT_STARTED while starting, SHUTTING_DOWN while draining.
   */
  infer<T>(signal: AbortSignal | undefined, work: (engine: SamplingEngine, signal: AbortSignal) => Promise<T>): Promise<T> {
    const engine = this.engine;
    return this.withShutdown(signal, (s) => work(engine, s));
  }

  /** The running engine's models, or undefined while starting or draining (for metadata routes). */
  engineIfServing(): SamplingEngine | undefined {
    return this.shutdown.signal.aborted ? undefined : this.current;
  }

  /** Whether inference can run now: the local workers, or the remote server's readiness. */
  inferenceReadiness(signal?: AbortSignal): Promise<BackendReadiness> {
    if (this.state !== 'ready' || !this.current) return Promise.resolve({ ready: false, reason: `the service is ${this.state}` });
    return this.current.inferenceReadiness(signal);
  }

  model(id: string): ModelEntry | undefined {
    return this.engine.repository.get(id);
  }

  /** The registered samplers (the configured ones before the engine starts). */
  samplers(): readonly RegisteredSampler[] {
    return this.current ? this.current.samplers() : this.samplerPlugins;
  }

  burnIns(modelId: string): Promise<BurnInFact[]> {
    return this.engine.burnInFacts(modelId);
  }

  /** Calibration reports of a READY model; null when it ships no held-out real samples. */
  calibration(modelId: string): Promise<readonly ClassCalibrationReport[] | null> {
    return this.engine.calibration(modelId);
  }

  /** Runs in progress (0 before start; still readable while draining and after stop). */
  get activeRuns(): number {
    return this.current?.load.activeRuns ?? 0;
  }

  get activeStreams(): number {
    return this.streams;
  }

  get pendingRounds(): number {
    return this.current?.load.pendingRounds ?? 0;
  }

  modelCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const m of this.current?.models() ?? []) counts[m.status] = (counts[m.status] ?? 0) + 1;
    return counts;
  }

  stats(): GatewayStats {
    const engine = this.engine;
    const models = engine.models();
    const ready = models.filter((m) => m.status === 'READY').length;
    return { ...this.counters.snapshot(), ...engine.load, activeStreams: this.streams, modelsReady: ready, modelsFailed: models.length - ready };
  }

  /** Runs a request to completion (the `sample` query). */
  async sample(request: SampleRequest, context: RunContext = {}): Promise<SampleOutcome> {
    const engine = this.engine;
    if (request.resumeFrom != null) throw badInput('resumeFrom', 'only a sampleStream can be resumed; a sample query returns all its samples at once');
    const admission = engine.admit(request);
    this.admitRuns([admission], { context, samples: admission.count, what: 'sample' });
    // `collect`: outputs accepted under a bound that rose later are re-thinned, so the result is exact (docs/sampling.md).
    const result = await this.withShutdown(context.signal, (signal) =>
      collectRun(engine.run(admission, { signal, requestId: context.requestId, mode: 'collect' })),
    );
    this.counters.samplesReturned += result.count;
    return sampleOutcome(engine, admission.model, result, admission.classLabel);
  }

  /** Starts a stream (the `sampleStream` subscription); admission errors throw here. */
  stream(request: SampleRequest, options: Omit<RunContext, 'signal'> & { readonly metrics?: boolean } = {}): RunStream {
    const { maxStreams } = this.limits;
    if (this.streams >= maxStreams) {
      throw limitExceeded(
        { limit: 'maxStreams', max: maxStreams },
        `the server already runs ${this.streams} streams, its limit (maxStreams / MAX_STREAMS = ${maxStreams}); retry when one ends`,
      );
    }
    const engine = this.engine;
    const admission = engine.admit(request);
    // One event carries at most MAX_EVENT_VALUES sample values (what arrived while the last one was sent, split if bigger).
    const perEvent = Math.min(admission.count, eventRows(admission.model.sampleSize));
    this.admitRuns([admission], { context: options, samples: perEvent, what: 'sampleStream (one event)' });
    const run = engine.run(admission, { signal: this.shutdown.signal, requestId: options.requestId, onEnd: () => void this.streams-- });
    this.streams++;
    this.counters.streamsStarted++;
    return new RunStream(run, admission.model, {
      accumulator: options.metrics ? engine.metricsAccumulator(admission.model, undefined, admission.classLabel) : undefined,
      onChunk: (count) => void (this.counters.samplesStreamed += count),
      cursor: (point) => engine.cursor(admission, point),
    });
  }

  /** Every configuration on one model and seed (the `compareSamplers` query). */
  async compare(request: CompareRequest, options: Omit<CompareOptions, 'signal' | 'onAdmitted'> & RunContext = {}): Promise<CompareEntry[]> {
    const { maxComparedSamplers } = this.limits;
    if (request.samplers.length > maxComparedSamplers) {
      throw limitExceeded(
        { limit: 'maxComparedSamplers', max: maxComparedSamplers, field: 'samplers' },
        `samplers: at most ${maxComparedSamplers} configurations per comparison (maxComparedSamplers / MAX_COMPARED_SAMPLERS), got ${request.samplers.length}`,
      );
    }
    const engine = this.engine;
    const onAdmitted = (admissions: readonly Admission[]): void =>
      this.admitRuns(admissions, { context: options, samples: request.count, what: 'compareSamplers' });
    const entries = await this.withShutdown(options.signal, (signal) =>
      compareSamplers(engine, request, { onProgress: options.onProgress, requestId: options.requestId, onAdmitted, signal }),
    );
    for (const e of entries) this.counters.samplesReturned += e.outcome?.count ?? 0;
    return entries;
  }

  /**
   * The server-wide and per-operation checks on runs about to start (all of one field):
   * concurrent runs, then the operation's response size and proposal budget.
   */
  private admitRuns(admissions: readonly Admission[], { context, samples, what }: { context: RunContext; samples: number; what: string }): void {
    const { maxActiveRuns } = this.limits;
    const active = this.activeRuns;
    if (active + admissions.length > maxActiveRuns) {
      throw limitExceeded(
        { limit: 'maxActiveRuns', max: maxActiveRuns, active },
        `${what}: the server already runs ${active} sampling runs and this needs ${admissions.length} more, above maxActiveRuns / MAX_ACTIVE_RUNS = ${maxActiveRuns}; retry when some end`,
      );
    }
    const model = admissions[0]!.model;
    (context.budget ?? this.operationBudget()).reserve({ model, samples, runs: admissions, fields: context.fields ?? NO_SAMPLE_FIELDS, what });
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

/** One line per finished run: what ran, what it gave, how it ended. */
function logRun(logger: SamplingLogger, run: RunSummary): void {
  const { modelId: model, sampler, requestId, outcome, stats } = run;
  const ms = Math.round(run.ms);
  const fields = { requestId, model, sampler, seed: stats.seed, proposals: stats.proposed, accepted: stats.accepted, ms, outcome };
  const text = `run ${model}/${sampler}: ${outcome}, ${stats.accepted} accepted of ${stats.proposed} proposals in ${ms} ms`;
  if (outcome === 'INTERNAL_SERVER_ERROR') logger.error(`${text}: ${run.error instanceof Error ? run.error.message : String(run.error)}`, fields);
  else if (outcome === 'MODEL_OUTPUT_INVALID') logger.warn(text, fields);
  else logger.info(text, fields);
}

function logLoaded(engine: SamplingEngine, logger: SamplingLogger): void {
  const models = engine.models();
  for (const m of models) {
    if (m.status === 'READY') {
      const { output, latent, discriminatorOutput } = m.manifest;
      logger.info(
        `model ${m.id}: READY (${output.kind} [${output.shape.join(', ')}], latent ${latent.dim} ${latent.distribution}, D outputs a ${discriminatorOutput})`,
        {
          model: m.id,
          status: m.status,
        },
      );
    } else {
      logger.warn(`model ${m.id}: FAILED: ${m.error}`, { model: m.id, status: m.status, error: m.error });
    }
  }
  const ready = models.filter((m) => m.status === 'READY').length;
  const { workers, intraOpNumThreads } = engine.load;
  const samplerNames = engine
    .samplers()
    .map((s) => s.name)
    .join(', ');
  logger.info(
    `sampling: ${ready} of ${models.length} models READY from ${engine.repository.dir}; samplers ${samplerNames}; ${engine.inferenceTarget ? `inference on ${engine.inferenceTarget} (Open Inference Protocol)` : `${workers} worker(s) × ${intraOpNumThreads} onnxruntime thread(s)`}`,
  );
}
