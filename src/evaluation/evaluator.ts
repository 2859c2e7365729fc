/**
 * Scores a set of samples with whatever evaluation data the model's manifest carries:
 * `evaluation.mixture2d` → mode coverage metrics; `evaluation.classifier` → a Fréchet distance
 * in the bundled classifier's feature space plus class-histogram metrics. The classifier runs in
 * the inference workers, like G and D, so scoring never blocks the server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerPool } from '../inference/pool.js';
import type { SingleModelSpec } from '../inference/protocol.js';
import type { ReadyModel } from '../models/repository.js';
import { classifierMetrics } from './classifier.js';
import { featureStatistics, frechetDistance, type FeatureStatistics } from './frechet.js';
import { mixtureMetrics, type MixtureMetrics } from './mixture2d.js';

export interface ImageMetrics {
  readonly count: number;
  /**
   * Fréchet distance between the samples' classifier features and the real data's (NOT the
   * Inception FID: a small Fashion-MNIST classifier's penultimate layer). Null below 2 samples.
   */
  readonly frechetDistance: number | null;
  /** Entropy (nats) of the predicted-class histogram; ln(classes) when perfectly balanced. */
  readonly classEntropy: number;
  /** Mean of the classifier's top softmax probability. */
  readonly meanConfidence: number;
  readonly classHistogram: readonly number[];
  readonly classes: readonly string[];
}

export interface SampleMetrics {
  readonly mixture2d?: MixtureMetrics;
  readonly image?: ImageMetrics;
}

export interface EvaluationRequest {
  readonly mixture2d?: boolean;
  readonly image?: boolean;
}

/** Rows per classifier round. */
const CLASSIFIER_BATCH = 1024;

export class SampleEvaluator {
  private readonly realFeatures = new Map<string, FeatureStatistics>();

  constructor(private readonly pool: WorkerPool) {}

  /** Which metric families this model supports. */
  static supports(model: ReadyModel): Required<EvaluationRequest> {
    const evaluation = model.manifest.evaluation;
    return { mixture2d: evaluation?.mixture2d !== undefined && model.sampleSize === 2, image: evaluation?.classifier !== undefined };
  }

  /** Metrics of `count` samples (row-major values of `model`); only the families asked for. */
  async evaluate(model: ReadyModel, samples: Float32Array, count: number, request: EvaluationRequest = { mixture2d: true, image: true }): Promise<SampleMetrics> {
    const supported = SampleEvaluator.supports(model);
    const out: { mixture2d?: MixtureMetrics; image?: ImageMetrics } = {};
    if (request.mixture2d && supported.mixture2d) {
      const spec = model.manifest.evaluation!.mixture2d!;
      out.mixture2d = mixtureMetrics(samples.subarray(0, count * 2), { centers: spec.centers.map((c) => [...c]), sigma: spec.sigma });
    }
    if (request.image && supported.image) out.image = await this.imageMetrics(model, samples, count);
    return out;
  }

  private async imageMetrics(model: ReadyModel, samples: Float32Array, count: number): Promise<ImageMetrics> {
    const spec = model.manifest.evaluation!.classifier!;
    const classes = spec.classes;
    const single: SingleModelSpec = {
      id: `${model.id}/${spec.file}`,
      path: join(model.dir, spec.file),
      input: spec.input,
      rowShape: model.manifest.output.shape,
      outputs: [spec.featuresOutput, spec.logitsOutput],
    };
    const rowSize = model.sampleSize;
    const parts = [];
    for (let start = 0; start < count; start += CLASSIFIER_BATCH) {
      const rows = Math.min(CLASSIFIER_BATCH, count - start);
      parts.push(this.pool.runSingle(single, samples.slice(start * rowSize, (start + rows) * rowSize), rows));
    }
    const outputs = await Promise.all(parts);
    const featureDim = count > 0 ? outputs[0]![0]!.length / Math.min(CLASSIFIER_BATCH, count) : 0;
    const features = concat(outputs.map((o) => o[0]!));
    const logits = concat(outputs.map((o) => o[1]!));
    const cls = classifierMetrics(logits, count, classes.length);
    let fd: number | null = null;
    if (count >= 2) {
      const real = this.realStatistics(model, featureDim);
      fd = frechetDistance(featureStatistics(features, count, featureDim), real, featureDim);
    }
    return { count, frechetDistance: fd, classEntropy: cls.classEntropy, meanConfidence: cls.meanConfidence, classHistogram: cls.classHistogram, classes };
  }

  /** The real data's feature mean and covariance from the manifest's `realFeatures` file (cached). */
  private realStatistics(model: ReadyModel, dim: number): FeatureStatistics {
    let stats = this.realFeatures.get(model.id);
    if (!stats) {
      const file = model.manifest.evaluation!.classifier!.realFeatures;
      const raw = JSON.parse(readFileSync(join(model.dir, file), 'utf8')) as { dim: number; mean: number[]; covariance: number[][] };
      if (raw.dim !== dim || raw.mean.length !== dim || raw.covariance.length !== dim) {
        throw new Error(`${model.id}/${file}: feature dimension ${raw.dim} does not match the classifier's ${dim}`);
      }
      stats = { mean: Float64Array.from(raw.mean), covariance: Float64Array.from(raw.covariance.flat()) };
      this.realFeatures.set(model.id, stats);
    }
    return stats;
  }
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
