/**
 * Runs several sampler configurations on one model with the same seed (so they see the same
 * proposals in the same order). All runs go at once and share inference batches; one failing
 * run (e.g. an exhausted proposal budget) does not sink the others.
 */
import { randomInt } from 'node:crypto';
import { badInput } from '../errors.js';
import { MAX_SEED, type Admission, type SamplingEngine } from './engine.js';
import { sampleOutcome, type SampleOutcome } from './outcome.js';
import { collectRun, type SampleChunk } from './run.js';

export interface SamplerSpec {
  readonly name: string;
  readonly params?: Readonly<Record<string, unknown>> | undefined;
}

export interface CompareRequest {
  readonly modelId: string;
  readonly samplers: readonly SamplerSpec[];
  readonly count: number;
  readonly seed?: number | undefined;
  readonly maxProposals?: number | undefined;
  readonly batchSize?: number | undefined;
  /** The class every configuration samples (class-conditional models). */
  readonly classLabel?: number | null | undefined;
}

export interface CompareEntry {
  readonly sampler: SamplerSpec;
  /** Null when the run failed; see `error`. */
  readonly outcome: SampleOutcome | null;
  readonly error: Error | null;
}

export interface CompareProgress {
  /** Accepted so far per sampler, in request order. */
  readonly accepted: readonly number[];
  readonly count: number;
}

export interface CompareOptions {
  /** Cancels every run. */
  readonly signal?: AbortSignal | undefined;
  /** The operation that asked, for the runs' log lines. */
  readonly requestId?: string | undefined;
  readonly onProgress?: (progress: CompareProgress) => void;
  /** Called once every configuration is admitted, before any run starts; throwing refuses the comparison. */
  readonly onAdmitted?: (admissions: readonly Admission[]) => void;
}

export async function compareSamplers(engine: SamplingEngine, request: CompareRequest, options: CompareOptions = {}): Promise<CompareEntry[]> {
  if (request.samplers.length === 0) throw badInput('samplers', 'give at least one sampler configuration');
  const seed = request.seed ?? randomInt(0, MAX_SEED);
  const requests = request.samplers.map((sampler) => ({ ...request, sampler, seed }));
  const admissions = requests.map((r) => engine.admit(r)); // every configuration is valid before any inference
  options.onAdmitted?.(admissions);
  const model = engine.readyModel(request.modelId);
  const accepted = requests.map(() => 0);

  return Promise.all(
    requests.map(async (r, i): Promise<CompareEntry> => {
      const run = engine.run(admissions[i]!, { signal: options.signal, requestId: options.requestId, mode: 'collect' });
      const onChunk = (chunk: SampleChunk): void => {
        accepted[i] = chunk.stats.accepted;
        options.onProgress?.({ accepted: [...accepted], count: request.count });
      };
      try {
        const result = await collectRun(run, onChunk);
        return { sampler: r.sampler, outcome: sampleOutcome(engine, model, result, admissions[i]!.classLabel), error: null };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return { sampler: r.sampler, outcome: null, error: error instanceof Error ? error : new Error(String(error)) };
      }
    }),
  );
}
