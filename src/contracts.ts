/**
 * The sampler contract: every type a sampler author needs, and nothing else.
 *
 * A sampler sits at the end of one inference round: the engine draws latents, runs
 * G → D in a worker, drops proposals whose logit is NaN/±Inf, and hands the sampler the
 * remaining finite logits of one request's batch, in proposal order. The sampler returns one
 * acceptance probability per proposal; the engine draws the (seeded) uniforms and accepts.
 *
 * Plugins in `plugins/<name>/` import from this file only.
 */

import type { OutputKind } from './models/manifest.js';

/** Bumped on any breaking change to the interfaces below. */
export const SAMPLER_CONTRACT_VERSION = 1 as const;

/** The type of a declared sampler parameter. */
export const SamplerParameterType = { FLOAT: 'float', INT: 'int', BOOLEAN: 'boolean' } as const;
export type SamplerParameterType = (typeof SamplerParameterType)[keyof typeof SamplerParameterType];
export type SamplerParameterValue = number | boolean;
export type SamplerParams = Readonly<Record<string, SamplerParameterValue>>;

/** One declared parameter. Exposed as-is in GraphQL (`Query.samplers`). */
export interface SamplerParameter {
  readonly name: string;
  readonly type: SamplerParameterType;
  /** Applied when the request omits the parameter; `undefined` = no default (optional, unset). */
  readonly default?: SamplerParameterValue;
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  readonly description: string;
}

/** What a sampler may know about the model it runs on. */
export interface ModelDescriptor {
  readonly id: string;
  readonly latentDim: number;
  readonly outputShape: readonly number[];
  readonly outputKind: OutputKind;
}

/** Logits of a seeded, cached burn-in run of G → D (finite logits only). */
export interface BurnIn {
  readonly logits: Float64Array;
  readonly logitMax: number;
  /** Proposals drawn, including any dropped for a non-finite logit. */
  readonly proposed: number;
}

/** Given to `prepare`: the engine's shared services for this model. */
export interface PreparationContext {
  readonly model: ModelDescriptor;
  /**
   * Burn-in logits for `count` proposals. Cached per model and count by the engine, seeded
   * independently of any request, so only the first request pays and results never depend on
   * which request came first.
   */
  burnIn(count: number): Promise<BurnIn>;
  readonly signal?: AbortSignal;
}

/** Sampler-specific numbers reported in a run's stats. */
export interface SamplerReport {
  /** The running estimate of D̃_M = log M, where the sampler keeps one. */
  readonly logitMax?: number;
  /** γ used for the latest batch, where the sampler has one. */
  readonly gamma?: number;
  /** Anything else worth showing (e.g. a threshold); surfaces as JSON in stats. */
  readonly details?: Readonly<Record<string, number>>;
}

/** Per-request state: created once per sampling run, fed every batch in order. */
export interface SamplerState {
  /**
   * Decide one batch. `logits` are D̃(x) of this request's proposals, all finite, in
   * proposal order. Returns acceptance probabilities in [0, 1], same length.
   */
  decide(logits: Float64Array): Float64Array;
  report(): SamplerReport;
}

export interface SamplerPlugin<Prepared = unknown> {
  readonly contractVersion: typeof SAMPLER_CONTRACT_VERSION;
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly SamplerParameter[];
  /**
   * Cross-parameter rules, run at admission after type and range checks (defaults applied).
   * `given` holds the names the request set explicitly. Throw `SamplerParameterError`.
   */
  validate?(params: SamplerParams, given: ReadonlySet<string>): void;
  /** Work shared by requests before sampling starts (e.g. burn-in). */
  prepare?(params: SamplerParams, context: PreparationContext): Promise<Prepared>;
  start(params: SamplerParams, prepared: Prepared, model: ModelDescriptor): SamplerState;
}

/** A bad sampler parameter; `parameter` names it. Surfaces as BAD_USER_INPUT in GraphQL. */
export class SamplerParameterError extends Error {
  override readonly name = 'SamplerParameterError';
  constructor(
    readonly sampler: string,
    readonly parameter: string,
    message: string,
  ) {
    super(`sampler "${sampler}", parameter "${parameter}": ${message}`);
  }
}

/**
 * The q-th percentile (0–100) of `values`, with linear interpolation between order
 * statistics (numpy's default). Percentiles are 0–100, never 0–1 (docs/sampling.md, "Pitfalls").
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${q}`);
  const n = values.length;
  if (n === 0) throw new RangeError('percentile of an empty set');
  const sorted = Float64Array.from(values).sort();
  const rank = (q / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  const lower = sorted[lo] as number;
  return lower + (rank - lo) * ((sorted[hi] as number) - lower);
}
