/**
 * Runs several sampler configurations on one model with the same seed (so they see the same
 * proposals in the same order) and scores each result. All runs go at once and share inference
 * batches; one failing run (e.g. an exhausted proposal budget) does not sink the others.
 */
import { SamplingError } from '../errors.js';
import type { EvaluationRequest, SampleMetrics } from '../evaluation/evaluator.js';
import { concatChunks, type SampleResult, type SamplingEngine } from './engine.js';
import type { SampleChunk } from './run.js';

export interface SamplerSpec {
  readonly name: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface CompareRequest {
  readonly modelId: string;
  readonly samplers: readonly SamplerSpec[];
  readonly count: number;
  readonly seed?: number;
  readonly maxProposals?: number;
  readonly batchSize?: number;
  /** Metric families to compute; default: every one the model supports. */
  readonly metrics?: EvaluationRequest;
}

export interface CompareEntry {
  readonly sampler: SamplerSpec;
  /** Null when the run failed; see `error`. */
  readonly result: SampleResult | null;
  readonly metrics: SampleMetrics | null;
  readonly error: SamplingError | Error | null;
}

export interface CompareProgress {
  /** Accepted so far per sampler, in request order. */
  readonly accepted: readonly number[];
  readonly count: number;
}

export async function compareSamplers(
  engine: SamplingEngine,
  request: CompareRequest,
  options: { signal?: AbortSignal; onProgress?: (progress: CompareProgress) => void } = {},
): Promise<CompareEntry[]> {
  if (request.samplers.length === 0) throw new SamplingError('BAD_USER_INPUT', 'samplers: give at least one sampler configuration', { field: 'samplers' });
  const seed = request.seed ?? Math.floor(Math.random() * 2 ** 31);
  const requests = request.samplers.map((sampler) => ({
    modelId: request.modelId,
    sampler: { name: sampler.name, params: sampler.params },
    count: request.count,
    seed,
    ...(request.maxProposals === undefined ? {} : { maxProposals: request.maxProposals }),
    ...(request.batchSize === undefined ? {} : { batchSize: request.batchSize }),
  }));
  for (const r of requests) engine.admit(r); // every configuration is valid before any inference
  const model = engine.readyModel(request.modelId);
  const accepted = requests.map(() => 0);

  return Promise.all(
    requests.map(async (r, i): Promise<CompareEntry> => {
      const run = engine.sample(r, options.signal);
      const chunks: SampleChunk[] = [];
      try {
        for await (const chunk of run) {
          chunks.push(chunk);
          accepted[i] = chunk.stats.accepted;
          options.onProgress?.({ accepted: [...accepted], count: request.count });
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return { sampler: request.samplers[i]!, result: null, metrics: null, error: error as Error };
      }
      const result = concatChunks(chunks, run.stats, model.sampleSize);
      const metrics = await engine.evaluate(request.modelId, result, request.metrics);
      return { sampler: request.samplers[i]!, result, metrics, error: null };
    }),
  );
}
