/**
 * Quality metrics in GraphQL. Every family is a field resolved on demand: a query that does
 * not ask for `metrics` (or for the `image` family) never runs the evaluation classifier.
 */
import 'reflect-metadata';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { ImageMetrics, MetricsSource } from '../../evaluation/evaluator.js';
import type { MixtureMetrics } from '../../evaluation/mixture2d.js';

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

@ObjectType('MixtureMetrics', {
  description: '2-D mixture quality (the DRS paper’s 25-Gaussians metrics). A sample is high quality (HQ) within 4σ of its nearest mode centre.',
})
export class MixtureMetricsView {
  constructor(private readonly m: MixtureMetrics) {}
  @Field(() => Int) get count(): number {
    return this.m.count;
  }
  @Field(() => Int) get highQualityCount(): number {
    return this.m.highQualityCount;
  }
  @Field(() => Float, { nullable: true, description: 'Share of samples within 4σ of a mode centre.' }) get highQualityShare(): number | null {
    return finite(this.m.highQualityShare);
  }
  @Field(() => Int, { description: 'Modes with at least 10% of the HQ samples an even spread would give them (and at least one).' })
  get recoveredModes(): number {
    return this.m.recoveredModes;
  }
  @Field(() => Int) get modeCount(): number {
    return this.m.modeCount;
  }
  @Field(() => Float, { nullable: true, description: 'Root-mean-square per-coordinate deviation of HQ samples from their centre (compare with σ).' })
  get highQualityStd(): number | null {
    return finite(this.m.highQualityStd);
  }
  @Field(() => Float, { nullable: true, description: 'KL divergence (nats) of the HQ mode histogram from uniform: 0 when balanced.' }) get modeKL():
    number | null {
    return finite(this.m.modeKL);
  }
  @Field(() => Float, {
    nullable: true,
    description:
      'Jensen-Shannon divergence (nats) between the histogram of all samples over the modes plus one off-mode bin and the real data’s (uniform over the modes): the MH-GAN paper’s metric, 0 for perfect samples.',
  })
  get modeJSD(): number | null {
    return finite(this.m.modeJSD);
  }
  @Field(() => [Int], { description: 'HQ samples per mode, in manifest order.' }) get perMode(): readonly number[] {
    return this.m.perMode;
  }
}

@ObjectType('ImageMetrics', {
  description: 'Image quality measured with the model’s bundled classifier (not Inception: numbers are comparable only between samplers on the same model).',
})
export class ImageMetricsView {
  constructor(private readonly m: ImageMetrics) {}
  @Field(() => Int) get count(): number {
    return this.m.count;
  }
  @Field(() => Float, {
    nullable: true,
    description: 'Fréchet distance between the samples’ classifier features and the real data’s (lower is better); null below 2 samples.',
  })
  get frechetDistance(): number | null {
    return this.m.frechetDistance;
  }
  @Field(() => Boolean, {
    description:
      'True when `frechetDistance` is against the real images of the requested class only (a class-conditional request on a model that ships per-class real statistics); false: against all real images.',
  })
  get frechetOfClass(): boolean {
    return this.m.frechetOfClass;
  }
  @Field(() => Int, { nullable: true, description: 'The class the samples were drawn for (`SampleInput.classLabel`); null for an unconditional model.' })
  get classLabel(): number | null {
    return this.m.classLabel;
  }
  @Field(() => Float, {
    nullable: true,
    description: 'Share of the samples the classifier assigns to the requested class (class-conditional requests; classes matched by name); null otherwise.',
  })
  get classAccuracy(): number | null {
    return this.m.classAccuracy;
  }
  @Field(() => Float, { nullable: true, description: 'Entropy (nats) of the predicted-class histogram; ln(classes) when balanced.' }) get classEntropy():
    number | null {
    return finite(this.m.classEntropy);
  }
  @Field(() => Float, { nullable: true, description: 'Mean top-class probability of the classifier.' }) get meanConfidence(): number | null {
    return finite(this.m.meanConfidence);
  }
  @Field(() => [Int]) get classHistogram(): readonly number[] {
    return this.m.classHistogram;
  }
  @Field(() => [String]) get classes(): readonly string[] {
    return this.m.classes;
  }
}

@ObjectType('SampleMetrics', { description: 'Quality metrics of the samples; a family is null when the model carries no evaluation data for it.' })
export class SampleMetricsView {
  constructor(private readonly source: MetricsSource) {}

  @Field(() => MixtureMetricsView, { nullable: true, description: 'For 2-D models whose manifest lists mode centres.' })
  async mixture2d(): Promise<MixtureMetricsView | null> {
    const m = (await this.source('mixture2d')).mixture2d;
    return m ? new MixtureMetricsView(m) : null;
  }

  @Field(() => ImageMetricsView, { nullable: true, description: 'For image models that ship a classifier.' })
  async image(): Promise<ImageMetricsView | null> {
    const m = (await this.source('image')).image;
    return m ? new ImageMetricsView(m) : null;
  }
}
