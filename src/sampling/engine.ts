/**
 * The sampling engine: the model repository, the worker pool, server-scoped batching, the
 * samplers registered on this instance, and the shared burn-in cache. Admission checks a whole
 * request before any inference.
 */
import { randomInt } from 'node:crypto';
import { raceAbort } from '../abort.js';
import {
  LATENT_EXTENSION_VERSION,
  SAMPLER_CONTRACT_VERSION,
  isLatentSampler,
  type LatentSamplerPlugin,
  type BurnIn,
  type ModelDescriptor,
  type EngineSamplerPlugin,
  type RegisteredSampler,
  type SamplerParams,
} from '../contracts.js';
import { ErrorCode, SamplingError, badInput, limitExceeded, shuttingDown } from '../errors.js';
import { SampleEvaluator, type EvaluationRequest, type SampleMetrics } from '../evaluation/evaluator.js';
import { concatFloat32 } from '../inference/buffers.js';
import { InferenceBatcher, type BatcherOptions, type BatchTiming } from '../inference/batcher.js';
import type { BackendReadiness, InferenceBackend } from '../inference/backend.js';
import { WorkerPool, type WorkerPoolOptions } from '../inference/pool.js';
import { RemoteBackend } from '../inference/remote.js';
import { batchModelId, workerSpec } from '../inference/round.js';
import { resolveLimits, type LimitName, type SamplingLimits } from '../limits.js';
import { loadModelRepository, type ModelEntry, type ModelRepository, type ReadyModel } from '../models/repository.js';
import { BurnInCache, type BurnInFact } from './burn-in.js';
import { ModelData, type ClassCalibrationReport } from './model-data.js';
import { resolveParams } from './params.js';
import { SamplingRun, collectRun, type RunEnd, type RunResult } from './run.js';
import type { ResumePoint } from './checkpoint.js';
import { CursorCodec, modelFingerprint } from './cursor.js';
import { toCurrentContract } from './v1-adapter.js';

export interface EngineOptions {
  /** Folder of model folders. Ignored when `repository` is given. */
  readonly modelsDir?: string;
  readonly repository?: ModelRepository;
  /** Samplers for this engine instance (no global registry); contract v1 plugins run through the adapter. */
  readonly samplers: readonly RegisteredSampler[];
  readonly pool?: WorkerPoolOptions;
  /**
   * Run G and D on a remote Open Inference Protocol server instead of local workers (`INFERENCE_URL`).
   * Timeouts and attempts come from the limits (`inferenceTimeoutMs`, `inferenceAttempts`).
   */
  readonly inference?: RemoteInferenceOptions;
  readonly batching?: BatcherOptions;
  /** Request limits (`src/limits.ts`); the engine enforces count, proposals and batch size. */
  readonly limits?: Partial<SamplingLimits>;
  /** Proposals per decision batch for a request that sets none. Default 512. */
  readonly defaultBatchSize?: number;
  /** Empty progress chunks at most this often while nothing is accepted. Default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Rounds one run keeps in flight ahead of its acceptance step. Default 2. */
  readonly pipelineDepth?: number;
  /** Signs stream cursors (HMAC-SHA256); replicas that resume each other's streams must share it. Unset: cursors are only checksummed. */
  readonly cursorSecret?: string | undefined;
  /** Inference time a self-sized round aims at (requests without `batchSize`). Default 20 ms. */
  readonly roundTargetMs?: number;
}

export interface RemoteInferenceOptions {
  /** Base URL of the server (`http://triton:8000`); a model's manifest `inference.url` overrides it. */
  readonly url: string;
  /** Tensors as the binary tensor data extension (default) or JSON. */
  readonly binary?: boolean;
}

/** Largest seed: GraphQL's `Int` is a signed 32-bit integer. */
export const MAX_SEED = 2 ** 31 - 1;

export interface SampleRequest {
  readonly modelId: string;
  readonly sampler: { readonly name: string; readonly params?: unknown };
  readonly count: number;
  /** Seeds latents and acceptance uniforms (0 to MAX_SEED). Random when omitted (reported in stats). */
  readonly seed?: number | undefined;
  readonly maxProposals?: number | undefined;
  /**
   * Proposals per decision batch (the sampler steps once per batch); part of what makes a seed
   * reproducible. Given, also each inference round's size; unset, the engine sizes the rounds
   * (whole batches of the default size, the same samples).
   */
  readonly batchSize?: number | undefined;
  /** The class to sample, 0-based into the model's `conditioning.labels`: required by a class-conditional model, refused by any other. */
  readonly classLabel?: number | null | undefined;
  /** A stream event's cursor: continue that stream (the request must match it; omitted seed, batchSize and maxProposals come from it). */
  readonly resumeFrom?: string | undefined;
}

/** A request checked in full and resolved: what a run needs. */
export interface Admission {
  readonly model: ReadyModel;
  readonly plugin: EngineSamplerPlugin;
  readonly params: SamplerParams;
  readonly count: number;
  readonly seed: number;
  readonly maxProposals: number;
  readonly batchSize: number;
  /** The class every proposal of the run has (class-conditional models); null otherwise. */
  readonly classLabel: number | null;
  /** Where a resumed stream continues from. */
  readonly resume?: ResumePoint | undefined;
  /** Most proposals per inference round: `batchSize` when the request set it, else up to 64 batches (and 2^22 values). */
  readonly maxRoundRows: number;
}

/** A self-sized round holds at most this many batches, and at most this many sample values. */
const MAX_ROUND_BATCHES = 64;
const MAX_ROUND_VALUES = 2 ** 22;

export interface RunOptions {
  /** Cancels the run when it aborts (a client going away, the server draining). */
  readonly signal?: AbortSignal | undefined;
  /** Called once when the run ends, however it ends. */
  readonly onEnd?: (summary: RunSummary) => void;
  /** `collect`: all outputs at the end, re-thinned if the sampler's bound rose (sampleAll); `stream` (default): as they come. */
  readonly mode?: 'collect' | 'stream';
  /** The operation that started the run, for its log line. */
  readonly requestId?: string | undefined;
}

export interface RunRound {
  readonly modelId: string;
  readonly sampler: string;
  readonly proposed: number;
  readonly accepted: number;
}

/** A finished run with what it ran: for metrics and its log line. */
export interface RunSummary extends RunEnd {
  readonly modelId: string;
  readonly sampler: string;
  readonly requestId: string | undefined;
}

/** Watches an engine (metrics, logs); every callback must return quickly and not throw. */
export interface EngineObserver {
  /** A shared inference batch finished or failed. */
  readonly batch?: (timing: BatchTiming) => void;
  /** A run decided one round: its proposals and acceptances. */
  readonly round?: (round: RunRound) => void;
  /** A run ended, however it ended. */
  readonly runEnd?: (summary: RunSummary) => void;
}

/** Load of the inference tier, for stats. */
export interface EngineLoad {
  readonly activeRuns: number;
  readonly inferenceRounds: number;
  /** Rounds waiting for a free worker. */
  readonly pendingRounds: number;
  readonly workers: number;
  readonly intraOpNumThreads: number;
}

export class SamplingEngine {
  readonly limits: SamplingLimits;
  private readonly evaluator: SampleEvaluator;
  private readonly burnIns: BurnInCache;
  private readonly modelData: ModelData;
  /** The plugin as registered (for `Query.samplers`) and as the engine runs it. */
  private readonly samplersByName = new Map<string, { readonly registered: RegisteredSampler; readonly plugin: EngineSamplerPlugin }>();
  private readonly defaultBatchSize: number;
  private readonly progressIntervalMs: number;
  private readonly pipelineDepth: number;
  private readonly roundTargetMs: number;
  private readonly runs = new Set<SamplingRun>();
  /** Inference milliseconds per row of each model (per batching key), a moving average over runs: a run sizes its rounds from the start. */
  private readonly speeds = new Map<string, number>();
  private closed = false;
  private readonly cursors: CursorCodec;

  private constructor(
    readonly repository: ModelRepository,
    private readonly pool: InferenceBackend,
    private readonly batcher: InferenceBatcher,
    private readonly observers: Set<EngineObserver>,
    options: EngineOptions,
  ) {
    this.limits = resolveLimits(options.limits);
    this.evaluator = new SampleEvaluator(pool);
    this.burnIns = new BurnInCache(batcher);
    this.modelData = new ModelData(pool, batcher);
    this.defaultBatchSize = options.defaultBatchSize ?? 512;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.pipelineDepth = Math.max(1, options.pipelineDepth ?? 2);
    this.cursors = new CursorCodec(options.cursorSecret);
    this.roundTargetMs = Math.max(0, options.roundTargetMs ?? 20);
    for (const plugin of options.samplers) this.register(plugin);
  }

  /** Loads the models, starts the worker pool, and fits each model's calibration (seeded, cached). */
  static async create(options: EngineOptions): Promise<SamplingEngine> {
    const repository = options.repository ?? (await loadModelRepository(options.modelsDir));
    const limits = resolveLimits(options.limits);
    const remote = options.inference;
    const pool: InferenceBackend = remote
      ? new RemoteBackend({
          url: remote.url,
          binary: remote.binary,
          timeoutMs: limits.inferenceTimeoutMs,
          attempts: limits.inferenceAttempts,
          otherUrls: repository.ready().flatMap((m) => m.manifest.inference?.url ?? []),
          // Evaluation classifiers are no GAN graph: they run here, on one worker made on first use.
          local: () => new WorkerPool({ workers: 1, ...options.pool }),
        })
      : new WorkerPool(options.pool);
    // Started means serving: the workers have loaded onnxruntime (a worker that cannot is an error here, not a retry loop).
    await pool.whenReady().catch(async (error: unknown) => {
      await pool.close();
      throw error;
    });
    const observers = new Set<EngineObserver>();
    // A conditional model's batches are keyed per class: observers see the model's id.
    const isModel = (id: string): boolean => repository.get(id) !== undefined;
    const batching: BatcherOptions = {
      ...options.batching,
      onBatchDone: (timing) => {
        options.batching?.onBatchDone?.(timing);
        const seen = { ...timing, modelId: batchModelId(timing.modelId, isModel) };
        for (const o of observers) o.batch?.(seen);
      },
    };
    let engine: SamplingEngine;
    try {
      engine = new SamplingEngine(repository, pool, new InferenceBatcher(pool, batching), observers, options);
    } catch (error) {
      await pool.close(); // e.g. a sampler of an unknown contract version: no workers left behind
      throw error;
    }
    // A failed fit is reported where it is asked for (Model.calibration, a calibrated run), and retried there.
    await Promise.allSettled(repository.ready().flatMap((m) => engine.modelData.calibrations(m).map((c) => c.fit)));
    return engine;
  }

  /** Adds an observer; returns the function that removes it. */
  observe(observer: EngineObserver): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  private register(registered: RegisteredSampler): void {
    const plugin = isLatentSampler(registered) ? checkLatentPlugin(registered) : toCurrentContract(registered);
    if (this.samplersByName.has(plugin.name)) throw new Error(`sampler "${plugin.name}" is registered twice`);
    this.samplersByName.set(plugin.name, { registered, plugin });
  }

  models(): ModelEntry[] {
    return this.repository.list();
  }

  /** The samplers as registered (a v1 plugin stays v1 here). */
  samplers(): RegisteredSampler[] {
    return [...this.samplersByName.values()].map((s) => s.registered);
  }

  /** The READY model `id`, or a NOT_FOUND / MODEL_NOT_READY error. */
  readyModel(id: string): ReadyModel {
    const entry = this.repository.get(id);
    if (!entry) {
      const known =
        this.repository
          .list()
          .map((m) => m.id)
          .join(', ') || 'none';
      throw new SamplingError(ErrorCode.NOT_FOUND, `model "${id}" not found (models: ${known})`, { modelId: id });
    }
    if (entry.status === 'FAILED')
      throw new SamplingError(ErrorCode.MODEL_NOT_READY, `model "${id}" failed to load: ${entry.error}`, { modelId: id, loadError: entry.error });
    return entry;
  }

  /** The sampler `name` as the engine runs it (contract v2), or NOT_FOUND. */
  sampler(name: string): EngineSamplerPlugin {
    const plugin = this.samplersByName.get(name)?.plugin;
    if (!plugin)
      throw new SamplingError(ErrorCode.NOT_FOUND, `sampler "${name}" not found (samplers: ${[...this.samplersByName.keys()].join(', ')})`, { sampler: name });
    return plugin;
  }

  /** Validates a request in full before any inference; throws on the first problem. */
  admit(request: SampleRequest): Admission {
    if (this.closed) throw shuttingDown();
    const { limits } = this;
    const model = this.readyModel(request.modelId);
    const plugin = this.sampler(request.sampler.name);
    const unavailable =
      samplerUnavailable(model, plugin) ??
      (isLatentSampler(plugin) && !this.pool.runGradient
        ? `sampler "${plugin.name}" needs gradient rounds, which this server's ${this.pool.kind} inference backend does not run (local workers do)`
        : null);
    if (unavailable) throw new SamplingError(ErrorCode.SAMPLER_UNAVAILABLE, unavailable, { sampler: plugin.name, modelId: model.id, reason: unavailable });
    const classLabel = admitClass(model, request.classLabel);
    const { params } = resolveParams(plugin, request.sampler.params, runDescriptor(model, classLabel));
    const count = boundedInt('count', request.count, { min: 1, max: limits.maxCount, limit: 'maxCount' });
    if (request.resumeFrom != null) return this.admitResume(request, { model, plugin, params, count, classLabel });
    const batchSize =
      request.batchSize == null
        ? this.defaultBatchSize
        : boundedInt('batchSize', request.batchSize, { min: 1, max: limits.maxRequestBatchSize, limit: 'maxRequestBatchSize' });
    return {
      model,
      plugin,
      params,
      classLabel,
      count,
      seed: request.seed == null ? randomInt(0, MAX_SEED) : boundedInt('seed', request.seed, { min: 0, max: MAX_SEED }),
      maxProposals:
        request.maxProposals == null
          ? limits.defaultMaxProposals
          : boundedInt('maxProposals', request.maxProposals, { min: 1, max: limits.maxProposals, limit: 'maxProposals' }),
      batchSize,
      maxRoundRows: maxRoundRows(model, batchSize, request.batchSize != null),
    };
  }

  /**
   * A request that resumes a stream: its cursor must check out and belong to the same model
   * (id and files), sampler, parameters and count; seed, batchSize and maxProposals come from
   * the cursor (given ones must match it).
   */
  private admitResume(request: SampleRequest, base: Pick<Admission, 'model' | 'plugin' | 'params' | 'count' | 'classLabel'>): Admission {
    const { model, plugin, params, count, classLabel } = base;
    const { request: c, point } = this.cursors.decode(request.resumeFrom);
    const mismatch = (what: string, cursor: unknown, given: unknown) =>
      badInput('resumeFrom', `the cursor continues a stream with ${what} ${JSON.stringify(cursor)}, but the request asks for ${JSON.stringify(given)}`);
    if (c.modelId !== model.id) throw mismatch('model', c.modelId, model.id);
    if (c.fingerprint !== modelFingerprint(model))
      throw badInput('resumeFrom', `the cursor was issued for other files of model "${model.id}" (another version of its weights or data on that replica)`);
    if (c.sampler !== plugin.name) throw mismatch('sampler', c.sampler, plugin.name);
    if (isLatentSampler(plugin) || !plugin.restore)
      throw badInput('resumeFrom', `sampler "${plugin.name}" cannot resume a stream (it implements no snapshot/restore)`);
    const version = plugin.snapshotVersion ?? 1;
    if (c.snapshotVersion !== version)
      throw badInput('resumeFrom', `the cursor holds a version ${c.snapshotVersion} "${plugin.name}" state; this server's sampler reads version ${version}`);
    if (canonical(c.params) !== canonical(params)) throw mismatch('sampler params', c.params, params);
    if (c.count !== count) throw mismatch('count', c.count, count);
    if (c.classLabel !== classLabel) throw mismatch('classLabel', c.classLabel, classLabel);
    for (const field of ['seed', 'batchSize', 'maxProposals'] as const) {
      const given = request[field];
      if (given != null && given !== c[field]) throw mismatch(field, c[field], given);
    }
    if (c.batchSize > this.limits.maxRequestBatchSize || c.maxProposals > this.limits.maxProposals || count > this.limits.maxCount) {
      throw badInput('resumeFrom', 'the cursor asks for more than this server’s limits allow (maxRequestBatchSize, maxProposals or maxCount)');
    }
    // Round sizes change no sample: a resumed stream sizes its own (fixed when the request gives batchSize).
    const maxRounds = maxRoundRows(model, c.batchSize, request.batchSize != null);
    return {
      model,
      plugin,
      params,
      classLabel,
      count,
      seed: c.seed,
      batchSize: c.batchSize,
      maxRoundRows: maxRounds,
      maxProposals: c.maxProposals,
      resume: point,
    };
  }

  /** The cursor of a stream position (`SampleChunk.after`): hand it back in `resumeFrom` to continue the stream from there. */
  cursor(admission: Admission, point: ResumePoint): string {
    const { model, plugin, params, count, seed, maxProposals, batchSize, classLabel } = admission;
    return this.cursors.encode(
      {
        modelId: model.id,
        fingerprint: modelFingerprint(model),
        sampler: plugin.name,
        snapshotVersion: isLatentSampler(plugin) ? 1 : (plugin.snapshotVersion ?? 1),
        params,
        count,
        seed,
        maxProposals,
        batchSize,
        classLabel,
      },
      point,
    );
  }

  /** Starts a run (validated synchronously); iterate it for chunks of accepted samples. */
  sample(request: SampleRequest, options: RunOptions = {}): SamplingRun {
    return this.run(this.admit(request), options);
  }

  /** Starts a run of a request `admit` has already checked. */
  run(admission: Admission, options: RunOptions = {}): SamplingRun {
    if (this.closed) throw shuttingDown();
    if (admission.resume && options.mode === 'collect')
      throw badInput('resumeFrom', 'only a sampleStream can be resumed; a sample query returns all its samples at once');
    const { model, classLabel } = admission;
    const spec = workerSpec(model, classLabel);
    const run = new SamplingRun({
      ...admission,
      descriptor: runDescriptor(model, classLabel),
      round: (latents, rows, s) => this.batcher.run(spec, latents, rows, s),
      pieces: (rows, draw, s) => this.batcher.start(spec, rows, draw, s),
      speed: { msPerRow: this.speeds.get(spec.id) ?? Number.NaN, report: (ms) => this.speeds.set(spec.id, 0.8 * (this.speeds.get(spec.id) ?? ms) + 0.2 * ms) },
      ...(this.pool.runGradient && { gradient: (latents, rows, s) => raceAbort(this.pool.runGradient!(spec, latents, rows), s) }),
      services: {
        burnIn: (n) => this.burnIn(model, n, classLabel),
        realData: () => this.modelData.realData(model, classLabel),
        calibrator: (method) => this.modelData.calibrator(model, method, classLabel),
      },
      mode: options.mode,
      progressIntervalMs: this.progressIntervalMs,
      pipelineDepth: this.pipelineDepth,
      roundTargetMs: this.roundTargetMs,
      signal: options.signal,
      onRound: ({ proposed, accepted }) => {
        for (const o of this.observers) o.round?.({ modelId: admission.model.id, sampler: admission.plugin.name, proposed, accepted });
      },
      onEnd: (end) => {
        this.runs.delete(run);
        const summary: RunSummary = { ...end, modelId: admission.model.id, sampler: admission.plugin.name, requestId: options.requestId };
        for (const o of this.observers) o.runEnd?.(summary);
        options.onEnd?.(summary);
      },
    });
    this.runs.add(run);
    return run;
  }

  /** Runs a request to completion and returns everything at once. */
  sampleAll(request: SampleRequest, options: RunOptions = {}): Promise<RunResult> {
    return collectRun(this.sample(request, { ...options, mode: 'collect' }));
  }

  /**
   * Quality metrics of `count` samples of model `modelId` (the families its manifest supports);
   * `classLabel`: the class they were drawn for (class-conditional models: class accuracy, and the
   * Fréchet distance to that class's real data when the model ships it).
   */
  evaluate(
    modelId: string,
    samples: { samples: Float32Array; count: number },
    request?: EvaluationRequest,
    classLabel: number | null = null,
  ): Promise<SampleMetrics> {
    return this.evaluator.evaluate(this.readyModel(modelId), samples.samples, samples.count, request, classLabel);
  }

  /** Running metrics over chunks of one model's samples (for streams), drawn for `classLabel` when conditional. */
  metricsAccumulator(model: ReadyModel, request?: EvaluationRequest, classLabel: number | null = null) {
    return this.evaluator.accumulator(model, request, classLabel);
  }

  /** Burn-in logits of `count` proposals (of class `classLabel`), cached per model, count and class (see BurnInCache). */
  burnIn(model: ReadyModel, count: number, classLabel: number | null = null): Promise<BurnIn> {
    return this.burnIns.get(model, count, classLabel);
  }

  /** How calibration did on a model's held-out real samples (per class for a conditional model); null when it ships none. */
  calibration(modelId: string): Promise<readonly ClassCalibrationReport[] | null> {
    return this.modelData.reports(this.readyModel(modelId));
  }

  /** Burn-ins computed so far on a model: count and D̃_M. */
  burnInFacts(modelId: string): Promise<BurnInFact[]> {
    return this.burnIns.facts(modelId);
  }

  /** The remote inference server's base URL; undefined for local workers. */
  get inferenceTarget(): string | undefined {
    return this.pool instanceof RemoteBackend ? this.pool.url : undefined;
  }

  /** Whether inference can run now (a remote backend asks its server). */
  inferenceReadiness(signal?: AbortSignal): Promise<BackendReadiness> {
    return this.closed ? Promise.resolve({ ready: false, reason: 'the engine is closed' }) : this.pool.readiness(signal);
  }

  /**
   * One G → D round of model `modelId` through the shared batcher (the Open Inference Protocol
   * server's `{id}` model). The latents are handed over.
   */
  async inferRound(modelId: string, latents: Float32Array, rows: number, signal?: AbortSignal): Promise<{ samples: Float32Array; logits: Float32Array }> {
    if (this.closed) throw shuttingDown();
    const output = await this.batcher.run(workerSpec(this.readyModel(modelId)), latents, rows, signal);
    return { samples: output.samples, logits: output.logits };
  }

  /** Model `modelId`'s generator or discriminator alone (`{id}.generator`, `{id}.discriminator`), in batches of at most `maxBatchSize` rows. */
  async inferGraph(modelId: string, graph: 'generator' | 'discriminator', input: Float32Array, rows: number, signal?: AbortSignal): Promise<Float32Array> {
    if (this.closed) throw shuttingDown();
    const model = this.readyModel(modelId);
    const g = graph === 'generator';
    const spec = {
      id: `${model.id}/${graph}`,
      path: g ? model.generatorPath : model.discriminatorPath,
      input: g ? model.signature.generatorInput : model.signature.discriminatorInput,
      rowShape: g ? [model.manifest.latent.dim] : model.manifest.output.shape,
      outputs: [g ? model.signature.generatorOutput : model.signature.discriminatorOutput],
      part: { model: model.id, graph, remote: model.manifest.inference },
    };
    const rowSize = input.length / rows;
    const parts: Promise<Float32Array[]>[] = [];
    for (let start = 0; start < rows; start += this.batcher.maxBatchSize) {
      const n = Math.min(this.batcher.maxBatchSize, rows - start);
      parts.push(this.pool.runSingle(spec, input.slice(start * rowSize, (start + n) * rowSize), n, signal));
    }
    const outputs = await Promise.all(parts);
    return concatFloat32(outputs.map((o) => o[0]!));
  }

  get load(): EngineLoad {
    return {
      activeRuns: this.runs.size,
      inferenceRounds: this.pool.rounds,
      pendingRounds: this.pool.queued,
      workers: this.pool.size,
      intraOpNumThreads: this.pool.intraOpNumThreads,
    };
  }

  /** Cancels every run and stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const run of this.runs) run.cancel(shuttingDown());
    this.runs.clear();
    await this.pool.close();
  }
}

/** The class a request samples: required by a class-conditional model, refused by others (BAD_USER_INPUT naming `classLabel`). */
function admitClass(model: ReadyModel, classLabel: unknown): number | null {
  const labels = model.manifest.conditioning?.labels;
  if (!labels) {
    if (classLabel == null) return null;
    throw badInput('classLabel', `model "${model.id}" is not class-conditional; leave classLabel out (got ${JSON.stringify(classLabel)})`);
  }
  const list = labels.map((l, k) => `${k} ${l}`).join(', ');
  if (classLabel == null) throw badInput('classLabel', `model "${model.id}" is class-conditional: give the class to sample (${list})`);
  if (typeof classLabel !== 'number' || !Number.isInteger(classLabel) || classLabel < 0 || classLabel >= labels.length) {
    throw badInput('classLabel', `must be an integer from 0 to ${labels.length - 1} for model "${model.id}" (${list}), got ${JSON.stringify(classLabel)}`);
  }
  return classLabel;
}

/** What a run's sampler knows of its model: for a conditional run, its class and that class's real samples. */
export function runDescriptor(model: ReadyModel, classLabel: number | null): ModelDescriptor {
  if (classLabel === null) return model.descriptor;
  return { ...model.descriptor, classLabel, realSamples: ModelData.realCount(model, classLabel) };
}

/**
 * Why `sampler` cannot run on `model`, or null when it can: a latent sampler needs the model's
 * checked latent-gradient graph (on a class-conditional model its gradient rounds get the run's
 * class, like G and D). FAILED models run nothing: that is MODEL_NOT_READY.
 */
export function samplerUnavailable(model: ModelEntry, sampler: RegisteredSampler): string | null {
  if (!isLatentSampler(sampler) || model.status !== 'READY') return null;
  if (model.latentGradientPath) return null;
  return `sampler "${sampler.name}" moves latents along ∇_z d(G(z)) and needs the model's latent-gradient graph: ${model.latentGradientUnavailable ?? 'none'}`;
}

/** A latent plugin as the engine runs it: the extension version it implements must be this engine's. */
function checkLatentPlugin(plugin: LatentSamplerPlugin): LatentSamplerPlugin {
  if (plugin.contractVersion !== SAMPLER_CONTRACT_VERSION || plugin.latentVersion !== LATENT_EXTENSION_VERSION) {
    throw new Error(
      `sampler "${plugin.name}" implements contract ${String(plugin.contractVersion)}, latent extension ${String(plugin.latentVersion)}; this engine runs contract ${SAMPLER_CONTRACT_VERSION} with latent extension ${LATENT_EXTENSION_VERSION}`,
    );
  }
  return plugin;
}

/**
 * An integer in [min, max]. Above a named limit is LIMIT_EXCEEDED (naming the limit);
 * anything else wrong is BAD_USER_INPUT naming the field.
 */
function boundedInt(field: string, value: unknown, range: { readonly min: number; readonly max: number; readonly limit?: LimitName }): number {
  const { min, max, limit } = range;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badInput(field, `must be an integer, got ${String(value)}`);
  if (value > max && limit) throw limitExceeded({ limit, max, field }, `${field}: must be between ${min} and ${max}, got ${value} (the ${limit} limit)`);
  if (value < min || value > max) throw badInput(field, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Most proposals per inference round: the batch size when the request fixed it, else up to MAX_ROUND_BATCHES batches (and MAX_ROUND_VALUES values). */
function maxRoundRows(model: ReadyModel, batchSize: number, fixed: boolean): number {
  if (fixed) return batchSize;
  return batchSize * Math.max(1, Math.min(MAX_ROUND_BATCHES, Math.floor(MAX_ROUND_VALUES / (model.sampleSize * batchSize))));
}

/** JSON with sorted keys: equal for equal parameter sets whatever their order. */
function canonical(params: SamplerParams): string {
  return JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
