/**
 * Scores a set of samples with whatever evaluation data the model's manifest carries:
 * `evaluation.mixture2d` → mode coverage metrics; `evaluation.classifier` → a Fréchet distance
 * in the bundled classifier's feature space plus class-histogram metrics. The classifier runs in
 * the inference workers, like G and D, so scoring never blocks the server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceBackend } from '../inference/backend.js';
import type { SingleModelSpec } from '../inference/protocol.js';
import type { ClassifierSpec } from '../models/manifest.js';
import type { ReadyModel } from '../models/repository.js';
import { classifierMetrics } from './classifier.js';
import { concatFloat32 } from '../inference/buffers.js';
import { FeatureMoments, frechetDistance, type FeatureStatistics } from './frechet.js';
import { addMixtureTallies, mixtureMetrics, mixtureTally, summarizeMixture, type MixtureMetrics, type MixtureSpec, type MixtureTally } from './mixture2d.js';

export interface ImageMetrics {
  readonly count: number;
  /**
   * Fréchet distance between the samples' classifier features and the real data's (NOT the
   * Inception FID: a small Fashion-MNIST classifier's penultimate layer). Null below 2 samples.
   * For samples drawn for one class, against that class's real data when the model ships its
   * statistics (`realFeatures` file, `classes`), else against all real data.
   */
  readonly frechetDistance: number | null;
  /** Whether `frechetDistance` is against the requested class's real data only. */
  readonly frechetOfClass: boolean;
  /** The class the samples were drawn for (class-conditional models); null otherwise. */
  readonly classLabel: number | null;
  /**
   * Share of the samples the classifier assigns to the requested class (matched by name between
   * `conditioning.labels` and the classifier's classes); null when no class was requested or the
   * classifier has no class of that name.
   */
  readonly classAccuracy: number | null;
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

/** A family of quality metrics; a model supports those its manifest has evaluation data for. */
export const MetricFamily = { MIXTURE2D: 'mixture2d', IMAGE: 'image' } as const;
export type MetricFamily = (typeof MetricFamily)[keyof typeof MetricFamily];

/** Which families to compute. */
export type EvaluationRequest = { readonly [F in MetricFamily]?: boolean };

/** Metrics of one set of samples, one family at a time. */
export type MetricsSource = (family: MetricFamily) => Promise<SampleMetrics>;

/** A source that computes each family once, however many fields (or aliases) ask for it. */
export function onDemandMetrics(evaluate: (request: EvaluationRequest) => Promise<SampleMetrics>): MetricsSource {
  const cache = new Map<MetricFamily, Promise<SampleMetrics>>();
  return (family) => {
    let pending = cache.get(family);
    if (!pending) cache.set(family, (pending = evaluate({ [family]: true })));
    return pending;
  };
}

/** Every family of a source, merged (families the model does not support stay absent). */
export async function allMetrics(source: MetricsSource): Promise<SampleMetrics> {
  const parts = await Promise.all(Object.values(MetricFamily).map((family) => source(family)));
  return Object.assign({}, ...parts) as SampleMetrics;
}

/** Rows per classifier round. */
const CLASSIFIER_BATCH = 1024;

export class SampleEvaluator {
  private readonly realFeatures = new Map<string, RealFeatures>();

  constructor(private readonly pool: InferenceBackend) {}

  /** Which metric families this model supports. */
  static supports(model: ReadyModel): Required<EvaluationRequest> {
    const evaluation = model.manifest.evaluation;
    return { mixture2d: evaluation?.mixture2d !== undefined && model.sampleSize === 2, image: evaluation?.classifier !== undefined };
  }

  /** Metrics of `count` samples (row-major values of `model`); only the families asked for. */
  async evaluate(
    model: ReadyModel,
    samples: Float32Array,
    count: number,
    request: EvaluationRequest = { mixture2d: true, image: true },
    classLabel: number | null = null,
  ): Promise<SampleMetrics> {
    const accumulator = this.accumulator(model, request, classLabel);
    await accumulator.add(samples, count);
    return accumulator.snapshot();
  }

  /** Running metrics over a stream of sample chunks (drawn for `classLabel`, if given): each chunk is scored once, as it arrives. */
  accumulator(model: ReadyModel, request: EvaluationRequest = { mixture2d: true, image: true }, classLabel: number | null = null): MetricsAccumulator {
    const supported = SampleEvaluator.supports(model);
    const mixture = request.mixture2d && supported.mixture2d ? model.manifest.evaluation!.mixture2d! : null;
    const classifier = request.image && supported.image ? model.manifest.evaluation!.classifier! : null;
    return new MetricsAccumulator(
      mixture ? { centers: mixture.centers.map((c) => [...c]), sigma: mixture.sigma } : null,
      classifier ? this.classifierRunner(model, classifier, classLabel) : null,
    );
  }

  private classifierRunner(model: ReadyModel, spec: ClassifierSpec, classLabel: number | null): ClassifierRunner {
    const name = classLabel === null ? undefined : model.manifest.conditioning?.labels[classLabel];
    const classifierClass = name === undefined ? -1 : spec.classes.indexOf(name);
    const single: SingleModelSpec = {
      id: `${model.id}/${spec.file}`,
      path: join(model.dir, spec.file),
      input: spec.input,
      rowShape: model.manifest.output.shape,
      outputs: [spec.featuresOutput, spec.logitsOutput],
    };
    return {
      classes: spec.classes,
      classLabel,
      classifierClass: classifierClass >= 0 ? classifierClass : null,
      classify: async (samples, count) => {
        const rowSize = model.sampleSize;
        const parts = [];
        for (let start = 0; start < count; start += CLASSIFIER_BATCH) {
          const rows = Math.min(CLASSIFIER_BATCH, count - start);
          parts.push(this.pool.runSingle(single, samples.slice(start * rowSize, (start + rows) * rowSize), rows));
        }
        const outputs = await Promise.all(parts);
        return { features: concatFloat32(outputs.map((o) => o[0]!)), logits: concatFloat32(outputs.map((o) => o[1]!)) };
      },
      real: (dim) => {
        const stats = this.realStatistics(model, spec.realFeatures, dim);
        const ofClass = classifierClass >= 0 ? stats.classes?.[classifierClass] : undefined;
        return ofClass ? { stats: ofClass, ofClass: true } : { stats: stats.all, ofClass: false };
      },
    };
  }

  /** The real data's feature mean and covariance (and per classifier class, when given) from the manifest's `realFeatures` file (cached). */
  private realStatistics(model: ReadyModel, file: string, dim: number): RealFeatures {
    let stats = this.realFeatures.get(model.id);
    if (!stats) {
      type Moments = { mean: number[]; covariance: number[][] };
      const raw = JSON.parse(readFileSync(join(model.dir, file), 'utf8')) as { dim: number; classes?: Moments[] } & Moments;
      const read = (m: Moments, what: string): FeatureStatistics => {
        if (raw.dim !== dim || m.mean?.length !== dim || m.covariance?.length !== dim) {
          throw new Error(`${model.id}/${file}: feature dimension of ${what} (${raw.dim}) does not match the classifier's ${dim}`);
        }
        return { mean: Float64Array.from(m.mean), covariance: Float64Array.from(m.covariance.flat()) };
      };
      stats = { all: read(raw, 'the real data'), classes: raw.classes?.map((m, k) => read(m, `class ${k}`)) };
      this.realFeatures.set(model.id, stats);
    }
    return stats;
  }
}

interface RealFeatures {
  readonly all: FeatureStatistics;
  /** Per classifier class, when the file has them. */
  readonly classes: readonly FeatureStatistics[] | undefined;
}

interface ClassifierRunner {
  readonly classes: readonly string[];
  /** The class the samples were drawn for (conditioning label), and the classifier's class of that name. */
  readonly classLabel: number | null;
  readonly classifierClass: number | null;
  classify(samples: Float32Array, count: number): Promise<{ features: Float32Array; logits: Float32Array }>;
  real(dim: number): { readonly stats: FeatureStatistics; readonly ofClass: boolean };
}

/**
 * Sufficient statistics of the metrics so far: mixture tallies, and for images the feature
 * moments, the class histogram and the summed top-class confidence.
 */
export class MetricsAccumulator {
  private mixture: MixtureTally | null = null;
  private images = 0;
  private features: FeatureMoments | null = null;
  private histogram: number[] = [];
  private confidenceSum = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly mixtureSpec: MixtureSpec | null,
    private readonly classifier: ClassifierRunner | null,
  ) {
    if (mixtureSpec) this.mixture = { count: 0, perMode: mixtureSpec.centers.map(() => 0), squaredDeviation: 0 };
    if (classifier) this.histogram = classifier.classes.map(() => 0);
  }

  /** Scores one chunk; chunks are folded in the order they are added. */
  add(samples: Float32Array, count: number): Promise<void> {
    const next = this.pending.then(() => this.fold(samples, count));
    this.pending = next.catch(() => undefined);
    return next;
  }

  private async fold(samples: Float32Array, count: number): Promise<void> {
    if (count === 0) return;
    if (this.mixtureSpec && this.mixture) {
      const chunk = mixtureMetrics(samples.subarray(0, count * 2), this.mixtureSpec);
      this.mixture = addMixtureTallies(this.mixture, mixtureTally(chunk));
    }
    if (this.classifier) {
      const { features, logits } = await this.classifier.classify(samples, count);
      this.features ??= new FeatureMoments(features.length / count);
      this.features.add(features, count);
      const cls = classifierMetrics(logits, count, this.classifier.classes.length);
      cls.classHistogram.forEach((c, k) => (this.histogram[k]! += c));
      this.confidenceSum += cls.meanConfidence * count;
      this.images += count;
    }
  }

  /** Metrics of everything added so far (call after awaiting `add`). */
  snapshot(): SampleMetrics {
    const out: { mixture2d?: MixtureMetrics; image?: ImageMetrics } = {};
    if (this.mixture) out.mixture2d = summarizeMixture(this.mixture);
    if (this.classifier) out.image = this.imageSnapshot(this.classifier);
    return out;
  }

  private imageSnapshot(classifier: ClassifierRunner): ImageMetrics {
    const n = this.images;
    const total = this.histogram.reduce((a, b) => a + b, 0);
    let entropy = 0;
    for (const c of this.histogram) if (c > 0) entropy -= (c / total) * Math.log(c / total);
    let fd: number | null = null;
    let ofClass = false;
    if (n >= 2 && this.features) {
      const { dim } = this.features;
      const real = classifier.real(dim);
      fd = frechetDistance(this.features.statistics(), real.stats, dim);
      ofClass = real.ofClass;
    }
    const target = classifier.classifierClass;
    return {
      count: n,
      frechetDistance: fd,
      frechetOfClass: ofClass,
      classLabel: classifier.classLabel,
      classAccuracy: target === null || n === 0 ? null : this.histogram[target]! / n,
      classEntropy: n > 0 ? entropy : NaN,
      meanConfidence: n > 0 ? this.confidenceSum / n : NaN,
      classHistogram: [...this.histogram],
      classes: classifier.classes,
    };
  }
}
