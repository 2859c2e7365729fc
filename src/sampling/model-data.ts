/**
 * Per-model data beyond burn-ins, cached per model and seeded by the model only: D's logits on
 * the held-out real samples, and the calibration fitted on them (docs/sampling.md, "Calibration").
 */
import { readFileSync } from 'node:fs';
import { CalibrationMethod, type Calibrator } from '../contracts.js';
import { ErrorCode, SamplingError } from '../errors.js';
import { fitCalibration, type CalibrationFit } from '../calibration/fit.js';
import { concatFloat32 } from '../inference/buffers.js';
import type { InferenceBatcher } from '../inference/batcher.js';
import type { InferenceBackend } from '../inference/backend.js';
import { toLogits } from '../inference/round.js';
import type { ReadyModel } from '../models/repository.js';
import { Random, hashString } from '../random.js';
import type { RealData } from './accept.js';
import { generatedLogits } from './burn-in.js';

export class ModelData {
  private readonly real = new Map<string, Promise<RealData>>();
  private readonly fits = new Map<string, Promise<CalibrationFit>>();

  constructor(
    private readonly pool: InferenceBackend,
    private readonly batcher: InferenceBatcher,
  ) {}

  /** The held-out real samples and D's raw logits on them. */
  realData(model: ReadyModel): Promise<RealData> {
    return cached(this.real, model.id, () => this.scoreReal(model));
  }

  /** The calibration fitted on the real samples; null when the model ships none. */
  calibration(model: ReadyModel): Promise<CalibrationFit> | null {
    if (!model.realSamplesPath) return null;
    return cached(this.fits, model.id, async () => {
      const [real, generated] = await Promise.all([this.realData(model), this.generatedLogits(model, model.descriptor.realSamples)]);
      try {
        return fitCalibration({ realLogits: real.logits, generatedLogits: generated, seed: hashString(model.id) });
      } catch (error) {
        throw new SamplingError(ErrorCode.MODEL_OUTPUT_INVALID, `model "${model.id}": calibration failed: ${(error as Error).message}`, { modelId: model.id });
      }
    });
  }

  /** The calibrator `method` (`none`: the identity, which needs no fit). */
  async calibrator(model: ReadyModel, method: CalibrationMethod): Promise<Calibrator> {
    if (method === CalibrationMethod.NONE) return { method, logit: (raw) => raw };
    const fit = this.calibration(model);
    if (!fit) {
      throw new SamplingError(ErrorCode.BAD_USER_INPUT, `model "${model.id}" ships no held-out real samples, so it cannot be calibrated (${method})`, {
        modelId: model.id,
      });
    }
    return (await fit).calibrators.get(method)!;
  }

  private async scoreReal(model: ReadyModel): Promise<RealData> {
    const path = model.realSamplesPath;
    if (!path)
      throw new SamplingError(ErrorCode.BAD_USER_INPUT, `model "${model.id}" ships no held-out real samples (manifest "calibration")`, { modelId: model.id });
    const bytes = readFileSync(path);
    const samples = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const count = model.descriptor.realSamples;
    const size = model.sampleSize;
    const d = {
      id: `${model.id}/discriminator`,
      path: model.discriminatorPath,
      input: model.signature.discriminatorInput,
      rowShape: model.manifest.output.shape,
      outputs: [model.signature.discriminatorOutput],
      part: { model: model.id, graph: 'discriminator' as const, remote: model.manifest.inference },
    };
    const parts: Promise<Float32Array[]>[] = [];
    for (let start = 0; start < count; start += this.batcher.maxBatchSize) {
      const rows = Math.min(this.batcher.maxBatchSize, count - start);
      parts.push(this.pool.runSingle(d, samples.slice(start * size, (start + rows) * size), rows));
    }
    const raw = concatFloat32((await Promise.all(parts)).map((o) => o[0]!));
    return { samples, logits: toLogits(raw, model.manifest.discriminatorOutput), count };
  }

  /** D's logits on `count` fresh generated samples, on their own seeded stream. */
  private generatedLogits(model: ReadyModel, count: number): Promise<Float64Array> {
    return generatedLogits({ batcher: this.batcher, model, count, rng: new Random(hashString(model.id), 8) });
  }
}

/** A cached promise; a failure is forgotten so the next caller retries. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, compute: () => Promise<T>): Promise<T> {
  let promise = cache.get(key);
  if (!promise) {
    promise = compute();
    promise.catch(() => cache.delete(key));
    cache.set(key, promise);
  }
  return promise;
}
