/**
 * Burn-in logits, cached per model and size and seeded by both only, so every sampler and
 * request shares them and results never depend on which request came first.
 */
import type { BurnIn } from '../contracts.js';
import { ErrorCode, SamplingError } from '../errors.js';
import type { InferenceBatcher } from '../inference/batcher.js';
import { concatFloat32 } from '../inference/buffers.js';
import { toLogits, workerSpec } from '../inference/round.js';
import type { ReadyModel } from '../models/repository.js';
import { Random, hashString } from '../random.js';

/** What `Model.burnIns` reports of one cached burn-in. */
export interface BurnInFact {
  readonly count: number;
  readonly logitMax: number;
  readonly proposed: number;
}

export class BurnInCache {
  /** Model id → burn-in size → logits. */
  private readonly byModel = new Map<string, Map<number, Promise<BurnIn>>>();

  constructor(private readonly batcher: InferenceBatcher) {}

  get(model: ReadyModel, count: number): Promise<BurnIn> {
    let sizes = this.byModel.get(model.id);
    if (!sizes) this.byModel.set(model.id, (sizes = new Map<number, Promise<BurnIn>>()));
    let cached = sizes.get(count);
    if (!cached) {
      cached = this.compute(model, count);
      cached.catch(() => sizes.delete(count)); // a failed burn-in is retried by the next request
      sizes.set(count, cached);
    }
    return cached;
  }

  /** Burn-ins finished so far on `modelId`. */
  async facts(modelId: string): Promise<BurnInFact[]> {
    const facts: BurnInFact[] = [];
    for (const [count, promise] of this.byModel.get(modelId) ?? []) {
      const b = await promise.catch(() => null);
      if (b) facts.push({ count, logitMax: b.logitMax, proposed: b.proposed });
    }
    return facts;
  }

  private async compute(model: ReadyModel, count: number): Promise<BurnIn> {
    const raw = await generatedLogits({ batcher: this.batcher, model, count, rng: new Random(hashString(model.id) ^ count, 7) });
    const logits: number[] = [];
    let logitMax = -Infinity;
    for (const v of raw) {
      if (!Number.isFinite(v)) continue;
      logits.push(v);
      if (v > logitMax) logitMax = v;
    }
    if (logits.length === 0) {
      throw new SamplingError(
        ErrorCode.MODEL_OUTPUT_INVALID,
        `model "${model.id}": the discriminator gave no finite logit for any of ${count} burn-in proposals`,
        {
          modelId: model.id,
        },
      );
    }
    return { logits: Float64Array.from(logits), logitMax, proposed: count };
  }
}

/** D's logits (NaN/±Inf kept) on `count` generated samples, latents drawn from `rng`, in batches the batcher shares. */
export async function generatedLogits({
  batcher,
  model,
  count,
  rng,
}: {
  batcher: InferenceBatcher;
  model: ReadyModel;
  count: number;
  rng: Random;
}): Promise<Float64Array> {
  const spec = workerSpec(model);
  const { dim, distribution } = model.manifest.latent;
  const rounds = [];
  for (let done = 0; done < count;) {
    const rows = Math.min(batcher.maxBatchSize, count - done);
    rounds.push(batcher.run(spec, rng.latents(rows, dim, distribution), rows));
    done += rows;
  }
  return toLogits(concatFloat32((await Promise.all(rounds)).map((r) => r.logits)), model.manifest.discriminatorOutput);
}
