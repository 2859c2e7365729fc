/**
 * The sampling engine: the model repository, the worker pool, server-scoped batching, the
 * samplers registered on this instance, and the shared burn-in cache.
 */
import { randomInt } from 'node:crypto';
import { SAMPLER_CONTRACT_VERSION, type BurnIn, type SamplerParams, type SamplerPlugin } from '../contracts.js';
import { SamplingError, badInput } from '../errors.js';
import { SampleEvaluator, type EvaluationRequest, type SampleMetrics } from '../evaluation/evaluator.js';
import { InferenceBatcher, type BatcherOptions } from '../inference/batcher.js';
import { WorkerPool, type WorkerPoolOptions } from '../inference/pool.js';
import type { WorkerModelSpec } from '../inference/protocol.js';
import { loadModelRepository, type ModelEntry, type ModelRepository, type ReadyModel } from '../models/repository.js';
import { resolveParams } from './params.js';
import { Random } from './random.js';
import { SamplingRun, toLogits, type AcceptedSamples, type RunStats, type SampleChunk } from './run.js';

export interface EngineLimits {
  /** Largest `count` per request. Default 100,000. */
  readonly maxCount: number;
  /** Proposal budget when a request sets none. Default 1,000,000. */
  readonly defaultMaxProposals: number;
  /** Largest `maxProposals` a request may ask for. Default 20,000,000. */
  readonly maxProposals: number;
  /** Largest proposals-per-round a request may ask for. Default 8192. */
  readonly maxBatchSize: number;
}

export interface EngineOptions {
  /** Folder of model folders. Ignored when `repository` is given. */
  readonly modelsDir?: string;
  readonly repository?: ModelRepository;
  /** Samplers for this engine instance (no global registry). */
  readonly samplers: readonly SamplerPlugin[];
  readonly pool?: WorkerPoolOptions;
  readonly batching?: BatcherOptions;
  readonly limits?: Partial<EngineLimits>;
  /** Proposals per round for a request that sets none. Default 512. */
  readonly defaultBatchSize?: number;
  /** Empty progress chunks at most this often while nothing is accepted. Default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Rounds one run keeps in flight ahead of its acceptance step. Default 2. */
  readonly pipelineDepth?: number;
}

export interface SampleRequest {
  readonly modelId: string;
  readonly sampler: { readonly name: string; readonly params?: unknown };
  readonly count: number;
  /** Seeds latents and acceptance uniforms. Random when omitted (reported in stats). */
  readonly seed?: number;
  readonly maxProposals?: number;
  /** Proposals per round for this request; part of what makes a seed reproducible. */
  readonly batchSize?: number;
}

export interface SampleResult extends AcceptedSamples {
  readonly stats: RunStats;
}

const DEFAULT_LIMITS: EngineLimits = { maxCount: 100_000, defaultMaxProposals: 1_000_000, maxProposals: 20_000_000, maxBatchSize: 8192 };

export class SamplingEngine {
  readonly limits: EngineLimits;
  /** Scores samples with the model's evaluation data (classifier runs in the workers). */
  readonly evaluator: SampleEvaluator;
  private readonly samplersByName = new Map<string, SamplerPlugin>();
  private readonly burnIns = new Map<string, Promise<BurnIn>>();
  private readonly defaultBatchSize: number;
  private readonly progressIntervalMs: number;
  private readonly pipelineDepth: number;
  private readonly runs = new Set<SamplingRun>();
  private closed = false;

  private constructor(
    readonly repository: ModelRepository,
    readonly pool: WorkerPool,
    readonly batcher: InferenceBatcher,
    options: EngineOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.evaluator = new SampleEvaluator(pool);
    this.defaultBatchSize = options.defaultBatchSize ?? 512;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.pipelineDepth = Math.max(1, options.pipelineDepth ?? 2);
    for (const plugin of options.samplers) this.register(plugin);
  }

  /** Loads the models and starts the worker pool. */
  static async create(options: EngineOptions): Promise<SamplingEngine> {
    const repository = options.repository ?? (await loadModelRepository(options.modelsDir));
    const pool = new WorkerPool(options.pool);
    return new SamplingEngine(repository, pool, new InferenceBatcher(pool, options.batching), options);
  }

  private register(plugin: SamplerPlugin): void {
    if (plugin.contractVersion !== SAMPLER_CONTRACT_VERSION) {
      throw new Error(`sampler "${plugin.name}" implements contract version ${String(plugin.contractVersion)}, this engine speaks version ${SAMPLER_CONTRACT_VERSION}`);
    }
    if (this.samplersByName.has(plugin.name)) throw new Error(`sampler "${plugin.name}" is registered twice`);
    this.samplersByName.set(plugin.name, plugin);
  }

  models(): ModelEntry[] {
    return this.repository.list();
  }

  samplers(): SamplerPlugin[] {
    return [...this.samplersByName.values()];
  }

  /** The READY model `id`, or a NOT_FOUND / MODEL_NOT_READY error. */
  readyModel(id: string): ReadyModel {
    const entry = this.repository.get(id);
    if (!entry) {
      const known = this.repository.list().map((m) => m.id).join(', ') || 'none';
      throw new SamplingError('NOT_FOUND', `model "${id}" not found (models: ${known})`, { modelId: id });
    }
    if (entry.status === 'FAILED') throw new SamplingError('MODEL_NOT_READY', `model "${id}" failed to load: ${entry.error}`, { modelId: id, loadError: entry.error });
    return entry;
  }

  sampler(name: string): SamplerPlugin {
    const plugin = this.samplersByName.get(name);
    if (!plugin) throw new SamplingError('NOT_FOUND', `sampler "${name}" not found (samplers: ${[...this.samplersByName.keys()].join(', ')})`, { sampler: name });
    return plugin;
  }

  /** Validates a request in full before any inference; throws on the first problem. */
  admit(request: SampleRequest): { model: ReadyModel; plugin: SamplerPlugin; params: SamplerParams; count: number; seed: number; maxProposals: number; batchSize: number } {
    if (this.closed) throw new Error('sampling engine is closed');
    const { limits } = this;
    const intIn = (field: string, value: unknown, min: number, max: number): number => {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw badInput(field, `must be an integer, got ${JSON.stringify(value)}`);
      if (value < min || value > max) {
        const err = badInput(field, `must be between ${min} and ${max}, got ${value}`);
        throw value > max && field !== 'seed' ? new SamplingError('LIMIT_EXCEEDED', err.message, err.details) : err;
      }
      return value;
    };
    const model = this.readyModel(request.modelId);
    const plugin = this.sampler(request.sampler.name);
    const { params } = resolveParams(plugin, request.sampler.params);
    return {
      model,
      plugin,
      params,
      count: intIn('count', request.count, 1, limits.maxCount),
      seed: request.seed === undefined || request.seed === null ? randomInt(0, 2 ** 31 - 1) : intIn('seed', request.seed, 0, 2 ** 32 - 1),
      maxProposals: request.maxProposals == null ? limits.defaultMaxProposals : intIn('maxProposals', request.maxProposals, 1, limits.maxProposals),
      batchSize: request.batchSize == null ? this.defaultBatchSize : intIn('batchSize', request.batchSize, 1, limits.maxBatchSize),
    };
  }

  /** Starts a run (validated synchronously); iterate it for chunks of accepted samples. */
  sample(request: SampleRequest, signal?: AbortSignal): SamplingRun {
    const plan = this.admit(request);
    const spec = workerSpec(plan.model);
    const run = new SamplingRun(
      {
        ...plan,
        round: (latents, rows, s) => this.batcher.run(spec, latents, rows, s),
        burnIn: (n) => this.burnIn(plan.model, n),
        progressIntervalMs: this.progressIntervalMs,
        pipelineDepth: this.pipelineDepth,
      },
      signal,
    );
    this.runs.add(run);
    const untrack = (): void => void this.runs.delete(run);
    run.signal.addEventListener('abort', untrack, { once: true });
    return run;
  }

  /** Runs a request to completion and returns everything at once. */
  async sampleAll(request: SampleRequest, signal?: AbortSignal): Promise<SampleResult> {
    const run = this.sample(request, signal);
    const chunks: SampleChunk[] = [];
    for await (const chunk of run) chunks.push(chunk);
    return concatChunks(chunks, run.stats, this.readyModel(request.modelId).sampleSize);
  }

  /** Quality metrics of a result on model `modelId` (the families its manifest supports). */
  evaluate(modelId: string, samples: { samples: Float32Array; count: number }, request?: EvaluationRequest): Promise<SampleMetrics> {
    return this.evaluator.evaluate(this.readyModel(modelId), samples.samples, samples.count, request);
  }

  /** Runs still iterating (for tests and metrics). */
  get activeRuns(): number {
    return this.runs.size;
  }

  /**
   * Logits of `count` burn-in proposals, seeded by model and count only, cached per model and
   * count so that every sampler and request shares them.
   */
  burnIn(model: ReadyModel, count: number): Promise<BurnIn> {
    const key = `${model.id}\u0000${count}`;
    let cached = this.burnIns.get(key);
    if (!cached) {
      cached = this.runBurnIn(model, count);
      cached.catch(() => this.burnIns.delete(key));
      this.burnIns.set(key, cached);
    }
    return cached;
  }

  /** Burn-ins computed so far: model id and count, with D̃_M. */
  async burnInFacts(modelId: string): Promise<{ count: number; logitMax: number; proposed: number }[]> {
    const facts = [];
    for (const [key, promise] of this.burnIns) {
      const [id, count] = key.split('\u0000');
      if (id !== modelId) continue;
      const b = await promise.catch(() => null);
      if (b) facts.push({ count: Number(count), logitMax: b.logitMax, proposed: b.proposed });
    }
    return facts;
  }

  private async runBurnIn(model: ReadyModel, count: number): Promise<BurnIn> {
    const spec = workerSpec(model);
    const rng = new Random(hashString(model.id) ^ count, 7);
    const { dim, distribution } = model.manifest.latent;
    const rounds = [];
    for (let done = 0; done < count; ) {
      const rows = Math.min(this.batcher.maxBatchSize, count - done);
      rounds.push(this.batcher.run(spec, rng.latents(rows, dim, distribution), rows));
      done += rows;
    }
    const outputs = await Promise.all(rounds);
    const logits: number[] = [];
    let logitMax = -Infinity;
    for (const out of outputs) {
      for (const v of toLogits(out.logits, model.manifest.discriminatorOutput)) {
        if (!Number.isFinite(v)) continue;
        logits.push(v);
        if (v > logitMax) logitMax = v;
      }
    }
    if (logits.length === 0) throw new Error(`burn-in on model "${model.id}" produced no finite logit in ${count} proposals`);
    return { logits: Float64Array.from(logits), logitMax, proposed: count };
  }

  /** Cancels every run and stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const run of this.runs) run.cancel(new Error('sampling engine is shutting down'));
    this.runs.clear();
    await this.pool.close();
  }
}

export function workerSpec(model: ReadyModel): WorkerModelSpec {
  return {
    id: model.id,
    generatorPath: model.generatorPath,
    discriminatorPath: model.discriminatorPath,
    ...model.signature,
    latentDim: model.manifest.latent.dim,
    outputShape: model.manifest.output.shape,
  };
}

export function concatChunks(chunks: readonly SampleChunk[], stats: RunStats, sampleSize: number): SampleResult {
  const count = chunks.reduce((n, c) => n + c.count, 0);
  const samples = new Float32Array(count * sampleSize);
  const logits = new Float64Array(count);
  const acceptanceProbabilities = new Float64Array(count);
  let row = 0;
  for (const c of chunks) {
    samples.set(c.samples, row * sampleSize);
    logits.set(c.logits, row);
    acceptanceProbabilities.set(c.acceptanceProbabilities, row);
    row += c.count;
  }
  return { samples, logits, acceptanceProbabilities, count, sampleSize, stats };
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
