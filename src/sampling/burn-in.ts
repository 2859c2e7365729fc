/**
 * Burn-in logits, cached per model, size and (class-conditional models) class, and seeded by
 * those only, so every sampler and request shares them and results never depend on which
 * request came first.
 */
import type { BurnIn } from '../contracts.js';
import { ErrorCode, SamplingError } from '../errors.js';
import type { InferenceBatcher } from '../inference/batcher.js';
import { concatFloat32 } from '../inference/buffers.js';
import { classBatchKey, toLogits, workerSpec } from '../inference/round.js';
import type { ReadyModel } from '../models/repository.js';
import { Random, hashString } from '../random.js';

/** What `Model.burnIns` reports of one cached burn-in. */
export interface BurnInFact {
  readonly count: number;
  readonly logitMax: number;
  readonly proposed: number;
  /** The class it was drawn for (class-conditional models); null otherwise. */
  readonly classLabel: number | null;
}

/** The seed of a model's (and class's) own streams: burn-in, calibration. */
export function modelSeed(model: ReadyModel, classLabel: number | null): number {
  return hashString(classLabel === null ? model.id : classBatchKey(model.id, classLabel));
}

export class BurnInCache {
  /** Model id → burn-in size → class (null: unconditional) → logits. */
  private readonly byModel = new Map<string, Map<number, Map<number | null, Promise<BurnIn>>>>();

  constructor(private readonly batcher: InferenceBatcher) {}

  get(model: ReadyModel, count: number, classLabel: number | null = null): Promise<BurnIn> {
    let sizes = this.byModel.get(model.id);
    if (!sizes) this.byModel.set(model.id, (sizes = new Map<number, Map<number | null, Promise<BurnIn>>>()));
    let classes = sizes.get(count);
    if (!classes) sizes.set(count, (classes = new Map<number | null, Promise<BurnIn>>()));
    let cached = classes.get(classLabel);
    if (!cached) {
      cached = this.compute(model, count, classLabel);
      cached.catch(() => classes.delete(classLabel)); // a failed burn-in is retried by the next request
      classes.set(classLabel, cached);
    }
    return cached;
  }

  /** Burn-ins finished so far on `modelId`, by size, then class. */
  async facts(modelId: string): Promise<BurnInFact[]> {
    const facts: BurnInFact[] = [];
    for (const [count, classes] of this.byModel.get(modelId) ?? []) {
      for (const [classLabel, promise] of [...classes].sort(([a], [b]) => (a ?? -1) - (b ?? -1))) {
        const b = await promise.catch(() => null);
        if (b) facts.push({ count, logitMax: b.logitMax, proposed: b.proposed, classLabel });
      }
    }
    return facts;
  }

  private async compute(model: ReadyModel, count: number, classLabel: number | null): Promise<BurnIn> {
    const rng = new Random(modelSeed(model, classLabel) ^ count, 7);
    const raw = await generatedLogits({ batcher: this.batcher, model, count, rng, classLabel });
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
        `model "${model.id}": the discriminator gave no finite logit for any of ${count} burn-in proposals${classLabel === null ? '' : ` of class ${classLabel}`}`,
        { modelId: model.id, classLabel },
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
  classLabel = null,
}: {
  batcher: InferenceBatcher;
  model: ReadyModel;
  count: number;
  rng: Random;
  /** The class of every sample (class-conditional models). */
  classLabel?: number | null;
}): Promise<Float64Array> {
  const spec = workerSpec(model, classLabel);
  const { dim, distribution } = model.manifest.latent;
  const rounds = [];
  for (let done = 0; done < count;) {
    const rows = Math.min(batcher.maxBatchSize, count - done);
    rounds.push(batcher.run(spec, rng.latents(rows, dim, distribution), rows));
    done += rows;
  }
  return toLogits(concatFloat32((await Promise.all(rounds)).map((r) => r.logits)), model.manifest.discriminatorOutput);
}
