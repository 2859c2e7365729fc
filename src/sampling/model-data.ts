/**
 * Per-model data beyond burn-ins, cached per model (and, for a class-conditional model, per
 * class) and seeded by those only: D's logits on the held-out real samples, and the calibration
 * fitted on them (docs/sampling.md, "Calibration"). A conditional model's real samples of class
 * k are scored by D with label k, and its calibration of class k is fitted on them against as
 * many generated samples of class k.
 */
import { readFileSync } from 'node:fs';
import { CalibrationMethod, type Calibrator } from '../contracts.js';
import { ErrorCode, SamplingError } from '../errors.js';
import { fitCalibration, type CalibrationFit, type CalibrationReport } from '../calibration/fit.js';
import { concatFloat32 } from '../inference/buffers.js';
import type { InferenceBatcher } from '../inference/batcher.js';
import type { InferenceBackend } from '../inference/backend.js';
import type { SingleModelSpec } from '../inference/protocol.js';
import { classBatchKey, toLogits } from '../inference/round.js';
import type { ReadyModel } from '../models/repository.js';
import { Random } from '../random.js';
import type { RealData } from './accept.js';
import { generatedLogits, modelSeed } from './burn-in.js';

/** A calibration report with the class it belongs to (null: an unconditional model). */
export interface ClassCalibrationReport extends CalibrationReport {
  readonly classLabel: number | null;
}

export class ModelData {
  private readonly real = new Map<string, Promise<RealData>>();
  private readonly fits = new Map<string, Promise<CalibrationFit>>();

  constructor(
    private readonly pool: InferenceBackend,
    private readonly batcher: InferenceBatcher,
  ) {}

  /** The held-out real samples (of class `classLabel` for a conditional model) and D's raw logits on them. */
  realData(model: ReadyModel, classLabel: number | null = null): Promise<RealData> {
    return cached(this.real, cacheKey(model, classLabel), () => this.scoreReal(model, classLabel));
  }

  /** Real samples of the class (all of them for an unconditional model). */
  static realCount(model: ReadyModel, classLabel: number | null): number {
    if (classLabel === null || !model.realLabels) return model.descriptor.realSamples;
    return model.realLabels.reduce((n, l) => n + (l === classLabel ? 1 : 0), 0);
  }

  /** The calibration fitted on the real samples (of one class for a conditional model); null when the model ships none. */
  calibration(model: ReadyModel, classLabel: number | null = null): Promise<CalibrationFit> | null {
    if (!model.realSamplesPath) return null;
    return cached(this.fits, cacheKey(model, classLabel), async () => {
      const count = ModelData.realCount(model, classLabel);
      const rng = new Random(modelSeed(model, classLabel), 8);
      const [real, generated] = await Promise.all([
        this.realData(model, classLabel),
        generatedLogits({ batcher: this.batcher, model, count, rng, classLabel }),
      ]);
      try {
        return fitCalibration({ realLogits: real.logits, generatedLogits: generated, seed: modelSeed(model, classLabel) });
      } catch (error) {
        const what = classLabel === null ? '' : ` of class ${classLabel}`;
        throw new SamplingError(ErrorCode.MODEL_OUTPUT_INVALID, `model "${model.id}": calibration${what} failed: ${(error as Error).message}`, {
          modelId: model.id,
          classLabel,
        });
      }
    });
  }

  /** Every fit of the model: one, or one per class of a conditional model; empty when it ships no real samples. */
  calibrations(model: ReadyModel): { readonly classLabel: number | null; readonly fit: Promise<CalibrationFit> }[] {
    const classes = model.manifest.conditioning ? model.manifest.conditioning.labels.map((_, k) => k) : [null];
    return classes.flatMap((classLabel) => {
      const fit = this.calibration(model, classLabel);
      return fit ? [{ classLabel, fit }] : [];
    });
  }

  /** The reports of every fit, each with its class. */
  async reports(model: ReadyModel): Promise<readonly ClassCalibrationReport[] | null> {
    const fits = this.calibrations(model);
    if (fits.length === 0) return null;
    const all = await Promise.all(fits.map(async ({ classLabel, fit }) => (await fit).reports.map((r) => ({ ...r, classLabel }))));
    return all.flat();
  }

  /** The calibrator `method` (`none`: the identity, which needs no fit). */
  async calibrator(model: ReadyModel, method: CalibrationMethod, classLabel: number | null = null): Promise<Calibrator> {
    if (method === CalibrationMethod.NONE) return { method, logit: (raw) => raw };
    const fit = this.calibration(model, classLabel);
    if (!fit) {
      throw new SamplingError(ErrorCode.BAD_USER_INPUT, `model "${model.id}" ships no held-out real samples, so it cannot be calibrated (${method})`, {
        modelId: model.id,
      });
    }
    return (await fit).calibrators.get(method)!;
  }

  private async scoreReal(model: ReadyModel, classLabel: number | null): Promise<RealData> {
    const path = model.realSamplesPath;
    if (!path)
      throw new SamplingError(ErrorCode.BAD_USER_INPUT, `model "${model.id}" ships no held-out real samples (manifest "calibration")`, { modelId: model.id });
    const bytes = readFileSync(path);
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const size = model.sampleSize;
    const samples = classLabel === null || !model.realLabels ? all : rowsOfClass(all, size, model.realLabels, classLabel);
    const count = samples.length / size;
    const { labelInput } = model.signature;
    const d: SingleModelSpec = {
      id: `${model.id}/discriminator`,
      path: model.discriminatorPath,
      input: model.signature.discriminatorInput,
      rowShape: model.manifest.output.shape,
      outputs: [model.signature.discriminatorOutput],
      ...(labelInput !== undefined && classLabel !== null ? { condition: { input: labelInput, label: classLabel } } : {}),
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
}

function cacheKey(model: ReadyModel, classLabel: number | null): string {
  return classLabel === null ? model.id : classBatchKey(model.id, classLabel);
}

/** The rows (of `size` values) whose label is `classLabel`, packed, in file order. */
function rowsOfClass(all: Float32Array, size: number, labels: Int32Array, classLabel: number): Float32Array {
  const count = labels.reduce((n, l) => n + (l === classLabel ? 1 : 0), 0);
  const out = new Float32Array(count * size);
  let at = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== classLabel) continue;
    out.set(all.subarray(i * size, (i + 1) * size), at * size);
    at++;
  }
  return out;
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
