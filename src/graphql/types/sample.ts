/**
 * Requests and results of sampling. Result objects wrap the engine's typed arrays and build
 * per-sample objects, base64 and PNGs only for the fields a query asks for.
 */
import 'reflect-metadata';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, InterfaceType, ObjectType } from 'type-graphql';
import type { MetricsSource } from '../../evaluation/evaluator.js';
import type { ReadyModel } from '../../models/repository.js';
import type { SampleRequest } from '../../sampling/engine.js';
import type { SampleOutcome } from '../../sampling/outcome.js';
import type { AcceptedSamples, RunStats } from '../../sampling/run.js';
import type { StreamEvent } from '../../sampling/stream.js';
import { float32ToBase64, imageDataUrl } from '../encoding.js';
import { FloatVector } from './float-vector.js';
import { SampleMetricsView } from './metrics.js';

/** Static costs for MAX_QUERY_COMPLEXITY (every other field costs 1). */
export const COMPLEXITY = { sample: 20, png: 2, metrics: 10, compare: 50 } as const;

@InputType({ description: 'A sampler and its parameters.' })
export class SamplerSpecInput {
  @Field(() => String, { description: 'A name from `Query.samplers`.' })
  name!: string;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Checked against the sampler’s declared parameters; unknown or out-of-range ones fail the request (BAD_USER_INPUT naming the parameter).',
  })
  params?: Record<string, unknown> | null;
}

@InputType()
export class SampleInput {
  @Field(() => ID)
  modelId!: string;

  @Field(() => SamplerSpecInput)
  sampler!: SamplerSpecInput;

  @Field(() => Int, { description: 'Accepted samples wanted; the run stops after exactly this many.' })
  count!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Seeds latents and acceptance uniforms (0 to 2147483647): same request and seed, same samples. Drawn and reported in stats when omitted.',
  })
  seed?: number | null;

  @Field(() => Int, { nullable: true, description: 'Proposal budget; when it runs out the request fails with PROPOSAL_BUDGET_EXHAUSTED.' })
  maxProposals?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Proposals per decision batch (part of what a seed reproduces), default 512. Given, also the size of each inference round; unset, the server sizes the rounds (whole batches, about 20 ms of inference each; same samples).',
  })
  batchSize?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'The class to sample, 0-based into `Model.classLabels`: required by a class-conditional model (G and D get it; burn-in and calibration are that class’s), BAD_USER_INPUT on any other model or out of range.',
  })
  classLabel?: number | null;
  @Field(() => String, {
    nullable: true,
    description:
      'sampleStream only: a `cursor` from an earlier event of this stream, on any replica. The stream continues right after that event: no sample twice, none missing. ' +
      'The rest of the input must match the stream’s (model, sampler, params, count; seed, batchSize and maxProposals may be omitted). A bad, altered or foreign cursor fails with BAD_USER_INPUT naming resumeFrom.',
  })
  resumeFrom?: string | null;
}

/** GraphQL input (plain object or class instance) → engine request. */
export function toSampleRequest(input: SampleInput): SampleRequest {
  return {
    modelId: input.modelId,
    sampler: { name: input.sampler.name, params: input.sampler.params ?? undefined },
    count: input.count,
    seed: input.seed ?? undefined,
    maxProposals: input.maxProposals ?? undefined,
    batchSize: input.batchSize ?? undefined,
    classLabel: input.classLabel ?? undefined,
    resumeFrom: input.resumeFrom ?? undefined,
  };
}

@ObjectType({ description: 'Counts and estimates of a sampling run (running totals in a stream).' })
export class SampleStats {
  constructor(private readonly stats: RunStats) {}

  @Field(() => Int, { description: 'The seed used (drawn when the request gave none).' })
  get seed(): number {
    return this.stats.seed;
  }
  @Field(() => Int, { description: 'Proposals considered (burn-in not included).' })
  get proposed(): number {
    return this.stats.proposed;
  }
  @Field(() => Int, { description: 'Samples output (returned or streamed) so far.' })
  get outputs(): number {
    return this.stats.accepted;
  }
  @Field(() => Int, { deprecationReason: 'Use outputs: the same number (an MH chain outputs a state, not an accepted proposal).' })
  get accepted(): number {
    return this.stats.accepted;
  }
  @Field(() => Float, { description: 'outputs / proposed.' })
  get acceptanceRate(): number {
    return this.stats.acceptanceRate;
  }
  @Field(() => Int, { description: 'Outputs that are different proposals (an MH chain may output the same state more than once).' })
  get distinctOutputs(): number {
    return this.stats.distinctOutputs;
  }
  @Field(() => Float, { nullable: true, description: 'proposed / outputs: the cost of one sample; null before the first output.' })
  get proposalsPerOutput(): number | null {
    return this.stats.proposalsPerOutput;
  }
  @Field(() => Int, { description: 'Proposals whose logit was NaN or ±Inf (counted as rejections).' })
  get invalidLogits(): number {
    return this.stats.invalidLogits;
  }
  @Field(() => Int, { description: 'Inference rounds this run sent (each ran in a shared G → D batch; a round split across two batches counts twice).' })
  get inferenceRounds(): number {
    return this.stats.rounds;
  }
  @Field(() => Float, {
    description:
      'Mean rows of the shared batches those rounds ran in: above batchSize when the server sized the rounds or concurrent requests were batched together.',
  })
  get meanBatchSize(): number {
    return this.stats.meanBatchSize;
  }
  @Field(() => Float, { nullable: true, description: 'D̃_M (log M) before the first batch, for samplers that keep one.' })
  get logitMaxStart(): number | null {
    return this.stats.logitMaxStart;
  }
  @Field(() => Float, { nullable: true, description: 'D̃_M now (a running maximum).' })
  get logitMaxEnd(): number | null {
    return this.stats.logitMaxEnd;
  }
  @Field(() => Float, { nullable: true, description: 'γ of the latest batch (DRS).' })
  get gamma(): number | null {
    return this.stats.gamma;
  }
  @Field(() => Float, { nullable: true, description: 'Mean γ over batches (DRS).' })
  get gammaMean(): number | null {
    return this.stats.gammaMean;
  }
  @Field(() => Int, {
    description:
      'Outputs a `sample` query took back when the sampler’s bound (D̃_M) rose after accepting them, and replaced by further draws (re-thinning keeps the result exact).',
  })
  get retracted(): number {
    return this.stats.retracted;
  }
  @Field(() => Int, {
    description:
      'Outputs already sent that were accepted under a lower bound than the current one: a stream cannot take them back, so they were accepted too often.',
  })
  get staleOutputs(): number {
    return this.stats.staleOutputs;
  }
  @Field(() => Boolean, { description: 'True when the bound rose after samples went out (retracted > 0 or staleOutputs > 0).' })
  get boundRoseAfterOutput(): boolean {
    return this.stats.retracted > 0 || this.stats.staleOutputs > 0;
  }
  @Field(() => Float)
  get elapsedMs(): number {
    return this.stats.elapsedMs;
  }
  @Field(() => GraphQLJSON, { nullable: true, description: 'Sampler-specific numbers, e.g. the threshold’s logitThreshold.' })
  get samplerDetails(): Readonly<Record<string, number>> | null {
    return this.stats.samplerDetails ?? null;
  }
}

@ObjectType({ description: 'One accepted sample.' })
export class Sample {
  /** A row of the result's arrays (no per-sample copies or views: a result may hold 100,000 samples). */
  constructor(
    private readonly arrays: AcceptedSamples,
    private readonly row: number,
    private readonly model: ReadyModel,
  ) {}

  @Field(() => FloatVector, { description: 'The sample’s values, row-major in outputShape (a JSON array of numbers).' })
  get values(): number[] {
    const { samples, sampleSize } = this.arrays;
    const out = new Array<number>(sampleSize);
    for (let j = 0, from = this.row * sampleSize; j < sampleSize; j++) out[j] = samples[from + j] as number;
    return out;
  }
  @Field(() => Float, { description: 'D̃(x), the discriminator logit.' })
  get logit(): number {
    return this.arrays.logits[this.row] as number;
  }
  @Field(() => Float, { description: 'The probability the sampler accepted it with.' })
  get acceptanceProbability(): number {
    return this.arrays.acceptanceProbabilities[this.row] as number;
  }
  @Field(() => String, {
    nullable: true,
    complexity: COMPLEXITY.png,
    description: 'A PNG data URL (image models with 1 or 3 channels; null otherwise), output.range mapped to 0–255.',
  })
  png(): string | null {
    const { kind, shape, range } = this.model.manifest.output;
    const { samples, sampleSize } = this.arrays;
    return kind === 'image' && range ? imageDataUrl(samples.subarray(this.row * sampleSize, (this.row + 1) * sampleSize), shape, range) : null;
  }
}

@InterfaceType({ description: 'Accepted samples, as lists and in a compact encoding, with stats and metrics: a whole result or one stream chunk.' })
export abstract class SampleBatch {
  constructor(
    protected readonly arrays: AcceptedSamples,
    protected readonly model: ReadyModel,
    private readonly runStats: RunStats,
    private readonly metricsSource: MetricsSource,
  ) {}

  @Field(() => Int, { description: 'Samples in this result or chunk.' })
  get count(): number {
    return this.arrays.count;
  }

  @Field(() => [Sample])
  samples(): Sample[] {
    const out = new Array<Sample>(this.arrays.count);
    for (let i = 0; i < out.length; i++) out[i] = new Sample(this.arrays, i, this.model);
    return out;
  }

  @Field(() => [FloatVector], {
    description:
      'Every sample’s values, in order: sampleValues[i] is samples[i].values (the same numbers, float32 written as the doubles they equal), ' +
      'without an object per sample: the cheap way to get JSON numbers for many samples (samplesBase64 stays the most compact).',
  })
  sampleValues(): number[][] {
    // One pass over the result's column: plain arrays (FloatVector sends them as they are), no per-row typed-array views.
    const { samples, sampleSize, count } = this.arrays;
    const out = new Array<number[]>(count);
    for (let i = 0, k = 0; i < count; i++) {
      const row = new Array<number>(sampleSize);
      for (let j = 0; j < sampleSize; j++, k++) row[j] = samples[k] as number;
      out[i] = row;
    }
    return out;
  }

  @Field(() => String, { description: 'All values as little-endian float32, base64, row-major: count × product(sampleShape) numbers.' })
  samplesBase64(): string {
    return float32ToBase64(this.arrays.samples.subarray(0, this.arrays.count * this.arrays.sampleSize));
  }

  @Field(() => [Int], { description: 'Shape of one sample (the model’s outputShape).' })
  get sampleShape(): readonly number[] {
    return this.model.manifest.output.shape;
  }

  @Field(() => SampleStats, { description: 'The run’s stats: final on a result, running totals on a stream chunk.' })
  get stats(): SampleStats {
    return new SampleStats(this.runStats);
  }

  @Field(() => SampleMetricsView, {
    complexity: COMPLEXITY.metrics,
    description: 'Quality metrics, computed only when asked for: of all samples on a result, of every sample streamed so far on a stream chunk.',
  })
  metrics(): SampleMetricsView {
    return new SampleMetricsView(this.metricsSource);
  }
}

@ObjectType({
  implements: SampleBatch,
  description:
    'All samples of a request, with the run’s final stats. It has no `id` on purpose: a normalising client cache (Apollo Client, urql’s graphcache) ' +
    'keeps it only under the query and its arguments, never as an entity another query could be answered from.',
})
export class SampleResult extends SampleBatch {
  constructor(outcome: SampleOutcome) {
    super(outcome, outcome.model, outcome.stats, outcome.metrics);
  }
}

@ObjectType({ implements: SampleBatch, description: 'A chunk of a stream: newly accepted samples (possibly none: a progress event) and running stats.' })
export class SampleEvent extends SampleBatch {
  private readonly last: boolean;
  private readonly event: StreamEvent;

  constructor(event: StreamEvent) {
    super(event.chunk, event.model, event.chunk.stats, () => event.metrics());
    this.last = event.chunk.done;
    this.event = event;
  }

  @Field(() => String, {
    nullable: true,
    description:
      'Where the stream stands after this event, as an opaque string: pass it as `resumeFrom` (with the same input) to continue the stream after this event, on this server or another replica. ' +
      'Null when the sampler cannot be resumed (it has no snapshot/restore).',
  })
  cursor(): string | null {
    return this.event.cursor();
  }

  @Field(() => Boolean, { description: 'True on the last event; the stream completes after it.' })
  get done(): boolean {
    return this.last;
  }
}
