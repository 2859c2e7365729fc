/** GraphQL types of the model repository: what a model is, whether it loaded, its burn-ins. */
import 'reflect-metadata';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { ClassCalibrationReport } from '../../sampling/model-data.js';
import type { ModelEntry } from '../../models/repository.js';
import type { BurnInFact } from '../../sampling/burn-in.js';
import { DiscriminatorOutput, LatentDistribution, ModelStatus, OutputKind } from './enums.js';
import { ModelSamplerInfo } from './sampler.js';

@ObjectType('BurnInFact', { description: 'A cached burn-in: D̃_M estimated from `count` generator samples (shared by every request on this model).' })
export class BurnInFactView implements BurnInFact {
  @Field(() => Int, { description: 'Burn-in size (the samplers’ `burnInSamples`).' })
  count!: number;

  @Field(() => Float, { description: 'D̃_M: the largest finite logit seen in the burn-in.' })
  logitMax!: number;

  @Field(() => Int, { description: 'Proposals drawn, including those dropped for a non-finite logit.' })
  proposed!: number;

  @Field(() => Int, { nullable: true, description: 'The class it was drawn for (a class-conditional model keeps one burn-in per class); null otherwise.' })
  classLabel!: number | null;
}

@ObjectType({ description: 'A 2-D Gaussian mixture: equal-weight modes with one σ.' })
export class Mixture2dInfo {
  @Field(() => [[Float]], { description: 'Mode centres [x, y].' })
  centers!: number[][];

  @Field(() => Float)
  sigma!: number;
}

@ObjectType({ description: 'An image classifier shipped with the model for quality metrics.' })
export class ClassifierInfo {
  @Field(() => [String])
  classes!: string[];

  @Field(() => Float, { nullable: true, description: 'Its accuracy on the real test set.' })
  testAccuracy!: number | null;
}

@ObjectType({
  description:
    'How one calibration method did on the model’s held-out real samples: fitted on half of them against as many fresh generator samples, judged on the other half against as many more.',
})
export class CalibrationReportView {
  constructor(private readonly report: ClassCalibrationReport) {}

  @Field(() => String, { description: 'platt or isotonic (the values of a sampler’s `calibration` parameter).' })
  get method(): string {
    return this.report.method;
  }

  @Field(() => Int, {
    nullable: true,
    description: 'The class this fit is for: a class-conditional model is calibrated per class, on its real samples of that class; null otherwise.',
  })
  get classLabel(): number | null {
    return this.report.classLabel;
  }

  @Field(() => Int, { description: 'Held-out real samples the fit used (half fit, half judge): those of its class for a class-conditional model.' })
  get count(): number {
    return this.report.count;
  }

  @Field(() => Float, { description: 'Z = Σ(y − p)/√Σp(1 − p) of D’s raw probabilities on the judging half: about standard normal when calibrated.' })
  get zBefore(): number {
    return this.report.zBefore;
  }

  @Field(() => Float, { description: 'Z of the calibrated probabilities.' })
  get zAfter(): number {
    return this.report.zAfter;
  }

  @Field(() => Float, { description: 'Expected calibration error (10 equal-width bins) of the raw probabilities.' })
  get eceBefore(): number {
    return this.report.eceBefore;
  }

  @Field(() => Float, { description: 'Expected calibration error of the calibrated probabilities.' })
  get eceAfter(): number {
    return this.report.eceAfter;
  }
}

/** What a Model view looks up from the running engine. */
export interface ModelLookups {
  burnIns(modelId: string): Promise<BurnInFact[]>;
  calibration(modelId: string): Promise<readonly ClassCalibrationReport[] | null>;
  /** The registered samplers and whether each can run on the model. */
  samplers(entry: ModelEntry): ModelSamplerInfo[];
}

@ObjectType({ description: 'A generator/discriminator pair from MODELS_DIR.' })
export class Model {
  constructor(
    private readonly entry: ModelEntry,
    private readonly lookups: ModelLookups,
  ) {}

  @Field(() => ID)
  get id(): string {
    return this.entry.id;
  }

  @Field(() => String, { description: 'The manifest title (the id when the manifest did not parse).' })
  get title(): string {
    return this.entry.manifest?.title ?? this.entry.id;
  }

  @Field(() => String, { nullable: true })
  get description(): string | null {
    return this.entry.manifest?.description ?? null;
  }

  @Field(() => ModelStatus)
  get status(): ModelStatus {
    return this.entry.status;
  }

  @Field(() => String, { nullable: true, description: 'Why the model failed to load (names the file and the mismatch); null when READY.' })
  get error(): string | null {
    return this.entry.status === 'FAILED' ? this.entry.error : null;
  }

  @Field(() => Int, { nullable: true, description: 'Latent size (null when the manifest did not parse).' })
  get latentDim(): number | null {
    return this.entry.manifest?.latent.dim ?? null;
  }

  @Field(() => LatentDistribution, { nullable: true })
  get latentDistribution(): LatentDistribution | null {
    return this.entry.manifest?.latent.distribution ?? null;
  }

  @Field(() => [Int], { nullable: true, description: 'Shape of one sample, e.g. [2] or [1, 28, 28].' })
  get outputShape(): readonly number[] | null {
    return this.entry.manifest?.output.shape ?? null;
  }

  @Field(() => OutputKind, { nullable: true })
  get outputKind(): OutputKind | null {
    return this.entry.manifest?.output.kind ?? null;
  }

  @Field(() => [Float], { nullable: true, description: 'Pixel value range [low, high] of image models (mapped to 0–255 in `png`).' })
  get outputRange(): readonly number[] | null {
    return this.entry.manifest?.output.range ?? null;
  }

  @Field(() => DiscriminatorOutput, { nullable: true })
  get discriminatorOutput(): DiscriminatorOutput | null {
    return this.entry.manifest?.discriminatorOutput ?? null;
  }

  @Field(() => Mixture2dInfo, { nullable: true, description: 'Mode centres and σ of a 2-D mixture model (evaluation data for the mixture metrics).' })
  get mixture2d(): Mixture2dInfo | null {
    const m = this.entry.manifest?.evaluation?.mixture2d;
    return m ? Object.assign(new Mixture2dInfo(), { centers: m.centers.map((c) => [...c]), sigma: m.sigma }) : null;
  }

  @Field(() => ClassifierInfo, { nullable: true, description: 'The bundled classifier behind the image metrics.' })
  get classifier(): ClassifierInfo | null {
    const c = this.entry.manifest?.evaluation?.classifier;
    return c ? Object.assign(new ClassifierInfo(), { classes: [...c.classes], testAccuracy: c.testAccuracy ?? null }) : null;
  }

  @Field(() => [String], {
    nullable: true,
    description:
      'The classes of a class-conditional model (manifest `conditioning.labels`): `SampleInput.classLabel` k samples class `classLabels[k]`, and is required. Null for an unconditional model.',
  })
  get classLabels(): readonly string[] | null {
    return this.entry.manifest?.conditioning?.labels ?? null;
  }

  @Field(() => [ModelSamplerInfo], {
    description: 'Every registered sampler and whether it can run on this model (latent samplers need a latent-gradient graph); empty for a FAILED model.',
  })
  samplers(): ModelSamplerInfo[] {
    return this.entry.status === 'READY' ? this.lookups.samplers(this.entry) : [];
  }

  @Field(() => [BurnInFactView], { description: 'Burn-ins computed so far on this model (empty until a sampler needs one).' })
  async burnIns(): Promise<BurnInFact[]> {
    return this.entry.status === 'READY' ? this.lookups.burnIns(this.entry.id) : [];
  }

  @Field(() => [CalibrationReportView], {
    nullable: true,
    description:
      'Calibration of D, fitted at load on the held-out real samples (manifest `calibration`): one report per method, and per class for a class-conditional model; null when the model ships none.',
  })
  async calibration(): Promise<CalibrationReportView[] | null> {
    if (this.entry.status !== 'READY') return null;
    const reports = await this.lookups.calibration(this.entry.id);
    return reports ? reports.map((r) => new CalibrationReportView(r)) : null;
  }
}
